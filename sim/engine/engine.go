package engine

import (
	"encoding/json"
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

// Epoch is the wall-clock instant virtual time 0 stands for. It is fixed so
// that timestamps in the core (and so the report) do not depend on when a
// run happens.
var Epoch = scenario.Epoch

// Options tune a run. The zero value is a quiet run.
type Options struct {
	// Progress, when set, is called about twice a second of wall time with
	// the state of the run (a terminal's live line).
	Progress func(report.Progress)
	// Provisioners add or replace per-device provisioning methods (jitp
	// is not built in yet; bulk runs a registration task and takes none).
	Provisioners map[scenario.Method]Provisioner
	// Shard, when Count > 1, runs only the devices d with d mod Count ==
	// Index: a disjoint slice of the fleet, with each device exactly as
	// it is in the whole run (its streams depend on its number alone).
	// Each shard has its own core, so a job's rate limit and abort
	// criteria apply per shard; report.Merge combines shard reports.
	Shard Shard
}

// Shard is one of Count disjoint slices of a fleet, numbered from 0.
type Shard struct{ Index, Count int }

func (sh Shard) has(d uint32) bool { return sh.Count <= 1 || int(d%uint32(sh.Count)) == sh.Index }

// Event kinds in the wheel.
const (
	kindProvision uint8 = iota + 1
	kindConnect
	kindDisconnect
	kindChurn
	kindAgentStart
	kindAgentProgress
	kindAgentFinish
	kindTimeline     // Arg: index in Scenario.Timeline
	kindTruth        // Arg: index in Scenario.Timeline of the query
	kindBulkStart    // Arg: the bulk cohort's index
	kindRegistered   // a bulk-registered device's thing exists
	kindBulkFinished // the running registration task ended
	kindMembership   // Arg: index in Scenario.Timeline of the query whose truth reads dynamic groups
)

// Sim is one run of a scenario. It is single threaded.
type Sim struct {
	sc     *scenario.Scenario
	opts   Options
	core   *core.Core
	wheel  *wheel.Wheel
	fleet  fleet
	rng    *streams
	end    int64 // virtual ms
	nowMs  int64
	events uint64

	provisioned  int
	provisioners map[scenario.Method]Provisioner
	bulk         bulkState
	claimCertID  string // the fleet's claim certificate, when a cohort provisions by claim
	jobs         []jobInfo
	jobIndex     map[string]uint16
	truths       map[int]truthAnswer           // by timeline index of the query
	memberships  map[int]dynamicMembers        // by timeline index of the query, taken when the index lags
	templates    map[string]*template.Template // parsed for the truth, by name
	rec          *report.Recorder
	rep          *report.Report
	succeeded    int64
	failed       int64

	rules     *ruleMatcher    // jobs.rules selectors; nil until first used
	groupEval *groupEvaluator // dynamic groups for the truth and rules; nil until first used

	paths   *pathTable                       // leaf paths of the true shadows
	leaves  []leaf                           // reused by reportState
	samples []sample                         // reused by reportState
	plans   map[*scenario.Field]*sectionPlan // reportState's, by the section's first field
	scratch []byte                           // reused by reportState
	payload []byte                           // reused by reportState
}

// Run simulates sc and returns its report, expectations evaluated. The
// error is for a scenario that cannot run at all.
func Run(sc *scenario.Scenario, opts Options) (*report.Report, error) {
	s, err := New(sc, opts)
	if err != nil {
		return nil, err
	}
	return s.Run(), nil
}

// New prepares a run: the core with the scenario's indexing, thing types
// and groups, and every registry-provisioned device created.
func New(sc *scenario.Scenario, opts Options) (*Sim, error) {
	s := &Sim{
		sc: sc, opts: opts, wheel: wheel.New(0), fleet: newFleet(sc), rng: newStreams(sc.Seed),
		end: sc.Duration.Milliseconds(), jobIndex: map[string]uint16{}, truths: map[int]truthAnswer{}, memberships: map[int]dynamicMembers{},
		rec: report.NewRecorder(), paths: newPathTable(), provisioners: map[scenario.Method]Provisioner{scenario.Registry: registryProvisioner{}},
		bulk: bulkState{running: -1},
	}
	for m, p := range opts.Provisioners {
		s.provisioners[m] = p
	}
	if sh := opts.Shard; sh.Count > 1 && (sh.Index < 0 || sh.Index >= sh.Count) {
		return nil, fmt.Errorf("shard %d/%d: the index must be in [0, %d)", sh.Index, sh.Count, sh.Count)
	}
	s.rep = &report.Report{Scenario: sc.Name, Seed: sc.Seed, Jobs: map[string]report.Job{}, Queries: map[string]report.Query{},
		Provisioning: report.NewProvisioning()}
	for d := range uint32(sc.Devices()) {
		if opts.Shard.has(d) {
			s.rep.Devices++
		}
	}
	if opts.Shard.Count >= 1 { // --shard 0/1 too: a run of one shard, which merge takes
		s.rep.Shard = fmt.Sprintf("%d/%d", opts.Shard.Index, opts.Shard.Count)
		s.rep.FleetDevices = sc.Devices()
	}
	for _, w := range sc.Warnings {
		s.rep.Warnings = append(s.rep.Warnings, w.Error())
	}
	ca, err := newCA()
	if err != nil {
		return nil, err
	}
	// The index moves postings on a second core while the loop goes on.
	settings := index.DefaultSettings()
	settings.WriteBehind = true
	s.core = core.New(core.Options{Seed: sc.Seed, Ephemeral: true, IndexLag: sc.IndexLag, CA: ca, Heard: heard, Index: settings})
	if err := s.setup(); err != nil {
		s.core.Close()
		return nil, err
	}
	for _, c := range sc.Cohorts {
		if c.Count > 0 && c.Provisioning.Method != scenario.Bulk && s.provisioners[c.Provisioning.Method] == nil {
			s.core.Close()
			return nil, fmt.Errorf("cohort %s (%s): provisioning method %s is not available yet", c.Name, c.Pos, c.Provisioning.Method)
		}
	}
	s.drain()
	return s, nil
}

// setup creates what exists before the devices: indexing, thing types,
// groups.
func (s *Sim) setup() error {
	now := s.now()
	if s.sc.Indexing.Body != nil {
		body, err := json.Marshal(map[string]any{"thingIndexingConfiguration": s.sc.Indexing.Body})
		if err != nil {
			return fmt.Errorf("indexing: %w", err)
		}
		var req core.IndexingConfiguration
		if err := json.Unmarshal(body, &req); err != nil {
			return fmt.Errorf("indexing (%s): %w", s.sc.Indexing.Pos, err)
		}
		if err := s.core.UpdateIndexingConfiguration(now, req); err != nil {
			return fmt.Errorf("indexing (%s): %w", s.sc.Indexing.Pos, err)
		}
	}
	for _, t := range s.sc.ThingTypes {
		req := registry.CreateThingTypeRequest{ThingTypeName: t.Name, ThingTypeProperties: &registry.ThingTypeProperties{
			ThingTypeDescription: t.Description, SearchableAttributes: t.SearchableAttributes}}
		if _, err := core.Do(s.core, now, (*registry.Registry).CreateThingType, req); err != nil {
			return fmt.Errorf("thing type %s (%s): %w", t.Name, t.Pos, err)
		}
	}
	for _, g := range s.sc.ThingGroups {
		props := &registry.ThingGroupProperties{}
		if g.Description != "" {
			props.ThingGroupDescription = &g.Description
		}
		if len(g.Attributes) > 0 {
			props.AttributePayload = &registry.AttributePayload{Attributes: g.Attributes}
		}
		var err error
		if g.Dynamic() {
			_, err = s.core.CreateDynamicThingGroup(now, registry.CreateDynamicThingGroupRequest{
				ThingGroupName: g.Name, ThingGroupProperties: props, QueryString: g.QueryString})
		} else {
			_, err = core.Do(s.core, now, (*registry.Registry).CreateThingGroup, registry.CreateThingGroupRequest{
				ThingGroupName: g.Name, ParentGroupName: g.Parent, ThingGroupProperties: props})
		}
		if err != nil {
			return fmt.Errorf("thing group %s (%s): %w", g.Name, g.Pos, err)
		}
	}
	if err := s.setupProvisioning(now); err != nil {
		return err
	}
	s.drain()
	// Registry devices exist at time 0; ramped cohorts start a chain of
	// provisioning events, each scheduling the next, so that they come
	// after the timeline's events of the same millisecond.
	for ci := range s.sc.Cohorts {
		c := &s.sc.Cohorts[ci]
		if c.Count == 0 {
			continue
		}
		first := s.fleet.base[ci]
		if c.Provisioning.Method == scenario.Registry {
			for d := first; d < first+uint32(c.Count); d++ {
				if !s.opts.Shard.has(d) {
					continue
				}
				if err := s.provision(d); err != nil {
					return err
				}
			}
			continue
		}
		if c.Provisioning.Method == scenario.Bulk {
			if _, ok := s.nextInShard(first, ci); ok {
				s.wheel.Schedule(wheel.Event{At: c.Provisioning.Start.Milliseconds(), Kind: kindBulkStart, Arg: uint32(ci)})
			}
			continue
		}
		if d, ok := s.nextInShard(first, ci); ok {
			s.wheel.Schedule(wheel.Event{At: s.rampAt(ci, int(d-first)), Kind: kindProvision, Device: d})
		}
	}
	for i, ev := range s.sc.Timeline {
		at := ev.At.Milliseconds()
		if q, ok := ev.Action.(*scenario.Query); ok && s.sc.IndexLag > 0 {
			lag := s.sc.IndexLag.Milliseconds()
			if s.readsDynamicGroups(q.Node) {
				// A membership change is a registry change the index shows
				// one more lag later: thingGroupNames at T shows the
				// memberships of the state at T−2·lag.
				s.wheel.Schedule(wheel.Event{At: max(0, at-2*lag+1), Kind: kindMembership, Arg: uint32(i)})
			}
			s.wheel.Schedule(wheel.Event{At: max(0, at-lag+1), Kind: kindTruth, Arg: uint32(i)})
		}
		s.wheel.Schedule(wheel.Event{At: at, Kind: kindTimeline, Arg: uint32(i)})
	}
	return nil
}

// rampAt is when device i of a ramped cohort provisions: evenly over
// [start, start+over).
func (s *Sim) rampAt(ci, i int) int64 {
	c := &s.sc.Cohorts[ci]
	return c.Provisioning.Start.Milliseconds() + int64(i)*c.Provisioning.Over.Milliseconds()/int64(c.Count)
}

// nextInShard returns the first device from d on that is in cohort ci and
// in the shard.
func (s *Sim) nextInShard(d uint32, ci int) (uint32, bool) {
	end := s.fleet.base[ci] + uint32(s.sc.Cohorts[ci].Count)
	for ; d < end; d++ {
		if s.opts.Shard.has(d) {
			return d, true
		}
	}
	return 0, false
}

func (s *Sim) now() time.Time { return Epoch.Add(time.Duration(s.nowMs) * time.Millisecond) }

func (s *Sim) ms(t time.Time) int64 { return t.Sub(Epoch).Milliseconds() }

// Run runs the loop to the scenario's duration and builds the report.
func (s *Sim) Run() *report.Report {
	defer s.core.Close()
	start := time.Now()
	lastProgress := start
	lastTick := int64(-1)
	for turn := 1; ; turn++ {
		at, ok := s.wheel.Next()
		if d := s.core.NextDeadline(); !d.IsZero() {
			ms := (d.Sub(Epoch) + time.Millisecond - 1).Milliseconds() // the first ms at or after d
			if ms <= lastTick {
				ms = lastTick + 1 // Tick(lastTick) left it due: never spin on one instant
			}
			if !ok || ms < at {
				at, ok = ms, true
			}
		}
		if !ok || at > s.end {
			break
		}
		s.nowMs = at
		s.wheel.PopUntil(at, s.handle)
		s.core.Tick(s.now())
		lastTick = at
		s.drain()
		if s.opts.Progress != nil && turn&0xff == 0 {
			if t := time.Now(); t.Sub(lastProgress) > 500*time.Millisecond {
				lastProgress = t
				s.opts.Progress(s.progress(t.Sub(start)))
			}
		}
	}
	s.nowMs = s.end
	s.core.Tick(s.now())
	s.drain()
	wall := time.Since(start)
	s.finish()
	s.rep.Wall = report.Wall{Seconds: wall.Seconds(), EventsPerSecond: float64(s.events) / wall.Seconds(), PeakRSSBytes: peakRSS()}
	return s.rep
}

func (s *Sim) progress(wall time.Duration) report.Progress {
	return report.Progress{Simulated: time.Duration(s.nowMs) * time.Millisecond, Duration: s.sc.Duration,
		Provisioned: s.provisioned, Devices: len(s.fleet.names), Succeeded: s.succeeded, Failed: s.failed,
		Events: s.events, EventsPerS: float64(s.events) / wall.Seconds()}
}

// handle acts on one due event.
func (s *Sim) handle(e wheel.Event) {
	s.events++
	d := e.Device
	switch e.Kind {
	case kindProvision:
		s.provisionNext(d)
	case kindConnect:
		s.connect(d)
	case kindDisconnect:
		s.disconnect(d)
	case kindChurn:
		s.churn(d)
	case kindAgentStart:
		s.agentStart(d)
	case kindAgentProgress:
		s.agentProgress(d)
	case kindAgentFinish:
		s.agentFinish(d)
	case kindTimeline:
		s.timeline(int(e.Arg))
	case kindTruth:
		s.takeTruth(int(e.Arg))
	case kindMembership:
		s.memberships[int(e.Arg)] = s.dynamicMembership()
	case kindBulkStart:
		s.bulkStart(int(e.Arg))
	case kindRegistered:
		s.registered(d)
	case kindBulkFinished:
		s.bulkFinished()
	}
}

// finish fills the report with the final state of every job and the
// expectations' verdicts.
func (s *Sim) finish() {
	s.rep.SimulatedSeconds = float64(s.end) / 1000
	s.rep.Events = s.events
	s.rep.Provisioning.Provisioned = s.provisioned
	if s.bulk.running >= 0 {
		s.describeTask(s.bulk.running, false) // still running when the run ended
	}
	hist := s.rec.Histories()
	for _, j := range s.jobs {
		if j.elsewhere {
			continue
		}
		if j.err != "" {
			s.rep.Jobs[j.id] = report.Job{Error: j.err, CreatedAt: report.Seconds(float64(j.submitted) / 1000)}
			continue
		}
		resp, err := s.core.Jobs().DescribeJob(s.now(), jobDescribeRequest(j.id))
		if err != nil {
			s.rep.Jobs[j.id] = report.Job{Error: "DescribeJob: " + err.Error()}
			continue
		}
		jb := resp.Job
		d := jb.JobProcessDetails
		out := report.Job{Status: string(jb.Status), ReasonCode: jb.ReasonCode, Comment: jb.Comment,
			CreatedAt: report.Seconds(float64(s.ms(jb.CreatedAt.Time)) / 1000),
			JobProcessDetails: report.JobProcessDetails{
				NumberOfCanceledThings: d.NumberOfCanceledThings, NumberOfSucceededThings: d.NumberOfSucceededThings,
				NumberOfFailedThings: d.NumberOfFailedThings, NumberOfRejectedThings: d.NumberOfRejectedThings,
				NumberOfQueuedThings: d.NumberOfQueuedThings, NumberOfInProgressThings: d.NumberOfInProgressThings,
				NumberOfRemovedThings: d.NumberOfRemovedThings, NumberOfTimedOutThings: d.NumberOfTimedOutThings}}
		if !jb.CompletedAt.IsZero() {
			out.CompletedAt = report.Seconds(float64(s.ms(jb.CompletedAt.Time)) / 1000)
		}
		if h := hist[j.id]; h != nil {
			out.Latency = h.LatencyOf()
			out.History = h.Record()
		}
		s.rep.Jobs[j.id] = out
	}
	s.rep.Timeline = hist
	report.Evaluate(s.rep, s.sc.Expect)
}

// peakRSS is the process's peak resident set size in bytes (Linux reports
// ru_maxrss in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss * 1024
}
