package engine

import (
	"math"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/google/go-cmp/cmp"
)

// scaledWithLimits is sc.Scaled(f) with what the fleet's size fixes scaled
// too: the safeguards' registration limits and the bounds of count-like
// expectations. A scenario whose numbers all follow from its cohorts then
// passes at smoke scale exactly as at full scale, so the smoke run shows the
// behaviour, not just that it runs.
func scaledWithLimits(sc *scenario.Scenario, f float64) *scenario.Scenario {
	out := sc.Scaled(f)
	scale := func(n int64) int64 { return int64(math.Round(float64(n) * f)) }
	out.Templates = slices.Clone(out.Templates)
	for i, t := range out.Templates {
		if t.Safeguards != nil {
			sg := *t.Safeguards
			sg.MaxRegistrationsPerClaim = int(max(1, scale(int64(sg.MaxRegistrationsPerClaim))))
			out.Templates[i].Safeguards = &sg
		}
	}
	out.Expect = slices.Clone(out.Expect)
	for i, e := range out.Expect {
		switch e.Kind {
		case scenario.JobCounter, scenario.QueryCount, scenario.Provisioned, scenario.Refused, scenario.TaskCounter:
			e.Min, e.Max = scale(e.Min), scale(e.Max)
			out.Expect[i] = e
		}
	}
	return out
}

// TestLibraryScaledExactly runs the library scenarios whose expectations
// are exact functions of the fleet at smoke scale, every expectation
// checked: the leaked claim certificate (provisioned = the limit, refused =
// the rest) and the continuous baseline (every device, late joiners too).
func TestLibraryScaledExactly(t *testing.T) {
	tests := []struct {
		file  string
		scale float64
	}{
		{"claim-leaked-certificate.yaml", 0.02},
		{"baseline-config-continuous.yaml", 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			sc := scaledWithLimits(load(t, tt.file), tt.scale)
			rep := run(t, sc)
			for _, e := range rep.Expectations {
				if !e.Passed {
					t.Errorf("at %d devices: %s: %s", sc.Devices(), e.Expect, e.Detail)
				}
			}
			if len(rep.Warnings) != 0 {
				t.Errorf("warnings: %v", rep.Warnings)
			}
		})
	}
}

// TestBulkLibraryAccounting checks the bulk scenario's accounting at
// smoke scale: every input line is a success or a failure, the successes
// are the provisioned devices, and the snapshot job reaches exactly them.
func TestBulkLibraryAccounting(t *testing.T) {
	sc := load(t, "bulk-registration-csv.yaml").Scaled(0.2)
	rep := run(t, sc)
	task := rep.Provisioning.RegistrationTasks["batch-2026-11"]
	job := rep.Jobs["activate-batch-2026-11"]
	d := job.JobProcessDetails
	got := map[string]int64{
		"status Completed":  boolInt(task.Status == "Completed"),
		"lines":             int64(task.SuccessCount + task.FailureCount),
		"provisioned":       int64(rep.Provisioning.Provisioned),
		"job executions":    d.NumberOfSucceededThings + d.NumberOfFailedThings,
		"job COMPLETED":     boolInt(job.Status == "COMPLETED"),
		"some lines failed": boolInt(task.FailureCount > 0),
		"refused":           int64(rep.Provisioning.Refused),
	}
	want := map[string]int64{
		"status Completed":  1,
		"lines":             int64(rep.Devices),
		"provisioned":       int64(task.SuccessCount),
		"job executions":    int64(task.SuccessCount),
		"job COMPLETED":     1,
		"some lines failed": 1,
		"refused":           0,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d; want %d (task %+v)", k, got[k], w, task)
		}
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// TestBulkShardsMerge: the shards of a bulk cohort register disjoint
// slices in tasks of their own, and their merged counts are the whole
// run's.
func TestBulkShardsMerge(t *testing.T) {
	sc := load(t, "bulk-registration-csv.yaml").Scaled(0.2)
	whole := run(t, sc)
	var shards []*report.Report
	for i := range 2 {
		rep, err := Run(sc, Options{Shard: Shard{Index: i, Count: 2}})
		if err != nil {
			t.Fatal(err)
		}
		data, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := report.Read(data)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, back)
	}
	merged, err := report.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(whole.Provisioning, merged.Provisioning); diff != "" {
		t.Errorf("merged provisioning (-whole +merged):\n%s", diff)
	}
}
