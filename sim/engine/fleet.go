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
)

// Agent phases.
const (
	agentIdle uint8 = iota
	agentDownloading
	agentInstalling
	agentHung
)

// agentState is one device's job agent: what it is doing and for which
// execution. 12 bytes.
type agentState struct {
	phase    uint8
	deferred bool  // a step came due while disconnected: send it on reconnect
	recheck  bool  // a notify-next arrived while busy: ask again when done
	outcome  uint8 // scenario.Outcome of the current execution
	rule     uint8 // 1 + the jobs.rules entry it follows, 0 for none
	job      uint16
	exec     uint32 // executionNumber of the current execution
}

// fleet is the simulator's per-device state as struct of arrays, indexed by
// the dense device number.
type fleet struct {
	cohortOf []uint16
	index    []uint32 // index within the cohort
	names    []string
	flags    []uint8
	connMs   []int64             // virtual ms of the last connectivity change (truth)
	shadow   [][]byte            // truth: the classic shadow's leaves (shadowtruth.go), nil when empty
	shadowOf []core.ShadowHandle // the core's handle of the device's shadows, zero until its first report
	churnN   []uint32            // draws made by each stream with a counter
	connN    []uint32
	jobN     []uint32
	agent    []agentState

	base     []uint32       // first device number of each cohort
	byCohort map[string]int // cohort name → cohort number
}

func newFleet(sc *scenario.Scenario) fleet {
	n := sc.Devices()
	f := fleet{
		cohortOf: make([]uint16, n), index: make([]uint32, n), names: make([]string, n),
		flags: make([]uint8, n), connMs: make([]int64, n), shadow: make([][]byte, n), shadowOf: make([]core.ShadowHandle, n),
		churnN: make([]uint32, n), connN: make([]uint32, n), jobN: make([]uint32, n),
		agent: make([]agentState, n), byCohort: map[string]int{},
	}
	d := 0
	for ci := range sc.Cohorts {
		c := &sc.Cohorts[ci]
		f.base = append(f.base, uint32(d))
		f.byCohort[c.Name] = ci
		for i := range c.Count {
			f.cohortOf[d], f.index[d], f.names[d] = uint16(ci), uint32(i), c.DeviceName(i)
			d++
		}
	}
	return f
}

func (f *fleet) has(d uint32, flag uint8) bool { return f.flags[d]&flag != 0 }

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
	if int(d) >= len(f.names) || f.cohortOf[d] != uint16(ci) || f.names[d] != name {
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
// counter n, kept in the fleet arrays.
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
