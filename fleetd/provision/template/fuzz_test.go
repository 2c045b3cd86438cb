package template

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// FuzzParse parses arbitrary bodies and evaluates every one that parses
// with parameters cut from the second input. It never panics; every error
// is an *awserr.Error of the right code; evaluation is deterministic.
func FuzzParse(f *testing.F) {
	for _, b := range goldenTemplates(f) {
		f.Add([]byte(b), "v1\nSeattle\n2\n\nred,green")
	}
	f.Add([]byte(minimalTemplate), "")
	f.Fuzz(func(t *testing.T, body []byte, values string) {
		tmpl, err := Parse(body)
		if err != nil {
			if !awserr.Is(err, awserr.InvalidRequest) {
				t.Fatalf("Parse error %v is not an InvalidRequestException", err)
			}
			return
		}
		for _, kind := range []Kind{FleetProvisioning, JITP} {
			if err := tmpl.CheckKind(kind); err != nil && !awserr.Is(err, awserr.InvalidRequest) {
				t.Fatalf("CheckKind error %v is not an InvalidRequestException", err)
			}
		}
		params := fuzzParams(tmpl, values)
		res, err := tmpl.Evaluate(params)
		if err != nil {
			if !awserr.Is(err, awserr.RegistrationFailure) {
				t.Fatalf("Evaluate error %v is not a ResourceRegistrationFailureException", err)
			}
			return
		}
		again, err := tmpl.Evaluate(params)
		if err != nil || !reflect.DeepEqual(res, again) {
			t.Fatalf("Evaluate is not deterministic: %+v then %+v, %v", res, again, err)
		}
	})
}

// fuzzParams gives the declared parameters and the pseudo-parameters the
// lines of values in turn; an empty line leaves that name unset.
func fuzzParams(tmpl *Template, values string) map[string]string {
	var names []string
	for _, p := range tmpl.Parameters() {
		names = append(names, p.Name)
	}
	for name := range pseudoParameters {
		names = append(names, name)
	}
	slices.Sort(names)
	lines := strings.Split(values, "\n")
	params := map[string]string{}
	for i, name := range names {
		if v := lines[i%len(lines)]; v != "" {
			params[name] = v
		}
	}
	return params
}

// goldenTemplates returns the template bodies of testdata/*.txt.
func goldenTemplates(t testing.TB) []string {
	var bodies []string
	for _, file := range mustGlob(t, "testdata/*.txt") {
		for _, b := range readGolden(t, file) {
			if b.command == "template" {
				bodies = append(bodies, strings.Join(b.input, "\n"))
			}
		}
	}
	return bodies
}
