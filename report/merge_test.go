package report

import (
	"bytes"
	"slices"
	"testing"
)

// shardReport is shard i/2 of a two-device run in which each shard
// aborted its own rollout; warns are its warnings.
func shardReport(i int, comment string, warns ...string) *Report {
	return &Report{Scenario: "s", Seed: 1, Shard: []string{"0/2", "1/2"}[i], FleetDevices: 2, Devices: 1,
		Jobs: map[string]Job{"fw": {Status: "CANCELED", ReasonCode: "ABORT_CRITERIA_MET", Comment: comment,
			CreatedAt: Seconds(60), CompletedAt: Seconds(120), JobProcessDetails: JobProcessDetails{NumberOfFailedThings: 1}}},
		Queries: map[string]Query{}, Warnings: warns}
}

// TestMergeKeepsEveryShardsWarnings: a warning of the run that only one
// shard met (a device of that shard failed to provision) is in the merged
// report; the scenario's warnings, in every shard's, appear once.
func TestMergeKeepsEveryShardsWarnings(t *testing.T) {
	scen := "s.yaml:3:1: a scenario warning"
	dev := "device c-000001: template T named the thing \"x\""
	m, err := Merge([]*Report{shardReport(0, "a", scen), shardReport(1, "b", scen, dev)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{scen, dev}; !slices.Equal(m.Warnings, want) {
		t.Errorf("merged warnings = %q; want %q", m.Warnings, want)
	}
}

// TestMergeIgnoresArgumentOrder: the same shards merged in any order give
// the same report (fleetsim merge out/*/report.json lists out/10 before
// out/2).
func TestMergeIgnoresArgumentOrder(t *testing.T) {
	in := func() []*Report {
		return []*Report{shardReport(0, "shard 0's abort", "w0"), shardReport(1, "shard 1's abort", "w1")}
	}
	a, err := Merge(in())
	if err != nil {
		t.Fatal(err)
	}
	r := in()
	b, err := Merge([]*Report{r[1], r[0]})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := a.JSON()
	jb, _ := b.JSON()
	if !bytes.Equal(ja, jb) {
		t.Errorf("merging 1/2 then 0/2 differs from 0/2 then 1/2:\n%s\n%s", jb, ja)
	}
	if c := a.Jobs["fw"].Comment; c != "shard 0's abort" {
		t.Errorf("merged comment = %q; want shard 0's", c)
	}
}
