package scenario

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// memFiles serves file references from a map, for snippets.
func memFiles(files map[string]string) ReadFile {
	return func(name string) ([]byte, error) {
		if s, ok := files[path.Clean(name)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// messages returns Parse's errors and warnings as printed.
func messages(t *testing.T, src string, files map[string]string) (sc *Scenario, errs, warns []string) {
	t.Helper()
	sc, err := Parse("s.yaml", []byte(src), memFiles(files))
	var ws []Error
	if err != nil {
		var el *ErrorList
		if !errors.As(err, &el) {
			t.Fatalf("Parse error is %T, not *ErrorList: %v", err, err)
		}
		if len(el.Errors) == 0 {
			t.Fatalf("ErrorList without errors")
		}
		if got, want := err.Error(), strings.Join(lines(el.Errors), "\n"); got != want {
			t.Errorf("Error() = %q; want one line per error %q", got, want)
		}
		errs, ws = lines(el.Errors), el.Warnings
	} else {
		ws = sc.Warnings
	}
	return sc, errs, lines(ws)
}

func lines(es []Error) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Error())
	}
	return out
}

const minimal = "name: t\nduration: 1h\ndevices:\n  - {name: a, count: 1}\n"

// TestParseSnippets pins the exact positioned messages for small files.
func TestParseSnippets(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		files map[string]string
		errs  []string
		warns []string
	}{
		{name: "minimal", src: minimal},
		{
			name: "unknown key in a cohort",
			src:  "name: t\nduration: 1h\ndevices:\n  - name: rev-a\n    coutn: 8000\n",
			errs: []string{
				"s.yaml:4:5: cohort rev-a: missing count (how many devices, a non-negative integer)",
				`s.yaml:5:5: unknown key "coutn" in cohort rev-a, did you mean "count"? (known: name, like, count, thingType, groups, provisioning, attributes, shadow, churn, connectivity, jobs)`,
			},
		},
		{
			name: "missing required keys, all reported",
			src:  "seed: 3\n",
			errs: []string{
				"s.yaml:1:1: missing name (the scenario's name)",
				`s.yaml:1:1: missing duration (the simulated time limit, such as "8h")`,
				"s.yaml:1:1: missing devices (a list of device cohorts)",
			},
		},
		{
			name: "unknown top-level key",
			src:  minimal + "timelines: []\n",
			errs: []string{`s.yaml:5:1: unknown key "timelines" in the scenario, did you mean "timeline"? (known: name, seed, duration, indexing, indexLag, thingTypes, thingGroups, provisioningTemplates, devices, timeline, expect)`},
		},
		{
			name: "duplicate key",
			src:  "name: t\nname: u\nduration: 1h\ndevices: [{name: a, count: 1}]\n",
			errs: []string{`s.yaml:2:1: duplicate key "name" (first at line 1)`},
		},
		{
			name: "duration as a number",
			src:  "name: t\nduration: 90\ndevices: [{name: a, count: 1}]\n",
			errs: []string{`s.yaml:2:11: duration: expected a duration such as "90s", "10m" or "6h", found integer 90`},
		},
		{
			name: "a number where a name is expected",
			src:  "name: 42\nduration: 1h\ndevices: [{name: a, count: 1}]\n",
			errs: []string{`s.yaml:1:7: name: expected a string, found integer 42 (quote it: "42")`},
		},
		{
			name: "count as a float with no fraction",
			src:  "name: t\nduration: 1h\ndevices: [{name: a, count: 1e6}, {name: b, count: 2.5}]\n",
			errs: []string{"s.yaml:3:51: cohort b: count: expected an integer from 0 to 4294967295, found number 2.5"},
		},
		{
			name: "distribution keys",
			src: `name: t
duration: 1h
devices:
  - name: a
    count: 1
    connectivity: {up: {exponential: 0s}, down: {normal: {mean: 1m, stddev: -1s}}}
    jobs:
      download: {lognormal: {median: 0s, p99: 1m}}
      install: {uniform: [1m]}
    shadow: {reported: {x: {poisson: 3}, y: {oneOf: {a: 0}}}}
    attributes: {x: {poisson: 3}}
`,
			errs: []string{
				"s.yaml:6:38: cohort a: connectivity.up.exponential: the mean must be > 0",
				"s.yaml:6:77: cohort a: connectivity.down.normal.stddev: expected a duration ≥ 0, found -1s",
				"s.yaml:8:38: cohort a: jobs.download.lognormal.median: must be > 0",
				"s.yaml:9:26: cohort a: jobs.install.uniform: expected [low, high], found 1 items",
				"s.yaml:10:57: cohort a: shadow.reported.y.oneOf.a: a weight must be > 0, found 0",
				"s.yaml:11:21: cohort a: attributes.x: expected a string, a number, a boolean or a distribution (oneOf, uniform, normal, exponential, lognormal), found a mapping",
			},
		},
		{
			name: "outcome weights",
			src: `name: t
duration: 1h
devices:
  - {name: a, count: 1, jobs: {outcome: {SUCCEEDED: 0.99, FAILED: 0.009, REJECTED: 0.0005, hang: 0.0005}}}
  - {name: b, count: 1, jobs: {outcome: {SUCCEEDED: 0.99, FAILED: 0.02}}}
  - {name: c, count: 1, jobs: {outcome: {SUCCEEDED: 1, TIMED_OUT: 0}}}
`,
			errs: []string{
				"s.yaml:5:41: cohort b: jobs.outcome: weights sum to 1.01; they must sum to 1",
				`s.yaml:6:56: unknown key "TIMED_OUT" in cohort c jobs.outcome (known: SUCCEEDED, FAILED, REJECTED, hang)`,
			},
		},
		{
			name: "weights within 1e-9 of 1 are normalised",
			src:  "name: t\nduration: 1h\ndevices:\n  - {name: a, count: 1, jobs: {outcome: {SUCCEEDED: 0.3333333333, FAILED: 0.6666666667}}}\n",
		},
		{
			name: "like with a merge that keeps base attributes",
			src: `name: t
duration: 1h
devices:
  - {name: a, count: 1, attributes: {hw: A, region: eu}}
  - {name: b, like: a, attributes: {hw: B, region: null}}
`,
		},
		{
			name: "query error in a single-quoted string",
			src: `name: t
duration: 1h
indexing: {thingIndexingMode: REGISTRY}
thingGroups:
  - {thingGroupName: G, queryString: 'attributes.a:1 AND AND b'}
devices: [{name: a, count: 1}]
`,
			errs: []string{"s.yaml:5:58: thing group G: queryString: unexpected AND, expected a term after AND"},
		},
		{
			name: "version-like comparison warns at the range",
			src: `name: t
duration: 1h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW}
thingGroups:
  - {thingGroupName: Old, queryString: "thingName:x* AND shadow.reported.fw <= \"2.1.0\""}
devices: [{name: a, count: 1}]
`,
			warns: []string{`s.yaml:5:58: thing group Old: queryString: shadow.reported.fw <= "2.1.0" compares strings, not versions: on AWS "10.0.0" < "2.1.0" holds; declare shadow.reported.fw as a custom field of type Version in indexing.customFields (a FleetLab extension) or compare a numeric field`},
		},
		{
			name: "a quoted version that is also a number warns; a bare number does not",
			src: `name: t
duration: 1h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW}
thingGroups:
  - {thingGroupName: Old, queryString: 'shadow.reported.fw >= "1.10" AND shadow.reported.t > 60.5'}
devices: [{name: a, count: 1}]
`,
			warns: []string{`s.yaml:5:41: thing group Old: queryString: shadow.reported.fw >= "1.10" compares numbers or strings, not versions: "1.10" is the number 1.1 against numbers, and "1.9" > "1.10" as strings; declare shadow.reported.fw as a custom field of type Version in indexing.customFields (a FleetLab extension) or compare a numeric field`},
		},
		{
			name: "dynamic groups and queries need indexing",
			src: `name: t
duration: 1h
thingGroups:
  - {thingGroupName: D, queryString: 'attributes.a:1'}
  - {thingGroupName: S, parentGroupName: D}
devices: [{name: a, count: 1, groups: [D]}]
`,
			errs: []string{
				"s.yaml:4:38: thing group D: queryString: a dynamic group needs fleet indexing: set indexing.thingIndexingMode to REGISTRY or REGISTRY_AND_SHADOW",
				"s.yaml:5:42: thing group S: parentGroupName: group D is dynamic and cannot be a parent",
				"s.yaml:6:40: cohort a: groups[0]: D is a dynamic group: things join it by its query, not by being added",
			},
		},
		{
			name: "indexing modes",
			src: `name: t
duration: 1h
indexing:
  thingIndexingMode: OFF
  thingConnectivityIndexingMode: STATUS
  customFields: [{name: temperature, type: Number}, {name: shadow.reported.t, type: Float}]
devices: [{name: a, count: 1}]
`,
			errs: []string{
				"s.yaml:5:34: indexing: thingConnectivityIndexingMode: needs thingIndexingMode REGISTRY or REGISTRY_AND_SHADOW",
				`s.yaml:6:25: indexing: customFields[0].name: a custom field starts with one of attributes., shadow.desired., shadow.reported., shadow.name., deviceDefender., found "temperature"`,
				"s.yaml:6:60: indexing: customFields[1].name: custom field shadow.reported.t needs thingIndexingMode REGISTRY_AND_SHADOW",
				`s.yaml:6:85: indexing: customFields[1].type: expected one of Number, String, Boolean, Version, found "Float"`,
			},
		},
		{
			name: "job file with a syntax error points into the file",
			src: minimal + `timeline:
  - at: 1m
    createJob: {file: jobs/j.json}
`,
			files: map[string]string{"jobs/j.json": "{\n  \"jobId\": \"j\",\n  \"targets\": [\"arn:aws:iot:us-east-1:1:thing/a-000000\"]\n  \"document\": \"{}\"\n}\n"},
			errs:  []string{"jobs/j.json:4:3: invalid JSON: invalid character '\"' after object key:value pair"},
		},
		{
			name: "job file missing",
			src:  minimal + "timeline:\n  - {at: 1m, createJob: {file: nope.json}}\n",
			errs: []string{"s.yaml:6:32: timeline[0].createJob.file: cannot read nope.json: file does not exist"},
		},
		{
			name: "cancel before create",
			src: minimal + `timeline:
  - {at: 1m, cancelJob: {jobId: j}}
  - {at: 2m, createJob: {jobId: j, targets: ["arn:aws:iot:us-east-1:1:thing/a-000000"], document: {v: 1}}}
`,
			errs: []string{"s.yaml:6:33: timeline[0].cancelJob.jobId: job j is created at 2m0s, after this cancelJob at 1m0s"},
		},
		{
			name: "variables",
			src: `name: t
duration: 1h
devices:
  - name: a
    count: 1
    attributes: {serial: "SN-${device.index}", x: "${device.idx}"}
    jobs: {onSuccess: {reported: {v: "${job.document.}"}}}
`,
			errs: []string{
				"s.yaml:6:52: cohort a: attributes.x: unknown variable ${device.idx} (known: device.id, device.index, device.cohort)",
				"s.yaml:7:39: cohort a: jobs.onSuccess.reported.v: ${job.document.}: empty field name in the job document path",
			},
		},
		{
			name: "expectations",
			src: minimal + `timeline:
  - {at: 1m, createJob: {jobId: j, targets: ["arn:aws:iot:us-east-1:1:thing/a-000000"], document: "{\"v\": 1}"}}
expect:
  - {job: j, status: COMPLETED}
  - {job: j, counter: numberOfSucceededThings, min: 1}
  - {job: j, counter: numberOfFailedThings, min: 1, max: 0}
  - {query: q, count: 3}
`,
			errs: []string{
				"s.yaml:10:58: expect[2].max: max 0 is below min 1",
				`s.yaml:11:13: expect[3].query: unknown query "q" (the timeline runs no queries)`,
			},
		},
		{
			name: "yaml syntax",
			src:  "name: [t\n",
			errs: []string{"s.yaml:1: invalid YAML: did not find expected ',' or ']'"},
		},
		{
			name: "alias bomb",
			src:  "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
			errs: []string{"s.yaml:6:4: the document expands to more than 1000000 nodes (aliases?)"},
		},
		{
			name: "merge keys",
			src:  "name: t\nduration: 1h\ndevices:\n  - &a {name: a, count: 1}\n  - {<<: *a, name: b}\n",
			errs: []string{
				"s.yaml:5:5: cohort b: missing count (how many devices, a non-negative integer)",
				"s.yaml:5:6: cohort b: YAML merge keys (<<) are not supported; cohorts inherit with like:",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, warns := messages(t, tt.src, tt.files)
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warns, warns); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
