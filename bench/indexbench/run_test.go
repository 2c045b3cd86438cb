package indexbench

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files")

// timingKeys vary from run to run; the golden files hold everything else.
var timingKeys = []string{"p50_us", "p99_us", "scan_p50_us", "speedup"}

func runJSON(t *testing.T, o Options) (lines []map[string]any, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = Run(o, &out, &errOut)
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines, errOut.String(), status
}

func golden(t *testing.T, name string, lines []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	for _, m := range lines {
		for _, k := range timingKeys {
			if _, ok := m[k]; ok {
				m[k] = "…"
			}
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	path := "testdata/" + name + ".golden"
	if *rewrite {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("output differs from %s:\n got: %s\nwant: %s", path, got, want)
	}
}

// TestQueriesGolden runs the hand-written fleet of the index tests through
// fleetbench: counts, names, errors and the checks against the scan.
func TestQueriesGolden(t *testing.T) {
	lines, stderr, status := runJSON(t, Options{
		DocsFile: "../../index/testdata/fleet.jsonl",
		Queries: []string{
			`thingTypeName:Sensor_v3`,
			`shadow.reported.firmware_version < "2.1.0"`,
			`attributes.batch > 9 AND NOT shadow.hasDelta:true`,
			`shadow.reported.tags:outdoor OR connectivity.disconnectReason:MQTT_KEEP_ALIVE_TIMEOUT`,
			`attributes.x:`,
			`thingName:(a* OR b*`,
		},
		Names: true, Repeat: 2, JSON: true,
	})
	if status != ExitInvalid {
		t.Errorf("status = %d; want %d (some queries are invalid)\nstderr: %s", status, ExitInvalid, stderr)
	}
	if strings.Contains(stderr, "MISMATCH") {
		t.Errorf("index and scan disagree: %s", stderr)
	}
	golden(t, "queries", lines)
}

func TestAggregationsGolden(t *testing.T) {
	var all []map[string]any
	for _, o := range []Options{
		{Agg: "statistics", Field: "shadow.reported.temperature"},
		{Agg: "percentiles", Field: "shadow.reported.battery", Percents: []float64{50, 99}},
		{Agg: "cardinality", Field: "attributes.region"},
		{Agg: "buckets", Field: "thingGroupNames", MaxBuckets: 2},
		{Agg: "percentiles", Field: "attributes.region"},
	} {
		o.DocsFile, o.Queries, o.Repeat, o.JSON = "../../index/testdata/fleet.jsonl", []string{"*"}, 1, true
		lines, _, _ := runJSON(t, o)
		all = append(all, lines...)
	}
	golden(t, "aggregations", all)
}

func TestUsageErrors(t *testing.T) {
	for _, o := range []Options{
		{Queries: []string{"*"}},
		{Synthetic: 10, DocsFile: "x", Queries: []string{"*"}},
		{Synthetic: 10},
		{Synthetic: 10, Queries: []string{"*"}, Agg: "median"},
		{Synthetic: 10, Queries: []string{"*"}, Agg: "buckets"},
		{DocsFile: "testdata/missing.jsonl", Queries: []string{"*"}},
	} {
		var out, errOut bytes.Buffer
		if status := Run(o, &out, &errOut); status != ExitInvalid || errOut.Len() == 0 {
			t.Errorf("Run(%+v) = %d with stderr %q; want %d and a message", o, status, errOut.String(), ExitInvalid)
		}
	}
}

func TestBadDocumentLine(t *testing.T) {
	path := t.TempDir() + "/docs.jsonl"
	os.WriteFile(path, []byte("{\"thingName\":\"a\"}\n\n{not json}\n"), 0o644)
	var out, errOut bytes.Buffer
	status := Run(Options{DocsFile: path, Queries: []string{"*"}}, &out, &errOut)
	if status != ExitInvalid || !strings.Contains(errOut.String(), "docs.jsonl:3:") {
		t.Errorf("status %d, stderr %q; want %d and a docs.jsonl:3: position", status, errOut.String(), ExitInvalid)
	}
}

func TestSyntheticTable(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Run(Options{Synthetic: 3000, Seed: 1, Queries: []string{`attributes.region:us-east-1`, `shadow.reported.battery < 10`}, Repeat: 3}, &out, &errOut)
	if status != ExitOK {
		t.Fatalf("status %d; stderr %s", status, errOut.String())
	}
	for _, want := range []string{"fleet: 3000 things", "COUNT", "SPEEDUP", "attributes.region:us-east-1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
