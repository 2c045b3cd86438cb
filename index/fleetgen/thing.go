package fleetgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/fleetlab/fleetlab/index"
)

// ThingName is the name of thing i: "sensor-" and i zero-padded to seven
// digits, so names sort like indexes up to ten million things.
func ThingName(i int) string { return fmt.Sprintf("sensor-%07d", i) }

// Doc returns thing i of the fleet. It is deterministic in (spec, i) and
// independent of every other thing, so a fleet of any size can be streamed.
// The shadow is a JSON object.
func Doc(spec Spec, i int) index.Document {
	r := thingRand(spec.Seed, i)
	epoch := spec.epoch()
	d := index.Document{
		ThingName:       ThingName(i),
		ThingID:         uuid(r),
		ThingTypeName:   pick(r, thingTypes),
		RegistryVersion: 1 + r.Int64N(5),
	}
	region := pick(r, regions)
	d.ThingGroupNames = groups(r, region)
	d.Attributes = attributes(r, region, d.ThingTypeName)
	// A few things never reported a shadow.
	if r.IntN(100) >= 3 {
		d.Shadow = shadow(r, epoch)
	}
	d.Connectivity = connectivity(r, epoch)
	return d
}

// Docs returns things 0..n-1.
func Docs(spec Spec, n int) []index.Document {
	docs := make([]index.Document, n)
	for i := range docs {
		docs[i] = Doc(spec, i)
	}
	return docs
}

// uuid draws a version-4-shaped UUID.
func uuid(r *rand.Rand) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000           // version 4
	lo = lo&^(0xc000<<48) | 0x8000<<48 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// groups gives 1–3 distinct groups: an environment always, usually the
// region's group, sometimes a billing or special group.
func groups(r *rand.Rand, region string) []string {
	gs := []string{pick(r, envGroups)}
	if r.IntN(100) < 60 {
		gs = append(gs, regionGroups[region])
	}
	if r.IntN(100) < 40 {
		gs = append(gs, pick(r, extraGroups))
	}
	return gs
}

// attributes are registry attributes, all strings. serial is usually a
// number too, but one in five has leading zeros and so is only a string;
// batch is always numeric.
func attributes(r *rand.Rand, region, thingType string) map[string]string {
	ms := models[thingType]
	serial := fmt.Sprint(100_000_000 + r.IntN(900_000_000))
	if r.IntN(100) < 20 {
		serial = fmt.Sprintf("%09d", r.IntN(100_000_000))
	}
	return map[string]string{
		"region": region,
		"hw_rev": pick(r, hwRevs),
		"model":  ms[r.IntN(len(ms))],
		"serial": serial,
		"batch":  fmt.Sprint(1 + r.IntN(60)),
	}
}

// connectivity: ~85% connected. A disconnected thing has a reason, and
// usually a timestamp (AWS drops it some time after the disconnect).
func connectivity(r *rand.Rand, epoch int64) *index.Connectivity {
	c := &index.Connectivity{Timestamp: epoch - r.Int64N(7*24*3600*1000)}
	if r.IntN(100) < 85 {
		c.Connected = true
		return c
	}
	c.DisconnectReason = pick(r, disconnectReasons)
	if r.IntN(100) < 10 {
		c.Timestamp = 0
	}
	return c
}
