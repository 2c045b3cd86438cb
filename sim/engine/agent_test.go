package engine

import (
	"testing"

	"github.com/fleetlab/fleetlab/report"
)

// agentFleet is a tiny fleet whose agents' outcomes are certain: 6 succeed,
// 3 fail, 2 hang (TIMED_OUT after the job's 1-minute timeout), 4 reject.
// The flaky cohort is disconnected when the job starts: its agents get no
// notify and ask for their job when they reconnect.
const agentFleet = `
name: agent
duration: 30m
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW, thingConnectivityIndexingMode: STATUS}
thingGroups: [{thingGroupName: All}]
devices:
  - name: ok
    count: 6
    groups: [All]
    shadow: {reported: {fw: "1.0"}}
    jobs:
      download: 10s
      install: 20s
      onSuccess: {reported: {fw: "${job.document.fw}", by: "${job.id}"}}
  - {name: bad, like: ok, count: 3, jobs: {outcome: {FAILED: 1}}}
  - {name: stuck, like: ok, count: 2, jobs: {outcome: {hang: 1}}}
  - {name: picky, like: ok, count: 4, jobs: {outcome: {REJECTED: 1}}}
  - {name: flaky, like: ok, count: 5, connectivity: {up: 45s, down: 5m}}
timeline:
  - at: 1m
    createJob:
      jobId: fw-2
      targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/All"]
      document: {fw: "2.0"}
      timeoutConfig: {inProgressTimeoutInMinutes: 1}
  - at: 20m
    query: {name: on-2, queryString: 'shadow.reported.fw:"2.0" AND shadow.reported.by:fw-2'}
expect:
  - {job: fw-2, status: COMPLETED}
  - {query: on-2, equalsTruth: true}
  - {query: on-2, count: 11}
`

func TestJobAgent(t *testing.T) {
	rep := run(t, parse(t, agentFleet))
	j := rep.Jobs["fw-2"]
	want := report.JobProcessDetails{NumberOfSucceededThings: 11, NumberOfFailedThings: 3, NumberOfTimedOutThings: 2, NumberOfRejectedThings: 4}
	if j.JobProcessDetails != want {
		t.Errorf("jobProcessDetails = %+v; want %+v", j.JobProcessDetails, want)
	}
	if j.Status != "COMPLETED" || j.CreatedAt == nil || *j.CreatedAt != 60 || j.CompletedAt == nil {
		t.Fatalf("job = %+v", j)
	}
	// The flaky devices drop at 45s, reconnect at 5m45s, ask for their job, take
	// 30s: the last execution ends at 6m15s. The hung ones time out a minute
	// after they started, just after 1m.
	if *j.CompletedAt != 375 {
		t.Errorf("completedAt = %v s; want 375", *j.CompletedAt)
	}
	for _, e := range rep.Expectations {
		if !e.Passed {
			t.Errorf("%s: %s", e.Expect, e.Detail)
		}
	}
	h := rep.Timeline["fw-2"]
	if h == nil || h.QueuedToEnd.TotalCount() != 20 {
		t.Fatalf("history = %+v", h)
	}
}

// TestShardsMerge runs the agent fleet whole and as three shards: the
// merged counters and query answers equal the whole run's, because every
// device behaves the same wherever it runs.
func TestShardsMerge(t *testing.T) {
	sc := parse(t, agentFleet)
	whole := run(t, sc)
	var shards []*report.Report
	for i := range 3 {
		rep, err := Run(sc, Options{Shard: Shard{Index: i, Count: 3}})
		if err != nil {
			t.Fatal(err)
		}
		data, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := report.Read(data) // through report.json, as fleetsim merge reads it
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, back)
	}
	merged, err := report.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	report.Evaluate(merged, sc.Expect)
	if merged.Devices != whole.Devices || !merged.Passed {
		t.Errorf("merged: %d devices, passed %v (%+v)", merged.Devices, merged.Passed, merged.Expectations)
	}
	if got, want := merged.Jobs["fw-2"].JobProcessDetails, whole.Jobs["fw-2"].JobProcessDetails; got != want {
		t.Errorf("merged counters = %+v; whole run %+v", got, want)
	}
	if got, want := merged.Queries["on-2"], whole.Queries["on-2"]; got.Count != want.Count || got.Truth != want.Truth || !got.SameThings {
		t.Errorf("merged query = %+v; whole run %+v", got, want)
	}
	if got, want := merged.Timeline["fw-2"].QueuedToEnd.TotalCount(), whole.Timeline["fw-2"].QueuedToEnd.TotalCount(); got != want {
		t.Errorf("merged latency count = %d; whole run %d", got, want)
	}
}

// TestShardsThingTargets: a job that targets things by ARN reaches them in
// the shards that run them; the other shards do not create it (CreateJob
// would refuse a thing that exists only in another shard), so the merge
// equals the whole run.
func TestShardsThingTargets(t *testing.T) {
	sc := parse(t, `
name: thing-targets
duration: 30m
devices:
  - {name: a, count: 4, jobs: {download: 5m}}
timeline:
  - at: 1m
    createJob:
      jobId: one
      targets: ["arn:aws:iot:us-east-1:123456789012:thing/a-000001", "arn:aws:iot:us-east-1:123456789012:thing/a-000003"]
      document: {v: 1}
  - at: 2m
    cancelJob: {jobId: one}
expect:
  - {job: one, status: CANCELED}
  - {job: one, counter: numberOfSucceededThings, min: 2, max: 2}
`)
	whole := run(t, sc)
	if !whole.Passed {
		t.Fatalf("whole run: %+v", whole.Expectations)
	}
	var shards []*report.Report
	for i := range 2 {
		rep, err := Run(sc, Options{Shard: Shard{Index: i, Count: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Warnings) > 0 {
			t.Errorf("shard %d/2 warned: %q", i, rep.Warnings)
		}
		if _, ok := rep.Jobs["one"]; ok != (i == 1) {
			t.Errorf("shard %d/2 has job one: %v; want %v (a-000001 and a-000003 run in shard 1/2)", i, ok, i == 1)
		}
		shards = append(shards, rep)
	}
	merged, err := report.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	report.Evaluate(merged, sc.Expect)
	if !merged.Passed {
		t.Errorf("merged: %+v", merged.Expectations)
	}
	if got, want := merged.Jobs["one"].JobProcessDetails, whole.Jobs["one"].JobProcessDetails; got != want {
		t.Errorf("merged counters = %+v; whole run %+v", got, want)
	}
}
