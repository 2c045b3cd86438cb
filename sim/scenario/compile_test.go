package scenario

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const compiled = `name: compiled
duration: 2h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW, customFields: [{name: attributes.rack, type: Number}]}
thingTypes: [{thingTypeName: T, searchableAttributes: [hw]}]
thingGroups:
  - {thingGroupName: Fleet, attributes: {owner: ops}}
  - {thingGroupName: Sub, parentGroupName: Fleet}
provisioningTemplates:
  - templateName: P
    templateBody: {file: t.json}
devices:
  - name: base
    count: 100
    thingType: T
    groups: [Sub]
    provisioning: {method: claim, template: P, start: 5m, over: 10m, parameters: {Serial: "${device.id}"}}
    attributes: {hw: A, rack: {uniform: [1, 4]}, zone: {oneOf: {a: 0.5, b: 0.25}}}
    shadow:
      reported: {fw: "1.0", cfg: {interval: 30, mode: {oneOf: {fast: 1}}}}
    connectivity: {up: 6h, down: {exponential: 2m}}
    jobs:
      download: 90s
      install: {normal: {mean: 1m, stddev: 10s}}
      stepTimeout: 10m
      outcome: {SUCCEEDED: 0.9, FAILED: 0.1}
      onSuccess: {reported: {fw: "${job.document.version}"}}
  - name: derived
    like: base
    count: 20
    attributes: {hw: B, zone: null}
    shadow: {reported: {cfg: {mode: slow}}}
    jobs: {outcome: {SUCCEEDED: 1}}
timeline:
  - at: 1h
    query: {name: q, queryString: 'attributes.hw:B'}
  - at: 10m
    createJob:
      jobId: fw
      targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/Fleet"]
      document: {version: "2.0", size: 10}
      targetSelection: CONTINUOUS
  - at: 1h
    cancelJob: {jobId: fw, force: true, reasonCode: MANUAL}
expect:
  - {job: fw, status: CANCELED}
  - {job: fw, counter: numberOfSucceededThings, min: 10, max: 100}
  - {query: q, equalsTruth: true}
  - {query: q, count: {min: 20}}
`

const compiledTemplate = `{"Parameters": {"Serial": {"Type": "String"}},
 "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "Serial"}}}}}`

