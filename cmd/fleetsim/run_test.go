package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyScenario meets its expectations; broken inverts one of them.
const tinyScenario = `
name: tiny
duration: 30m
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW, thingConnectivityIndexingMode: STATUS}
thingGroups: [{thingGroupName: All}]
devices:
  - name: dev
    count: 20
    groups: [All]
    shadow: {reported: {fw: "1"}}
    jobs: {download: 10s, install: 20s, onSuccess: {reported: {fw: "${job.document.fw}"}}}
timeline:
  - at: 1m
    createJob: {jobId: fw-2, targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/All"], document: {fw: "2"}}
  - at: 10m
    query: {name: on-2, queryString: 'shadow.reported.fw:2'}
expect:
  - {job: fw-2, status: COMPLETED}
  - {query: on-2, equalsTruth: true}
  - {query: on-2, count: 20}
`

func TestRunExitStatus(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tiny.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(good, []byte(tinyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte(tinyScenario+"  - {query: on-2, count: 21}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reportDir := filepath.Join(dir, "rep")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"run", good, "--report", reportDir, "--seed", "3"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("run good = %d; want 0\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "tiny: PASSED (seed 3, 20 devices") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	js, err := os.ReadFile(filepath.Join(reportDir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"scenario", "seed", "simulatedSeconds", "devices", "jobs", "queries", "expectations", "passed", "wall"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("report.json has no %q", key)
		}
	}
	if md, err := os.ReadFile(filepath.Join(reportDir, "report.md")); err != nil || !bytes.Contains(md, []byte("## Job fw-2 — COMPLETED")) {
		t.Errorf("report.md (%v):\n%s", err, md)
	}
	stdout.Reset()
	if code := run([]string{"run", "--quiet", broken}, &stdout, &stderr); code != exitFailed {
		t.Fatalf("run broken = %d; want 1\nstdout:\n%s", code, stdout.String())
	}
	if want := "FAIL query on-2 count = 21: count = 20"; !strings.Contains(stdout.String(), want) {
		t.Errorf("quiet output:\n%s\nwant a line %q", stdout.String(), want)
	}
}

func TestShardAndMerge(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tiny.yaml")
	if err := os.WriteFile(file, []byte(tinyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"merge", file}
	for _, shard := range []string{"0/2", "1/2"} {
		out := filepath.Join(dir, "shard"+shard[:1])
		if code := run([]string{"run", file, "--quiet", "--shard", shard, "--report", out}, &stdout, &stderr); code != exitFailed {
			// Each shard holds 10 of the 20 devices: the count of 20 fails.
			t.Fatalf("run --shard %s = %d; want 1\n%s%s", shard, code, stdout.String(), stderr.String())
		}
		args = append(args, filepath.Join(out, "report.json"))
	}
	stdout.Reset()
	if code := run(append(args, "--quiet"), &stdout, &stderr); code != exitOK {
		t.Fatalf("merge = %d; want 0\n%s%s", code, stdout.String(), stderr.String())
	}
	if code := run([]string{"run", file, "--shard", "2/2"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("run --shard 2/2 = %d; want 2", code)
	}
}

// TestMergeOneShard: --shard 0/1 is a run in one shard; merge takes its
// report like any complete set of shards.
func TestMergeOneShard(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tiny.yaml")
	if err := os.WriteFile(file, []byte(tinyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "shard0")
	if code := run([]string{"run", file, "--quiet", "--shard", "0/1", "--report", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("run --shard 0/1 = %d; want 0\n%s%s", code, stdout.String(), stderr.String())
	}
	if code := run([]string{"merge", file, filepath.Join(out, "report.json"), "--quiet"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("merge of shard 0/1 = %d; want 0\n%s%s", code, stdout.String(), stderr.String())
	}
}
