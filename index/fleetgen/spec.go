package fleetgen

import "math/rand/v2"

// DefaultEpoch is the "now" of a fleet whose Spec leaves Epoch zero, in
// epoch milliseconds (2023-11-14T22:13:20Z).
const DefaultEpoch int64 = 1_700_000_000_000

// Spec fixes a fleet. The zero value (seed 0, default epoch) is a valid
// fleet; every knob's zero value means its default.
type Spec struct {
	// Seed selects the fleet. Thing i of a fleet depends only on (Seed, i).
	Seed uint64
	// Epoch is the fleet's "now" in epoch milliseconds: connectivity
	// timestamps fall within the week before it, shadow timestamps likewise
	// (in seconds). Zero means DefaultEpoch.
	Epoch int64
}

func (s Spec) epoch() int64 {
	if s.Epoch == 0 {
		return DefaultEpoch
	}
	return s.Epoch
}

// thingRand is the random stream of thing i: a PCG keyed by (seed, i)
// through a mixing function, so that neighbouring seeds and indexes give
// unrelated streams and any thing can be generated without the others.
func thingRand(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed), mix(mix(uint64(i))^seed)))
}

// mix is the SplitMix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
