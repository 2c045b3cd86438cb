package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// jobFleet builds an ephemeral core with n things in the static group
// Fleet.
func jobFleet(b *testing.B, n int) *Core {
	b.Helper()
	c := New(Options{Seed: 1, Ephemeral: true})
	if _, err := Do(c, benchStart, (*registry.Registry).CreateThingGroup, registry.CreateThingGroupRequest{ThingGroupName: "Fleet"}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("device-%07d", i)
		if _, err := Do(c, benchStart, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: name}); err != nil {
			b.Fatal(err)
		}
		if err := DoErr(c, benchStart, (*registry.Registry).AddThingToThingGroup, registry.AddThingToThingGroupRequest{ThingGroupName: "Fleet", ThingName: name}); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 0 {
			c.Ready()
		}
	}
	c.Ready()
	return c
}

func exponentialJob(id string) jobs.CreateJobRequest {
	doc := `{"operation":"install","version":"2.2.0"}`
	base, notified := 100, 5000
	factor := 2.0
	return jobs.CreateJobRequest{
		JobID: id, Targets: []string{"arn:aws:iot:us-east-1:123456789012:thinggroup/Fleet"}, Document: &doc,
		Config: rolloutConfig(base, factor, notified),
	}
}

// BenchmarkJobRollout runs an exponential rollout (100 a minute, ×2 every
// 5000 notified, capped at AWS's 1000) over FLEETLAB_BENCH_THINGS targets
// (make bench: 1M) to completion in virtual time. Every notified device
// succeeds 30 s after its execution is queued. It reports the wall time to
// create the job, the virtual duration of the rollout and the cost per
// execution, which must not grow with the fleet: the scheduler's work per
// tick is the work due.
func BenchmarkJobRollout(b *testing.B) {
	n := benchThings(b)
	c := jobFleet(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	var createSec, virtualHours float64
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("rollout-%d", i)
		now := benchStart.Add(time.Duration(i) * 1000 * time.Hour)
		t0 := time.Now()
		if _, err := c.Jobs().CreateJob(now, exponentialJob(id)); err != nil {
			b.Fatal(err)
		}
		createSec = time.Since(t0).Seconds()
		end := runToCompletion(b, c, now, id, 30*time.Second)
		virtualHours = end.Sub(now).Hours()
	}
	b.ReportMetric(createSec*1000, "create-ms")
	b.ReportMetric(virtualHours, "virtual-h")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/execution")
}

// runToCompletion drives the core's deadlines and a trivial device model —
// every queued execution succeeds after delay — until the job completes.
func runToCompletion(b *testing.B, c *Core, now time.Time, id string, delay time.Duration) time.Time {
	type due struct {
		at    time.Time
		thing string
	}
	var queue []due // in time order: the delay is fixed
	head := 0
	for {
		for _, e := range c.Ready().Events {
			if e.Kind == EventKind(jobs.EventExecutionQueued) && e.Job == id {
				queue = append(queue, due{e.Time.Add(delay), e.Thing})
			}
			if e.Kind == EventKind(jobs.EventJobCompleted) && e.Job == id {
				return e.Time
			}
		}
		next := c.NextDeadline()
		if head < len(queue) && (next.IsZero() || queue[head].at.Before(next)) {
			d := queue[head]
			head++
			if head > 4096 && head*2 > len(queue) {
				queue, head = append(queue[:0], queue[head:]...), 0
			}
			now = d.at
			if _, err := c.Jobs().UpdateJobExecution(now, jobs.UpdateRequest{ThingName: d.thing, JobID: id, Status: jobs.Succeeded}); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if next.IsZero() {
			b.Fatalf("the rollout of %s stalled at %s", id, now)
		}
		now = next
		c.Tick(now)
	}
}

func rolloutConfig(base int, factor float64, notified int) rollout.Config {
	return rollout.Config{JobExecutionsRolloutConfig: &rollout.JobExecutionsRolloutConfig{
		ExponentialRate: &rollout.ExponentialRolloutRate{BaseRatePerMinute: &base, IncrementFactor: &factor,
			RateIncreaseCriteria: &rollout.RateIncreaseCriteria{NumberOfNotifiedThings: &notified}},
	}}
}
