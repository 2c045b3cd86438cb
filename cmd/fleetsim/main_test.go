package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/sim/scenario"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nduration: 1h\ndevcies: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	abort := "../../scenarios/firmware-rollout-abort.yaml"
	clean := "../../scenarios/firmware-rollout-clean.yaml"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // regexp the output must match; "" for empty
		stderr string
	}{
		{"library", []string{"validate", abort, clean}, 0,
			`(?m)^\.\./\.\./scenarios/firmware-rollout-abort\.yaml: ok \(10000 devices, 3 timeline actions, 4 expectations\)\n` +
				`\.\./\.\./scenarios/firmware-rollout-clean\.yaml: ok \(\d+ devices, \d+ timeline actions, \d+ expectations\)\n$`,
			`(?m)^warning: \.\./\.\./scenarios/firmware-rollout-abort\.yaml:\d+:\d+: .*compares strings, not versions`},
		{"invalid", []string{"validate", bad}, 2, "",
			`(?m)^` + regexp.QuoteMeta(bad) + `:3:1: .*devcies.*\n`},
		{"invalid and valid", []string{"validate", bad, clean}, 2,
			`^\.\./\.\./scenarios/firmware-rollout-clean\.yaml: ok `, regexp.QuoteMeta(bad) + `:\d+:\d+: `},
		{"missing file", []string{"validate", filepath.Join(dir, "none.yaml")}, 2, "", `none\.yaml: `},
		{"no file", []string{"validate"}, 2, "", `no scenario file`},
		{"unknown flag", []string{"validate", "-x", abort}, 2, "", `flag provided but not defined: -x`},
		{"schema args", []string{"schema", "x"}, 2, "", `takes no arguments`},
		{"no args", nil, 2, "", `(?s)usage: fleetsim.*validate.*schema.*run FILE`},
		{"help", []string{"-h"}, 0, `(?s)usage: fleetsim.*validate.*schema.*run FILE`, ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"; known commands: run, merge, validate, schema`},
		{"run invalid", []string{"run", bad}, 2, "", `(?m)^` + regexp.QuoteMeta(bad) + `:3:1: .*devcies.*\n`},
		{"run no file", []string{"run"}, 2, "", `expected one scenario file, found 0`},
		{"run bad scale", []string{"run", abort, "--scale", "0"}, 2, "", `--scale must be a positive number`},
		{"run two files", []string{"run", abort, clean}, 2, "", `expected one scenario file, found 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("run(%q) = %d; want %d\nstderr:\n%s", tt.args, code, tt.code, stderr.String())
			}
			check(t, "stdout", stdout.String(), tt.stdout)
			check(t, "stderr", stderr.String(), tt.stderr)
		})
	}
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if want == "" {
		if got != "" {
			t.Errorf("%s = %q; want nothing", what, got)
		}
		return
	}
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("%s = %q; want a match of %q", what, got, want)
	}
}

// TestValidateLibrary checks every scenario in scenarios/ validates.
func TestValidateLibrary(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"validate"}, files...), &stdout, &stderr); code != 0 {
		t.Fatalf("validate library = %d; want 0\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), ": ok ("); n != len(files) {
		t.Errorf("%d ok lines for %d files:\n%s", n, len(files), stdout.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if line != "" && !strings.HasPrefix(line, "warning: ") {
			t.Errorf("stderr line without warning: prefix: %q", line)
		}
	}
}

func TestSchema(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"schema"}, &stdout, &stderr); code != 0 {
		t.Fatalf("schema = %d; want 0\n%s", code, stderr.String())
	}
	var v map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("schema output is not JSON: %v", err)
	}
	if v["$schema"] == nil || v["$defs"] == nil {
		t.Errorf("schema has no $schema or $defs: %v", v)
	}
}

// TestManualKnowsEveryKey holds SCENARIOS.md to the format: every property
// of the JSON Schema (which the scenario package holds equal to the
// decoder's keys) appears in the manual as `name`.
func TestManualKnowsEveryKey(t *testing.T) {
	manual, err := os.ReadFile("../../SCENARIOS.md")
	if err != nil {
		t.Fatal(err)
	}
	var s any
	if err := json.Unmarshal(scenario.JSONSchema(), &s); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if p, ok := x["properties"].(map[string]any); ok {
				for k := range p {
					keys[k] = true
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(s)
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in the schema; is the walk wrong?", len(keys))
	}
	var missing []string
	for k := range keys {
		if !bytes.Contains(manual, []byte("`"+k+"`")) {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("SCENARIOS.md does not mention these keys as `key`: %s", strings.Join(missing, ", "))
	}
}