func loadCompiled(t *testing.T) *Scenario {
	t.Helper()
	sc, err := Parse("c.yaml", []byte(compiled), memFiles(map[string]string{"t.json": compiledTemplate}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return sc
}

func fieldNames(fs []Field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestCompiledScenario(t *testing.T) {
	sc := loadCompiled(t)
	if sc.Seed != 1 || sc.Duration != 2*time.Hour || sc.Name != "compiled" || len(sc.Warnings) != 0 {
		t.Errorf("Seed, Duration, Name, Warnings = %d, %s, %q, %v", sc.Seed, sc.Duration, sc.Name, sc.Warnings)
	}
	if !sc.Indexing.On() || sc.Indexing.Config.ThingIndexingMode != "REGISTRY_AND_SHADOW" || sc.Indexing.fieldType("attributes.rack") != "Number" {
		t.Errorf("Indexing = %+v", sc.Indexing.Config)
	}
	if _, err := json.Marshal(map[string]any{"thingIndexingConfiguration": sc.Indexing.Body}); err != nil {
		t.Errorf("Indexing.Body does not marshal: %v", err)
	}
	if got := sc.Templates[0]; string(got.Body) != compiledTemplate || got.File != "t.json" || len(got.Parameters) != 1 || got.Resources["thing"] != "AWS::IoT::Thing" {
		t.Errorf("Template = %+v", got)
	}
	if g := sc.ThingGroups[1]; g.Parent != "Fleet" || sc.ThingGroups[0].Attributes["owner"] != "ops" {
		t.Errorf("ThingGroups = %+v", sc.ThingGroups)
	}
	if sc.Devices() != 120 || len(sc.Cohorts) != 2 {
		t.Fatalf("Devices() = %d over %d cohorts; want 120 over 2", sc.Devices(), len(sc.Cohorts))
	}
	base, derived := sc.Cohorts[0], sc.Cohorts[1]
	if p := base.Provisioning; p.Method != Claim || p.Template != "P" || p.Start != 5*time.Minute || p.Over != 10*time.Minute || len(p.Parameters) != 1 {
		t.Errorf("base.Provisioning = %+v", p)
	}
	// like: everything but name is inherited; maps merge; null deletes;
	// the outcome is replaced whole.
	if derived.Like != "base" || derived.Count != 20 || derived.ThingType != "T" || !slices.Equal(derived.Groups, []string{"Sub"}) || derived.Provisioning.Method != Claim {
		t.Errorf("derived = %+v", derived)
	}
	if got, want := fieldNames(derived.Attributes), []string{"hw", "rack"}; !slices.Equal(got, want) {
		t.Errorf("derived attributes = %v; want %v", got, want)
	}
	if got, want := fieldNames(base.Attributes), []string{"hw", "rack", "zone"}; !slices.Equal(got, want) {
		t.Errorf("base attributes = %v; want %v", got, want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	vars := func(v Var) (any, bool) {
		if v.Kind == JobDocument {
			return lookupPath(map[string]any{"version": "2.0"}, v.Path)
		}
		return nil, false
	}
	if got := SampleFields(derived.Shadow.Reported, r, vars); !cmp.Equal(got, map[string]any{"fw": "1.0", "cfg": map[string]any{"interval": json.Number("30"), "mode": "slow"}}) {
		t.Errorf("derived shadow = %#v", got)
	}
	if got := SampleFields(base.Shadow.Reported, r, vars); !cmp.Equal(got, map[string]any{"fw": "1.0", "cfg": map[string]any{"interval": json.Number("30"), "mode": "fast"}}) {
		t.Errorf("base shadow = %#v", got)
	}
	if got := SampleFields(base.Jobs.OnSuccess.Reported, r, vars); !cmp.Equal(got, map[string]any{"fw": "2.0"}) {
		t.Errorf("onSuccess = %#v", got)
	}
	if !slices.Equal(derived.Jobs.Outcome.Items, []Outcome{Succeeded}) || !slices.Equal(base.Jobs.Outcome.Items, []Outcome{Succeeded, Failed}) {
		t.Errorf("outcomes: base %v, derived %v", base.Jobs.Outcome.Items, derived.Jobs.Outcome.Items)
	}
	if base.Jobs.StepTimeout != 10*time.Minute || base.Jobs.Download.String() != "1m30s" || base.Jobs.Install.String() != "{normal: {mean: 1m0s, stddev: 10s}}" {
		t.Errorf("jobs = %+v", base.Jobs)
	}
	if c := base.Connectivity; c == nil || c.Up.String() != "6h0m0s" || c.Down.String() != "{exponential: 2m0s}" || base.Churn != nil {
		t.Errorf("connectivity = %+v, churn = %+v", c, base.Churn)
	}

	// The timeline is ordered by time, entries at one time in file order.
	var kinds []string
	for _, ev := range sc.Timeline {
		kinds = append(kinds, ev.At.String()+" "+ev.Action.Kind())
	}
	if want := []string{"10m0s createJob", "1h0m0s query", "1h0m0s cancelJob"}; !slices.Equal(kinds, want) {
		t.Errorf("timeline = %v; want %v", kinds, want)
	}
	job := sc.Timeline[0].Action.(*CreateJob)
	var body map[string]any
	if err := json.Unmarshal(job.Body, &body); err != nil {
		t.Fatalf("job body: %v", err)
	}
	if doc, ok := body["document"].(string); !ok || doc != `{"size":10,"version":"2.0"}` || !job.Continuous || job.Targets[0].Kind != "thinggroup" || job.Targets[0].Name != "Fleet" {
		t.Errorf("job = %+v, body document %#v", job, body["document"])
	}
	if c := sc.Timeline[2].Action.(*CancelJob); !c.Force || c.ReasonCode != "MANUAL" {
		t.Errorf("cancel = %+v", c)
	}
	var exp []string
	for _, e := range sc.Expect {
		exp = append(exp, e.String())
	}
	want := []string{"job fw status CANCELED", "job fw numberOfSucceededThings between 10 and 100",
		"query q equals the ground truth", "query q count >= 20"}
	if !slices.Equal(exp, want) {
		t.Errorf("expectations = %q; want %q", exp, want)
	}
	if e := sc.Expect[1]; !e.Holds(10) || !e.Holds(100) || e.Holds(9) || e.Holds(101) {
		t.Errorf("Holds wrong for %v", e)
	}
}

func TestScaled(t *testing.T) {
	sc := loadCompiled(t)
	for _, tt := range []struct {
		f    float64
		want []int
	}{{1, []int{100, 20}}, {0.1, []int{10, 2}}, {0.001, []int{1, 1}}, {2.5, []int{250, 50}}} {
		s2 := sc.Scaled(tt.f)
		got := []int{s2.Cohorts[0].Count, s2.Cohorts[1].Count}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Scaled(%g) counts = %v; want %v", tt.f, got, tt.want)
		}
	}
	if sc.Cohorts[0].Count != 100 {
		t.Errorf("Scaled changed the original")
	}
	zero := &Scenario{Cohorts: []Cohort{{Count: 0}}}
	if n := zero.Scaled(10).Cohorts[0].Count; n != 0 {
		t.Errorf("an empty cohort scaled to %d", n)
	}
	if s := sc.WithSeed(7); s.Seed != 7 || sc.Seed != 1 {
		t.Errorf("WithSeed")
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Scaled(0) did not panic")
		}
	}()
	sc.Scaled(0)
}

// TestDistributions checks the samplers against their definitions with
// enough draws for tight bounds; the generator is seeded, so the test is
// deterministic.
func TestDistributions(t *testing.T) {
	const n = 200_000
	draws := func(d Dist) []float64 {
		r := rand.New(rand.NewPCG(42, 7))
		out := make([]float64, n)
		for i := range out {
			out[i] = d.Sample(r)
		}
		return out
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	quantile := func(xs []float64, q float64) float64 {
		s := slices.Clone(xs)
		sort.Float64s(s)
		return s[int(q*float64(len(s)-1))]
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %g; want %g ± %g", name, got, want, tol)
		}
	}
	u := draws(Uniform{2, 4})
	near("uniform mean", mean(u), 3, 0.01)
	if slices.Min(u) < 2 || slices.Max(u) >= 4 {
		t.Errorf("uniform out of [2, 4): %g..%g", slices.Min(u), slices.Max(u))
	}
	near("normal mean", mean(draws(Normal{60, 8})), 60, 0.1)
	near("normal p84", quantile(draws(Normal{60, 8}), 0.8413), 68, 0.15)
	near("exponential mean", mean(draws(Exponential{600})), 600, 6)
	ln := draws(LogNormal{Median: 90, P99: 600})
	near("lognormal median", quantile(ln, 0.5), 90, 1.5)
	near("lognormal p99", quantile(ln, 0.99), 600, 25)
	near("constant", mean(draws(Constant(3))), 3, 0)
	disc := draws(Discrete{NewChoice([]float64{1, 10}, []float64{0.75, 0.25})})
	near("discrete mean", mean(disc), 0.75*1+0.25*10, 0.05)

	// DurationDist: seconds in, durations out, never negative.
	r := rand.New(rand.NewPCG(1, 1))
	dd := DurationDist{Normal{Mean: 1, Stddev: 10}}
	neg := 0
	for range 1000 {
		v := dd.Sample(r)
		if v < 0 {
			t.Fatalf("negative duration %s", v)
		}
		if v == 0 {
			neg++
		}
	}
	if neg == 0 {
		t.Errorf("a Normal(1s, 10s) never clamped to 0")
	}
	if v := (DurationDist{Constant(1.5)}).Sample(r); v != 1500*time.Millisecond {
		t.Errorf("Constant(1.5s) = %s", v)
	}
	if v := (DurationDist{}).Sample(r); v != 0 {
		t.Errorf("zero DurationDist = %s", v)
	}
}

func TestChoice(t *testing.T) {
	c := NewChoice([]string{"a", "b"}, []float64{0.5, 0.25})
	if c.Total() != 0.75 {
		t.Errorf("Total = %g", c.Total())
	}
	r := rand.New(rand.NewPCG(3, 3))
	counts := map[int]int{}
	for range 100_000 {
		counts[c.Index(r)]++
	}
	for i, want := range map[int]float64{0: 0.5, 1: 0.25, -1: 0.25} {
		if got := float64(counts[i]) / 100_000; math.Abs(got-want) > 0.01 {
			t.Errorf("P(index %d) = %g; want %g", i, got, want)
		}
	}
	// Determinism: the same seed picks the same sequence.
	seq := func() []int {
		r := rand.New(rand.NewPCG(9, 9))
		var out []int
		for range 20 {
			out = append(out, c.Index(r))
		}
		return out
	}
	if a, b := seq(), seq(); !slices.Equal(a, b) {
		t.Errorf("same seed, different picks: %v vs %v", a, b)
	}
	// Weights within 1e-9 of 1 never pick nothing.
	n := NewChoice([]int{1, 2, 3}, []float64{0.3333333333, 0.3333333333, 0.3333333333})
	for range 10_000 {
		if n.Index(r) < 0 {
			t.Fatal("a normalised choice picked nothing")
		}
	}
	for _, bad := range []func(){
		func() { NewChoice([]int{1}, []float64{0}) },
		func() { NewChoice([]int{1, 2}, []float64{0.7, 0.7}) },
		func() { NewChoice([]int{1}, []float64{0.5, 0.5}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewChoice accepted invalid weights")
				}
			}()
			bad()
		}()
	}
}

func TestText(t *testing.T) {
	vars := func(v Var) (any, bool) {
		switch v.Kind {
		case DeviceID:
			return DeviceName("rev-a", 42), true
		case DeviceIndex:
			return 42.0, true
		case JobDocument:
			return lookupPath(map[string]any{"fw": map[string]any{"version": json.Number("3")}}, v.Path)
		}
		return nil, false
	}
	for _, tt := range []struct {
		src, job string
		want     any
		ok       bool
	}{
		{src: "${device.id}", want: "rev-a-000042", ok: true},
		{src: "sensor-${device.id}-${device.index}", want: "sensor-rev-a-000042-42", ok: true},
		{src: "$${device.id} is ${device.id}", want: "${device.id} is rev-a-000042", ok: true},
		{src: "${job.document.fw.version}", job: "y", want: json.Number("3"), ok: true},
		{src: "v${job.document.fw.version}", job: "y", want: "v3", ok: true},
		{src: "${job.document.missing}", job: "y", ok: false},
		{src: "${job.id}", job: "y", ok: false},
	} {
		text, _, msg := parseTemplate(tt.src, tt.job != "")
		if msg != "" {
			t.Errorf("parseTemplate(%q): %s", tt.src, msg)
			continue
		}
		got, ok := text.Expand(vars)
		if ok != tt.ok || (ok && !cmp.Equal(got, tt.want)) {
			t.Errorf("Expand(%q) = %#v, %v; want %#v, %v", tt.src, got, ok, tt.want, tt.ok)
		}
	}
	for src, want := range map[string]string{
		"${device.name}":  "unknown variable ${device.name} (known: device.id, device.index, device.cohort)",
		"x ${device.id":   "unterminated ${ (write $${ for a literal ${)",
		"${job.document}": "${job.document} is only known in jobs.onSuccess (here: device.id, device.index, device.cohort)",
	} {
		if _, _, msg := parseTemplate(src, false); msg != want {
			t.Errorf("parseTemplate(%q) = %q; want %q", src, msg, want)
		}
	}
	if got := FormatAttribute(2.50); got != "2.5" {
		t.Errorf("FormatAttribute(2.5) = %q", got)
	}
}
