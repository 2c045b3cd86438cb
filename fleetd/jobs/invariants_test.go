package jobs

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// fakeFleet is a registry of things in one static group.
type fakeFleet struct {
	things map[string]bool
	group  map[string]bool
}

func (f *fakeFleet) ThingExists(n string) bool        { return f.things[n] }
func (f *fakeFleet) ThingGroupExists(n string) bool   { return n == "G" }
func (f *fakeFleet) InGroup(thing, group string) bool { return group == "G" && f.group[thing] }
func (f *fakeFleet) GroupThings(n string) []string {
	var out []string
	for t := range f.group {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

type message struct {
	topic   string
	payload []byte
}

// recorder is a Sink that keeps everything.
type recorder struct {
	msgs   []message
	events []Event
}

func (r *recorder) Publish(topic string, payload []byte) {
	r.msgs = append(r.msgs, message{topic, payload})
}
func (r *recorder) Event(e Event) { r.events = append(r.events, e) }
func (r *recorder) Dirty(string)  {}

// randomConfig draws a job configuration: a constant or exponential rate,
// maybe abort criteria, retries and a timeout.
func randomConfig(rng *rand.Rand) rollout.Config {
	var c rollout.Config
	ptr := func(v int) *int { return &v }
	fptr := func(v float64) *float64 { return &v }
	switch rng.IntN(3) {
	case 0:
		c.JobExecutionsRolloutConfig = &rollout.JobExecutionsRolloutConfig{MaximumPerMinute: ptr(1 + rng.IntN(120))}
	case 1:
		c.JobExecutionsRolloutConfig = &rollout.JobExecutionsRolloutConfig{ExponentialRate: &rollout.ExponentialRolloutRate{
			BaseRatePerMinute: ptr(1 + rng.IntN(30)), IncrementFactor: fptr(float64(11+rng.IntN(40)) / 10),
			RateIncreaseCriteria: &rollout.RateIncreaseCriteria{NumberOfNotifiedThings: ptr(1 + rng.IntN(20)), NumberOfSucceededThings: ptr(1 + rng.IntN(20))},
		}}
		if rng.IntN(2) == 0 {
			c.JobExecutionsRolloutConfig.MaximumPerMinute = ptr(10 + rng.IntN(200))
		}
	}
	if rng.IntN(2) == 0 {
		types := []rollout.FailureType{rollout.FailureTypeFailed, rollout.FailureTypeRejected, rollout.FailureTypeTimedOut, rollout.FailureTypeAll}
		c.AbortConfig = &rollout.AbortConfig{CriteriaList: []rollout.AbortCriteria{{
			FailureType: types[rng.IntN(len(types))], Action: rollout.AbortActionCancel,
			ThresholdPercentage: fptr(float64(5 + rng.IntN(60))), MinNumberOfExecutedThings: ptr(1 + rng.IntN(30)),
		}}}
	}
	if rng.IntN(2) == 0 {
		c.JobExecutionsRetryConfig = &rollout.JobExecutionsRetryConfig{CriteriaList: []rollout.RetryCriteria{
			{FailureType: rollout.FailureTypeFailed, NumberOfRetries: ptr(rng.IntN(4))},
			{FailureType: rollout.FailureTypeTimedOut, NumberOfRetries: ptr(rng.IntN(3))},
		}}
	}
	if rng.IntN(2) == 0 {
		m := int64(1 + rng.IntN(10))
		c.TimeoutConfig = &rollout.TimeoutConfig{InProgressTimeoutInMinutes: &m}
	}
	return c
}

// TestInvariantsOverRandomRuns runs random jobs against random device
// behaviour and checks, after every step, what must always hold: the
// counters add up to the things released, abort fires exactly when the
// criteria say, nothing is queued after a cancel or abort, retries stay
// within their budget, and no minute holds more releases than the rate.
func TestInvariantsOverRandomRuns(t *testing.T) {
	outcomes := map[string]int{}
	for seed := range uint64(60) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { outcomes[randomRun(t, seed)]++ })
	}
	// The runs must cover every ending, or they prove little.
	for _, want := range []string{"COMPLETED", "CANCELED", "ABORTED"} {
		if outcomes[want] == 0 {
			t.Errorf("no run ended %s: %v", want, outcomes)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

type action struct {
	at     time.Time
	thing  string
	number int64
	status Status
}

// randomRun runs one random job to its end and returns how it ended:
// COMPLETED, CANCELED, ABORTED or IN_PROGRESS.
func randomRun(t *testing.T, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 99))
	fleet := &fakeFleet{things: map[string]bool{}, group: map[string]bool{}}
	n := 20 + rng.IntN(150)
	for i := range n {
		name := fmt.Sprintf("t%03d", i)
		fleet.things[name], fleet.group[name] = true, true
	}
	rec := &recorder{}
	e := New(Options{}, fleet, rec)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := randomConfig(rng)
	plan, err := rollout.Compile(cfg)
	if err != nil {
		t.Fatalf("config %+v: %v", cfg, err)
	}
	doc := `{"v":1}`
	if _, err := e.CreateJob(now, CreateJobRequest{JobID: "j", Targets: []string{"arn:aws:iot:us-east-1:1:thinggroup/G"}, Document: &doc, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	failP, rejectP, hangP := rng.Float64()*0.5, rng.Float64()*0.1, rng.Float64()*0.2
	cancelAt := now.Add(time.Duration(rng.IntN(240)) * time.Minute)
	var planned []action
	seenEvents := 0
	released := map[string]bool{}
	retries := map[string]int{}
	var canceledAt time.Time
	end := now.Add(12 * time.Hour)
	for steps := 0; steps < 100000 && now.Before(end); steps++ {
		// Devices react to what was queued: start after a while, then an
		// outcome (or nothing: a hang, left to the timeout).
		for _, ev := range rec.events[seenEvents:] {
			switch ev.Kind {
			case EventExecutionQueued, EventExecutionRetried:
				x := e.jobs["j"].execs[ev.Thing]
				if x == nil || x.status != Queued {
					break
				}
				if ev.Kind == EventExecutionQueued {
					released[ev.Thing] = true
				} else {
					retries[ev.Thing]++
				}
				planned = append(planned, action{at: ev.Time.Add(time.Duration(1+rng.IntN(120)) * time.Second), thing: ev.Thing, number: x.number, status: InProgress})
			case EventExecutionStarted:
				x := e.jobs["j"].execs[ev.Thing]
				r := rng.Float64()
				outcome := Succeeded
				switch {
				case r < hangP:
					continue
				case r < hangP+rejectP:
					outcome = Rejected
				case r < hangP+rejectP+failP:
					outcome = Failed
				}
				planned = append(planned, action{at: ev.Time.Add(time.Duration(1+rng.IntN(600)) * time.Second), thing: ev.Thing, number: x.number, status: outcome})
			case EventJobCanceled, EventJobAborted:
				if canceledAt.IsZero() {
					canceledAt = ev.Time
				}
			}
		}
		checkEvents(t, rec.events[seenEvents:], canceledAt)
		seenEvents = len(rec.events)
		checkJob(t, e, plan, released, retries, cfg)

		// The next instant: a device action, the engine's deadline or the
		// planned cancel.
		slices.SortStableFunc(planned, func(a, b action) int { return a.at.Compare(b.at) })
		next := end
		if d := e.NextDeadline(); !d.IsZero() && d.Before(next) {
			next = d
		}
		if len(planned) > 0 && planned[0].at.Before(next) {
			next = planned[0].at
		}
		if canceledAt.IsZero() && cancelAt.After(now) && cancelAt.Before(next) {
			next = cancelAt
		}
		if next.Equal(end) && len(planned) == 0 {
			break
		}
		now = next
		e.Tick(now)
		if now.Equal(cancelAt) && canceledAt.IsZero() && e.jobs["j"].status == JobInProgress {
			if _, err := e.CancelJob(now, CancelJobRequest{JobID: "j", Force: rng.IntN(2) == 0}); err != nil {
				t.Fatal(err)
			}
		}
		for len(planned) > 0 && !planned[0].at.After(now) {
			a := planned[0]
			planned = planned[1:]
			num := a.number
			_, err := e.UpdateJobExecution(now, UpdateRequest{ThingName: a.thing, JobID: "j", Status: a.status, ExecutionNumber: &num})
			if err != nil && !strings.Contains(err.Error(), "cannot be updated") {
				t.Fatalf("%s: update %s #%d → %s: %v", now, a.thing, a.number, a.status, err)
			}
		}
	}
	j := e.jobs["j"]
	if j.status == JobInProgress && j.pending() == 0 && j.rolloutDone() {
		t.Errorf("a snapshot job with nothing pending is still IN_PROGRESS: %s", compact(j))
	}
	checkRate(t, rec.events, cfg)
	checkNotifications(t, rec.msgs)
	if j.reasonCode == rollout.AbortReasonCode {
		return "ABORTED"
	}
	t.Logf("%d things, %d released, %d events: %s", n, len(released), len(rec.events), compact(j))
	return string(j.status)
}

func compact(j *job) string {
	b, _ := json.Marshal(j.counts)
	return string(j.status) + " " + string(b)
}

// checkJob verifies the job's counters and its abort decision after a step.
func checkJob(t *testing.T, e *Engine, plan rollout.Plan, released map[string]bool, retries map[string]int, cfg rollout.Config) {
	t.Helper()
	j := e.jobs["j"]
	if got := j.counts.Total(); got != int64(len(released)) {
		t.Fatalf("counters add up to %d; %d things were released (%s)", got, len(released), compact(j))
	}
	if j.status == JobInProgress {
		if v, fire := plan.Abort.Evaluate(j.abortCounts()); fire {
			t.Fatalf("abort criteria met (%s) but the job is still IN_PROGRESS", v.Comment())
		}
	}
	maxRetries := 0
	if cfg.JobExecutionsRetryConfig != nil {
		for _, c := range cfg.JobExecutionsRetryConfig.CriteriaList {
			maxRetries += *c.NumberOfRetries
		}
	}
	for thing, n := range retries {
		if n > min(maxRetries, rollout.MaxRetries) {
			t.Fatalf("%s was retried %d times; the budget is %d", thing, n, maxRetries)
		}
	}
}

// checkEvents: nothing is queued or retried, and the rate does not rise,
// after the job was canceled or aborted.
func checkEvents(t *testing.T, evs []Event, canceledAt time.Time) {
	t.Helper()
	if canceledAt.IsZero() {
		return
	}
	for _, ev := range evs {
		if (ev.Kind == EventExecutionQueued || ev.Kind == EventExecutionRetried || ev.Kind == EventRolloutStep) && ev.Time.After(canceledAt) {
			t.Fatalf("%s %s at %s, after the job was canceled at %s", ev.Kind, ev.Thing, ev.Time, canceledAt)
		}
	}
}

// checkRate: no 60-second window holds more rollout releases than the
// highest rate in force by its end.
func checkRate(t *testing.T, evs []Event, cfg rollout.Config) {
	t.Helper()
	rate, err := rollout.NewRate(cfg.JobExecutionsRolloutConfig)
	if err != nil {
		t.Fatal(err)
	}
	var releases []time.Time
	step := 0
	stepAt := []time.Time{{}}
	for _, ev := range evs {
		switch ev.Kind {
		case EventExecutionQueued:
			releases = append(releases, ev.Time)
		case EventRolloutStep:
			step++
			stepAt = append(stepAt, ev.Time)
		}
	}
	for i := range releases {
		end := releases[i].Add(time.Minute)
		k := i
		for k < len(releases) && releases[k].Before(end) {
			k++
		}
		s := 0
		for s+1 < len(stepAt) && !stepAt[s+1].After(releases[k-1]) {
			s++
		}
		if got, limit := k-i, rate.PerMinute(s); got > limit {
			t.Fatalf("%d releases in the minute from %s; the rate then was %d a minute", got, releases[i], limit)
		}
	}
}

// checkNotifications: every notify lists pending executions only, at most
// ten, IN_PROGRESS before QUEUED.
func checkNotifications(t *testing.T, msgs []message) {
	t.Helper()
	for _, m := range msgs {
		if !strings.HasSuffix(m.topic, "/notify") {
			continue
		}
		var n struct {
			Jobs map[string][]DeviceSummary `json:"jobs"`
		}
		if err := json.Unmarshal(m.payload, &n); err != nil {
			t.Fatalf("%s: %v", m.topic, err)
		}
		total := 0
		for status, list := range n.Jobs {
			if status != "IN_PROGRESS" && status != "QUEUED" {
				t.Fatalf("%s lists status %s", m.topic, status)
			}
			total += len(list)
		}
		if total > DefaultPendingListCap {
			t.Fatalf("%s lists %d executions", m.topic, total)
		}
	}
}
