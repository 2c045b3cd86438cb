package engine

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Device flags.
const (
	flagProvisioned uint8 = 1 << iota
	flagConnected
	flagEverConnected
	flagAgentDeferred // a job step came due while disconnected: send it on reconnect
	flagAgentRecheck  // a notify-next arrived while the agent was busy: ask again when done
)

// Agent phases.
const (
	agentIdle uint8 = iota
	agentDownloading
	agentInstalling
	agentHung
)

// device is the state of one device that its events read and write. The
// fields are kept together because a churn, connectivity or job agent event
// on a random one of a million devices would otherwise miss the cache once
// per array it touches; the record is one 64-byte line of the fleet's
// (page-aligned) array, so an event costs one miss.
type device struct {
	shadow   []byte            // truth: the classic shadow's leaves (shadowtruth.go), nil when empty
	shadowOf core.ShadowHandle // the core's handle of the device's shadows, zero until its first report
	connMs   int64             // virtual ms of the last connectivity change (truth)
	churnN   uint32            // draws made by each stream with a counter
	connN    uint32
	jobN     uint32
	cohort   uint16
	flags    uint8

	// The job agent: what it is doing and for which execution.
	phase   uint8
	outcome uint8  // scenario.Outcome of the current execution
	rule    uint8  // 1 + the jobs.rules entry it follows, 0 for none
	job     uint16 // jobIndex of the current execution's job
	exec    uint32 // executionNumber of the current execution
}

// fleet is the simulator's per-device state, indexed by the dense device
// number: the records events use, and the names apart, which the most
// frequent event (a shadow churn) does not read.
type fleet struct {
	devices []device
	names   []string

	base     []uint32       // first device number of each cohort
	byCohort map[string]int // cohort name → cohort number
}

func newFleet(sc *scenario.Scenario) fleet {
	n := sc.Devices()
	f := fleet{devices: make([]device, n), names: make([]string, n), byCohort: map[string]int{}}
	d := 0
	for ci := range sc.Cohorts {
		c := &sc.Cohorts[ci]
		f.base = append(f.base, uint32(d))
		f.byCohort[c.Name] = ci
		for i := range c.Count {
			f.devices[d].cohort, f.names[d] = uint16(ci), c.DeviceName(i)
			d++
		}
	}
	return f
}

func (f *fleet) has(d uint32, flag uint8) bool { return f.devices[d].flags&flag != 0 }

// index returns device d's index within its cohort, which its number
// implies: a cohort's devices are numbered consecutively.
func (f *fleet) index(d uint32) int { return int(d - f.base[f.devices[d].cohort]) }

// device returns the device number of a thing name (cohort-NNNNNN), or false
// for a name that is not one of the simulated devices.
func (f *fleet) device(name string) (uint32, bool) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return 0, false
	}
	ci, ok := f.byCohort[name[:i]]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n < 0 {
		return 0, false
	}
	d := f.base[ci] + uint32(n)
	if int(d) >= len(f.names) || f.devices[d].cohort != uint16(ci) || f.names[d] != name {
		return 0, false
	}
	return d, true
}

// purpose names an independent random stream of a device.
type purpose uint64

const (
	purposeAttributes purpose = iota + 1
	purposeShadow
	purposeChurn // when the reports come
	purposeChurnValues
	purposeConnectivity
	purposeJob
	purposeJobState // onSuccess values
)

// streams derives generators from (seed, device, purpose, n). It reuses one
// PCG, reseeded for each draw sequence: a device's stream state is only its
// counter n, kept in its device record.
type streams struct {
	seed uint64
	pcg  rand.PCG
	r    *rand.Rand
}

func newStreams(seed uint64) *streams {
	s := &streams{seed: seed}
	s.r = rand.New(&s.pcg)
	return s
}

// at returns the generator for draw sequence n of a device's purpose. It is
// valid until the next call.
func (s *streams) at(device uint32, p purpose, n uint32) *rand.Rand {
	hi := splitmix(s.seed ^ splitmix(uint64(device)<<8|uint64(p)))
	s.pcg.Seed(hi, splitmix(hi^uint64(n)))
	return s.r
}

// splitmix is SplitMix64's finaliser, a bijective 64-bit mix.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
