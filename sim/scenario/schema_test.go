package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatalf("JSONSchema() is not JSON: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v; want draft 2020-12", s["$schema"])
	}
	return s
}

func defsOf(s map[string]any) map[string]any {
	defs, _ := s["$defs"].(map[string]any)
	return defs
}

// schemaKeys returns the properties a $defs entry names, including those of
// its anyOf/oneOf alternatives (the expectation forms).
func schemaKeys(def map[string]any) []string {
	var keys []string
	add := func(m map[string]any) {
		props, _ := m["properties"].(map[string]any)
		for k := range props {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	add(def)
	for _, alt := range []string{"anyOf", "oneOf"} {
		list, _ := def[alt].([]any)
		for _, a := range list {
			if m, ok := a.(map[string]any); ok {
				add(m)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// TestSchemaKnowsEveryKey holds the JSON Schema and the decoder in sync:
// every kind of mapping the decoder reads has a $defs entry of its name
// with exactly the keys the decoder knows.
func TestSchemaKnowsEveryKey(t *testing.T) {
	defs := defsOf(loadSchema(t))
	for ctx, known := range knownKeys {
		def, ok := defs[ctx].(map[string]any)
		if !ok {
			t.Errorf("schema has no $defs/%s for the decoder's %q keys", ctx, ctx)
			continue
		}
		want := slices.Clone(known)
		sort.Strings(want)
		if got := schemaKeys(def); !slices.Equal(got, want) {
			t.Errorf("$defs/%s has keys %v; the decoder knows %v", ctx, got, want)
		}
	}
}

// TestSchemaRefs checks that every $ref resolves and every $defs entry is
// reachable from the root.
func TestSchemaRefs(t *testing.T) {
	s := loadSchema(t)
	defs := defsOf(s)
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name, found := strings.CutPrefix(ref, "#/$defs/")
				if _, exists := defs[name]; !found || !exists {
					t.Errorf("$ref %q does not resolve", ref)
				} else if !seen[name] {
					seen[name] = true
					walk(defs[name])
				}
			}
			for k, c := range v {
				if k != "$defs" {
					walk(c)
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(s)
	for name := range defs {
		if !seen[name] {
			t.Errorf("$defs/%s is never referenced", name)
		}
	}
}

// TestSchemaValidatesLibrary validates every scenario of the library, and
// the job and template files they name, against the JSON Schema (with a
// validator for the part of JSON Schema the schema uses).
func TestSchemaValidatesLibrary(t *testing.T) {
	s := loadSchema(t)
	v := &validator{root: s}
	files := libraryFiles(t)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range v.validate(toJSONValue(doc), s, "") {
			t.Errorf("%s: %s", f, p)
		}
	}
	for pattern, def := range map[string]string{"jobs/*.json": "createJob", "templates/*.json": "templateBody"} {
		matches, _ := filepath.Glob(filepath.Join(libraryDir, pattern))
		if len(matches) == 0 {
			t.Errorf("no %s in the library", pattern)
		}
		for _, f := range matches {
			src, _ := os.ReadFile(f)
			var doc any
			if err := json.Unmarshal(src, &doc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, p := range v.validate(doc, defsOf(s)[def], "") {
				t.Errorf("%s: %s", f, p)
			}
		}
	}
	// The test scenarios that load without errors are valid for the
	// schema too.
	for name, src := range map[string]string{"compiled": compiled, "minimal": minimal} {
		var doc any
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range v.validate(toJSONValue(doc), s, "") {
			t.Errorf("%s: %s", name, p)
		}
	}
	// And the schema does reject: a misspelt key, a bad duration.
	bad := map[string]any{"name": "x", "duration": "8 hours", "devices": []any{map[string]any{"name": "a", "coutn": 1.0}}}
	if probs := v.validate(bad, s, ""); len(probs) < 2 {
		t.Errorf("schema accepted a bad scenario: %v", probs)
	}
}

// toJSONValue turns what the YAML library decodes into what encoding/json
// would (map[string]any, float64); mapping keys such as true become their
// text, as YAML keys are in JSON.
func toJSONValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = toJSONValue(x)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, x := range v {
			out[fmt.Sprint(k)] = toJSONValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toJSONValue(x)
		}
		return out
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	}
	return v
}

// validator implements the JSON Schema keywords schema.json uses.
type validator struct{ root map[string]any }

func (v *validator) validate(x any, schema any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return nil
	}
	var probs []string
	fail := func(format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s: %s", cmpPath(at), fmt.Sprintf(format, args...)))
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		probs = append(probs, v.validate(x, defsOf(v.root)[name], at)...)
	}
	if t, ok := s["type"]; ok && !typeMatches(x, t) {
		fail("expected type %v, found %T", t, x)
		return probs
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, x) {
		fail("expected %v", c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(c any) bool { return jsonEqual(c, x) }) {
		fail("expected one of %v, found %v", e, x)
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, val := range x {
			if ps, ok := props[k]; ok {
				probs = append(probs, v.validate(val, ps, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				if ap == false {
					fail("unknown key %q", k)
				} else {
					probs = append(probs, v.validate(val, ap, at+"."+k)...)
				}
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				fail("missing %v", r)
			}
		}
		if m, ok := s["minProperties"].(float64); ok && float64(len(x)) < m {
			fail("fewer than %v keys", m)
		}
		if m, ok := s["maxProperties"].(float64); ok && float64(len(x)) > m {
			fail("more than %v keys", m)
		}
	case []any:
		for i, it := range x {
			probs = append(probs, v.validate(it, s["items"], fmt.Sprintf("%s[%d]", at, i))...)
		}
		if m, ok := s["minItems"].(float64); ok && float64(len(x)) < m {
			fail("fewer than %v items", m)
		}
		if m, ok := s["maxItems"].(float64); ok && float64(len(x)) > m {
			fail("more than %v items", m)
		}
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			fail("%q does not match %s", x, p)
		}
		if m, ok := s["minLength"].(float64); ok && float64(len([]rune(x))) < m {
			fail("shorter than %v", m)
		}
		if m, ok := s["maxLength"].(float64); ok && float64(len([]rune(x))) > m {
			fail("longer than %v", m)
		}
	case float64:
		if m, ok := s["minimum"].(float64); ok && x < m {
			fail("below %v", m)
		}
		if m, ok := s["maximum"].(float64); ok && x > m {
			fail("above %v", m)
		}
		if m, ok := s["exclusiveMinimum"].(float64); ok && x <= m {
			fail("not above %v", m)
		}
	}
	if list, ok := s["anyOf"].([]any); ok {
		if !slices.ContainsFunc(list, func(alt any) bool { return len(v.validate(x, alt, at)) == 0 }) {
			fail("matches none of the anyOf alternatives")
		}
	}
	if list, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range list {
			if len(v.validate(x, alt, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			fail("matches %d of the oneOf alternatives; want exactly 1", n)
		}
	}
	return probs
}

func cmpPath(at string) string {
	if at == "" {
		return "(root)"
	}
	return strings.TrimPrefix(at, ".")
}

func typeMatches(x any, t any) bool {
	if list, ok := t.([]any); ok {
		return slices.ContainsFunc(list, func(t any) bool { return typeMatches(x, t) })
	}
	switch t {
	case "object":
		_, ok := x.(map[string]any)
		return ok
	case "array":
		_, ok := x.([]any)
		return ok
	case "string":
		_, ok := x.(string)
		return ok
	case "number":
		_, ok := x.(float64)
		return ok
	case "integer":
		f, ok := x.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := x.(bool)
		return ok
	case "null":
		return x == nil
	}
	return false
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
