package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/sim/scenario"
)

func sampleReport() *Report {
	rec := NewRecorder()
	ev := func(at time.Duration, kind JobEventKind, thing, status, detail string) {
		rec.Job(JobEvent{At: at, Kind: kind, Job: "fw", Thing: thing, Status: status, Detail: detail})
	}
	ev(time.Minute, JobCreated, "", "", "")
	ev(time.Minute, ExecutionQueued, "a", "", "")
	ev(time.Minute+60*time.Millisecond, ExecutionQueued, "b", "", "")
	ev(time.Minute+time.Second, ExecutionStarted, "a", "", "")
	ev(2*time.Minute+30*time.Second, ExecutionFinished, "a", "SUCCEEDED", "")
	ev(3*time.Minute, ExecutionFinished, "b", "FAILED", "")
	ev(3*time.Minute, JobAborted, "", "", "1 of 2 FAILED")
	h := rec.Histories()
	return &Report{Scenario: "s", Seed: 1, SimulatedSeconds: 600, Devices: 2,
		Jobs: map[string]Job{"fw": {Status: "CANCELED", ReasonCode: "ABORT_CRITERIA_MET", CreatedAt: Seconds(60), CompletedAt: Seconds(180),
			JobProcessDetails: JobProcessDetails{NumberOfSucceededThings: 1, NumberOfFailedThings: 1}, Latency: h["fw"].LatencyOf()}},
		Queries:  map[string]Query{"q": {At: 120, Count: 3, Truth: 3, SameThings: true}, "r": {At: 120, Count: 2, Truth: 3, Differences: []string{"-x"}}},
		Timeline: h}
}

func TestRecorder(t *testing.T) {
	h := sampleReport().Timeline["fw"]
	want := []Minute{1: {Notified: 2, Started: 1}, 2: {Succeeded: 1}, 3: {Failed: 1}}
	if len(h.Minutes) != len(want) {
		t.Fatalf("minutes = %+v; want %+v", h.Minutes, want)
	}
	for i := range want {
		if h.Minutes[i] != want[i] {
			t.Errorf("minute %d = %+v; want %+v", i, h.Minutes[i], want[i])
		}
	}
	if h.Abort == nil || h.Abort.At != 3*time.Minute || h.Abort.Text != "1 of 2 FAILED" {
		t.Errorf("abort = %+v", h.Abort)
	}
	l := h.LatencyOf()
	if l.QueuedToTerminal.Count != 2 || l.StartedToTerminal.Count != 1 || l.StartedToTerminal.P50 < 88.9 || l.StartedToTerminal.P50 > 89.1 {
		t.Errorf("latency = %+v %+v", l.QueuedToTerminal, l.StartedToTerminal)
	}
}

// TestQueuedToTerminalAcrossRetries: queued → terminal runs from a
// thing's first queueing to its last attempt's end.
func TestQueuedToTerminalAcrossRetries(t *testing.T) {
	rec := NewRecorder()
	ev := func(at time.Duration, kind JobEventKind, thing, status string) {
		rec.Job(JobEvent{At: at, Kind: kind, Job: "fw", Thing: thing, Status: status})
	}
	ev(0, JobCreated, "", "")
	ev(0, ExecutionQueued, "a", "")
	ev(0, ExecutionQueued, "b", "")
	ev(10*time.Second, ExecutionFinished, "a", "FAILED")
	ev(10*time.Second, ExecutionRetried, "a", "")
	ev(20*time.Second, ExecutionFinished, "b", "SUCCEEDED") // b had no retry
	ev(40*time.Second, ExecutionFinished, "a", "TIMED_OUT")
	ev(40*time.Second, ExecutionRetried, "a", "")
	ev(100*time.Second, ExecutionFinished, "a", "SUCCEEDED")
	l := rec.Histories()["fw"].LatencyOf().QueuedToTerminal
	if l.Count != 2 || l.Max < 99.9 || l.Max > 100.1 || l.P50 < 19.9 || l.P50 > 20.1 {
		t.Errorf("queued → terminal = %+v; want 2 things, 20 s and 100 s", l)
	}
}

func TestEvaluate(t *testing.T) {
	rep := sampleReport()
	exps := []scenario.Expectation{
		{Kind: scenario.JobStatus, Job: "fw", Status: "CANCELED", ReasonCode: "ABORT_CRITERIA_MET"},
		{Kind: scenario.JobStatus, Job: "fw", Status: "COMPLETED"},
		{Kind: scenario.JobCounter, Job: "fw", Counter: "numberOfFailedThings", HasMax: true, Max: 0},
		{Kind: scenario.JobCounter, Job: "fw", Counter: "numberOfSucceededThings", HasMin: true, Min: 1},
		{Kind: scenario.QueryTruth, Query: "q", EqualsTruth: true},
		{Kind: scenario.QueryTruth, Query: "r", EqualsTruth: true},
		{Kind: scenario.QueryTruth, Query: "r", EqualsTruth: false},
		{Kind: scenario.QueryCount, Query: "q", HasMin: true, HasMax: true, Min: 3, Max: 3},
		{Kind: scenario.QueryCount, Query: "missing", HasMin: true, Min: 1},
		{Kind: scenario.JobStatus, Job: "missing", Status: "COMPLETED"},
	}
	Evaluate(rep, exps)
	want := []bool{true, false, false, true, true, false, true, true, false, false}
	for i, e := range rep.Expectations {
		if e.Passed != want[i] {
			t.Errorf("%s: passed %v (%s); want %v", e.Expect, e.Passed, e.Detail, want[i])
		}
	}
	if rep.Passed {
		t.Error("the report passed with failed expectations")
	}
	Evaluate(rep, exps[:1])
	if !rep.Passed {
		t.Errorf("one met expectation: passed = false (%+v)", rep.Expectations)
	}
}

func TestRenderers(t *testing.T) {
	rep := sampleReport()
	Evaluate(rep, []scenario.Expectation{{Kind: scenario.QueryTruth, Query: "q", EqualsTruth: true}})
	var md, sum bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# s — PASSED", "**Aborted at 0:03:00**: 1 of 2 FAILED", "| 0:01 | 2 | 1 | 0 | 0 |", "| queued → terminal | 2 |", "| r | 0:02:00 | 2 | 3 | no -x |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if err := WriteSummary(&sum, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "CANCELED (ABORT_CRITERIA_MET)") {
		t.Errorf("summary:\n%s", sum.String())
	}
	a, _ := rep.Deterministic()
	rep.Wall = Wall{Seconds: 3, EventsPerSecond: 9, PeakRSSBytes: 1 << 20}
	b, _ := rep.Deterministic()
	if !bytes.Equal(a, b) || !bytes.Contains(a, []byte(`"completedAt": 180`)) || !bytes.Contains(a, []byte(`"expect": "query q equals the ground truth"`)) {
		t.Errorf("Deterministic differs with wall or lacks keys:\n%s\n%s", a, b)
	}
}
