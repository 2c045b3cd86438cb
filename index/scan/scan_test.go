package scan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// Query builders, so these tests do not depend on the parser.

func term(f, v string) query.Node     { return &query.Term{Field: f, Value: v} }
func wild(f, p string) query.Node     { return &query.Wildcard{Field: f, Pattern: p} }
func exists(f string) query.Node      { return &query.Exists{Field: f} }
func not(x query.Node) query.Node     { return &query.Not{X: x} }
func and(xs ...query.Node) query.Node { return &query.And{Clauses: xs} }
func or(xs ...query.Node) query.Node  { return &query.Or{Clauses: xs} }

// rng builds a range from Lucene-like notation: "[" or "{" for the lower
// end, "]" or "}" for the upper, "*" for an open end.
func rng(f, open, lo, hi, close string) query.Node {
	b := func(s string) *query.Bound {
		if s == "*" {
			return nil
		}
		return &query.Bound{Value: s}
	}
	return &query.Range{Field: f, Lower: b(lo), Upper: b(hi), IncludeLower: open == "[", IncludeUpper: close == "]"}
}

// show prints a query for failure messages, independent of query's printer.
func show(q query.Node) string {
	switch n := q.(type) {
	case *query.Term:
		return fmt.Sprintf("%s:%q", n.Field, n.Value)
	case *query.Wildcard:
		return fmt.Sprintf("%s:~%q", n.Field, n.Pattern)
	case *query.Exists:
		return n.Field + ":*"
	case *query.MatchAll:
		return "*"
	case *query.Range:
		s := n.Field + ":"
		if n.IncludeLower {
			s += "["
		} else {
			s += "{"
		}
		if n.Lower == nil {
			s += "*"
		} else {
			s += fmt.Sprintf("%q", n.Lower.Value)
		}
		s += " TO "
		if n.Upper == nil {
			s += "*"
		} else {
			s += fmt.Sprintf("%q", n.Upper.Value)
		}
		if n.IncludeUpper {
			return s + "]"
		}
		return s + "}"
	case *query.Not:
		return "NOT " + show(n.X)
	case *query.And, *query.Or:
		var cs []query.Node
		op := " AND "
		if o, ok := n.(*query.Or); ok {
			cs, op = o.Clauses, " OR "
		} else {
			cs = n.(*query.And).Clauses
		}
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = show(c)
		}
		return "(" + strings.Join(parts, op) + ")"
	}
	return fmt.Sprintf("%T", q)
}

// testDocs covers both shadow forms, computed and explicit deltas, named
// shadows, arrays, nested and dotted paths and numeric-looking attributes.
func testDocs(t *testing.T) []index.Document {
	t.Helper()
	// d0's shadow is a JSON string holding the object, as SearchIndex
	// returns it.
	shadow0, err := json.Marshal(`{
		"reported": {"firmware_version": "10.0.0", "temp": 61.5, "net": {"rssi": -70},
			"tags": ["Outdoor", "roof"], "on": true, "n": null, "objs": [{"a": 1}],
			"nested": [[1]], "s": "5", "empty": {}},
		"desired": {"firmware_version": "2.1.0"},
		"metadata": {"reported": {"temp": {"timestamp": 1700000000}}},
		"version": 7, "timestamp": 1700000001}`)
	if err != nil {
		t.Fatal(err)
	}
	ddJSON, err := json.Marshal(`{"violationCount": 2, "version": 4, "prof": {"beh": {"inViolation": true}}}`)
	if err != nil {
		t.Fatal(err)
	}
	return []index.Document{
		{
			ThingName: "sensor-1", ThingID: "id-1", ThingTypeName: "Gateway",
			ThingGroupNames: []string{"ProductionDevices", "RegionEU"},
			Attributes:      map[string]string{"region": "eu-west-1", "batch": "12", "serial": "00123", "ratio": "1.5e1"},
			Shadow:          shadow0,
			Connectivity:    &index.Connectivity{Connected: true, Timestamp: 1700000000000},
			RegistryVersion: 3,
		},
		{
			ThingName: "Sensor-2",
			Shadow: json.RawMessage(`{
				"reported": {"one": {"two": "v"}, "firmware_version": "2.1.0", "cfg": {"a": 1, "b": [1, 2]}},
				"desired": {"firmware_version": "2.1.0", "cfg": {"a": 1.0, "b": [1, 2]}},
				"name": {
					"config": {"reported": {"mode": "eco"}, "desired": {"mode": "turbo"}, "version": 2},
					"other": {"reported": {"mode": "x"}}}}`),
			Connectivity: &index.Connectivity{DisconnectReason: "CONNECTION_LOST"},
		},
		{
			ThingName:  "sensor-3",
			Attributes: map[string]string{"batch": "7", "region": "us-east-1"},
			Shadow: json.RawMessage(`{
				"reported": {"one.two": "V", "firmware_version": "2.2.0"},
				"desired": {"x": {"y": 1}},
				"delta": {"explicit": 1}, "hasDelta": false}`),
			DeviceDefender: ddJSON,
		},
		{ThingName: "thing-4", ThingTypeName: "Camera", RegistryVersion: 5},
		{
			ThingName:  "sensor-5",
			Attributes: map[string]string{"serial": "123"},
			Shadow:     json.RawMessage(`{"name": {"config": {"reported": {"mode": "ECO"}}}}`),
		},
	}
}

func TestSearch(t *testing.T) {
	all := []int{0, 1, 2, 3, 4}
	tests := []struct {
		q    query.Node
		want []int
	}{
		// Registry, case-insensitive values, case-sensitive field names.
		{term("thingName", "SENSOR-1"), []int{0}},
		{term("thingName", "sensor-2"), []int{1}},
		{term("ThingName", "sensor-1"), nil},
		{term("thingId", "ID-1"), []int{0}},
		{term("thingTypeName", "gateway"), []int{0}},
		{term("thingGroupNames", "regioneu"), []int{0}},
		{exists("thingTypeName"), []int{0, 3}},
		{exists("thingGroupNames"), []int{0}},

		// Attributes: numeric-looking ones are strings and numbers.
		{term("attributes.batch", "12"), []int{0}},
		{term("attributes.batch", "12.0"), []int{0}},
		{term("attributes.ratio", "15"), []int{0}},
		{term("attributes.ratio", "1.5E1"), []int{0}},
		{term("attributes.serial", "123"), []int{4}},
		{term("attributes.serial", "00123"), []int{0}},
		{rng("attributes.batch", "[", "10", "20", "]"), []int{0}},
		{rng("attributes.batch", "[", "*", "7", "}"), nil},
		{rng("attributes.batch", "[", "*", "7", "]"), []int{2}},
		{rng("attributes.serial", "[", "100", "*", "]"), []int{4}},  // "00123" is no number
		{rng("attributes.batch", "[", "1", "2a", "]"), []int{0}},    // lexicographic: "12" in, "7" out
		{rng("attributes.batch", "[", "5", "abc", "]"), []int{2}},   // one non-numeric bound: all lexicographic
		{rng("attributes.region", "[", "*", "*", "]"), []int{0, 2}}, // both open = exists
		{rng("attributes.region", "[", "EU", "F", "}"), []int{0}},

		// Shadow values, typing and paths.
		{term("shadow.reported.temp", "61.5"), []int{0}},
		{term("shadow.reported.temp", "61.50"), []int{0}},
		{rng("shadow.reported.temp", "[", "60", "62", "]"), []int{0}},
		{rng("shadow.reported.temp", "{", "61.5", "*", "]"), nil},
		{rng("shadow.reported.net.rssi", "[", "*", "-50", "}"), []int{0}},
		{term("shadow.reported.tags", "outdoor"), []int{0}},
		{term("shadow.reported.tags", "ROOF"), []int{0}},
		{term("shadow.reported.on", "TRUE"), []int{0}},
		{term("shadow.reported.on", "false"), nil},
		{term("shadow.reported.s", "5"), []int{0}},                // a JSON string matches as a string
		{rng("shadow.reported.s", "[", "4", "6", "]"), []int{0}},  // and compares as one: "4" ≤ "5" ≤ "6"
		{rng("shadow.reported.s", "[", "10", "6", "]"), []int{0}}, // lexicographically: "10" < "5"
		{rng("shadow.reported.s", "[", "6", "*", "]"), nil},       // never as the number 5
		{exists("shadow.reported.n"), nil},                        // null
		{exists("shadow.reported.objs"), nil},                     // array holding an object
		{exists("shadow.reported.objs.a"), nil},
		{exists("shadow.reported.nested"), nil},             // array holding an array
		{exists("shadow.reported.empty"), nil},              // {}
		{term("shadow.reported.one.two", "v"), []int{1, 2}}, // nested and dotted key
		{exists("shadow.reported.one"), nil},
		{term("shadow.metadata.reported.temp.timestamp", "1700000000"), []int{0}},

		// Lexicographic firmware ranges: "10.0.0" < "2.1.0".
		{rng("shadow.reported.firmware_version", "[", "*", "2.1.0", "}"), []int{0}},
		{rng("shadow.reported.firmware_version", "[", "*", "2.1.0", "]"), []int{0, 1}},
		{rng("shadow.reported.firmware_version", "{", "2.1.0", "*", "]"), []int{2}},

		// Delta and hasDelta: computed, equal after numeric and array
		// comparison, explicit.
		{term("shadow.delta.firmware_version", "2.1.0"), []int{0}},
		{term("shadow.hasDelta", "true"), []int{0}},
		{term("shadow.hasDelta", "False"), []int{1, 2}},
		{exists("shadow.hasDelta"), []int{0, 1, 2}}, // sensor-5 has only a named shadow
		{exists("shadow.delta.cfg.a"), nil},
		{exists("shadow.delta.cfg.b"), nil},
		{term("shadow.delta.explicit", "1"), []int{2}},
		{exists("shadow.delta.x.y"), nil}, // an explicit delta is not recomputed
		{term("shadow.desired.x.y", "1"), []int{2}},

		// Named shadows.
		{term("shadow.name.config.reported.mode", "eco"), []int{1, 4}},
		{term("shadow.name.config.delta.mode", "turbo"), []int{1}},
		{term("shadow.name.config.hasDelta", "true"), []int{1}},
		{term("shadow.name.config.hasDelta", "false"), []int{4}},
		{term("shadow.name.other.reported.mode", "X"), []int{1}},

		// Unsearchable version fields.
		{exists("registry.version"), nil},
		{term("registry.version", "3"), nil},
		{exists("shadow.version"), nil},
		{term("shadow.version", "7"), nil},
		{exists("shadow.timestamp"), nil},
		{exists("shadow.name.config.version"), nil},
		{exists("connectivity.version"), nil},
		{exists("deviceDefender.version"), nil},

		// Connectivity.
		{term("connectivity.connected", "true"), []int{0}},
		{term("connectivity.connected", "false"), []int{1}},
		{exists("connectivity.timestamp"), []int{0}},
		{rng("connectivity.timestamp", "{", "1.6e12", "*", "]"), []int{0}},
		{term("connectivity.disconnectReason", "connection_lost"), []int{1}},

		// Device Defender, from a JSON string.
		{rng("deviceDefender.violationCount", "[", "1", "*", "]"), []int{2}},
		{term("deviceDefender.prof.beh.inViolation", "true"), []int{2}},

		// Wildcards: strings only, runes, escapes.
		{wild("thingName", "sensor-*"), []int{0, 1, 2, 4}},
		{wild("thingName", "?ENSOR-?"), []int{0, 1, 2, 4}},
		{wild("thingName", "*-4"), []int{3}},
		{wild("thingName", "sensor\\-1"), []int{0}},
		{wild("thingName", "sensor-\\*"), nil},
		{wild("shadow.reported.firmware_version", "2.?.0"), []int{1, 2}},
		{wild("attributes.batch", "1*"), []int{0}},
		{wild("shadow.reported.temp", "61*"), nil},
		{wild("shadow.reported.on", "t*"), nil},

		// Bare terms search every searchable field, and only those.
		{term("", "EU-west-1"), []int{0}},
		{term("", "turbo"), []int{1}},
		{term("", "7"), []int{2}}, // sensor-1's shadow.version 7 does not count
		{term("", "3"), nil},      // nor registry.version
		{wild("", "*turb*"), []int{1}},

		// MatchAll and boolean structure.
		{&query.MatchAll{}, all},
		{not(term("thingTypeName", "gateway")), []int{1, 2, 3, 4}},
		{not(exists("nope")), all},
		{and(wild("thingName", "sensor*"), term("shadow.hasDelta", "false")), []int{1, 2}},
		{or(term("attributes.batch", "7"), term("thingTypeName", "camera")), []int{2, 3}},
		{and(not(term("connectivity.connected", "true")), or(exists("attributes.serial"), exists("shadow.name.other.reported.mode"))), []int{1, 4}},
	}
	docs := testDocs(t)
	f, err := NewFleet(docs, AllOn())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got := f.Search(tt.q)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Search(%s) = %v; want %v", show(tt.q), got, tt.want)
		}
		// Match must agree with Search document by document.
		for i := range docs {
			ok, err := Match(tt.q, &docs[i], AllOn())
			if err != nil {
				t.Fatal(err)
			}
			if ok != slices.Contains(tt.want, i) {
				t.Errorf("Match(%s, docs[%d]) = %v; want %v", show(tt.q), i, ok, !ok)
			}
		}
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		q    query.Node
		want []int
	}{
		{"registry only: no shadow", Options{}, exists("shadow.hasDelta"), nil},
		{"registry only: no named shadow", Options{}, exists("shadow.name.config.reported.mode"), nil},
		{"registry only: no connectivity", Options{}, exists("connectivity.connected"), nil},
		{"registry only: no deviceDefender", Options{}, exists("deviceDefender.violationCount"), nil},
		{"registry only: attributes", Options{}, exists("attributes.region"), []int{0, 2}},
		{"registry only: bare term", Options{}, term("", "turbo"), nil},
		{"named filter keeps other", Options{Shadow: true, NamedShadows: []string{"other"}},
			exists("shadow.name.other.reported.mode"), []int{1}},
		{"named filter drops config", Options{Shadow: true, NamedShadows: []string{"other"}},
			exists("shadow.name.config.reported.mode"), nil},
		{"empty filter drops all", Options{Shadow: true, NamedShadows: []string{}},
			exists("shadow.name.other.reported.mode"), nil},
		{"empty filter keeps classic", Options{Shadow: true, NamedShadows: []string{}},
			exists("shadow.hasDelta"), []int{0, 1, 2}},
		{"connectivity alone", Options{Connectivity: true}, term("connectivity.connected", "false"), []int{1}},
	}
	docs := testDocs(t)
	for _, tt := range tests {
		f, err := NewFleet(docs, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := f.Search(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Search(%s) = %v; want %v", tt.name, show(tt.q), got, tt.want)
		}
	}
}

func TestBadJSON(t *testing.T) {
	tests := []struct {
		name string
		doc  index.Document
	}{
		{"truncated", index.Document{Shadow: json.RawMessage(`{"reported":`)}},
		{"trailing data", index.Document{Shadow: json.RawMessage(`{} {}`)}},
		{"number", index.Document{Shadow: json.RawMessage(`5`)}},
		{"string holding an array", index.Document{Shadow: json.RawMessage(`"[1]"`)}},
		{"string holding bad JSON", index.Document{Shadow: json.RawMessage(`"{"`)}},
		{"section not an object", index.Document{Shadow: json.RawMessage(`{"reported":5}`)}},
		{"hasDelta not a bool", index.Document{Shadow: json.RawMessage(`{"hasDelta":"yes"}`)}},
		{"name not an object", index.Document{Shadow: json.RawMessage(`{"name":[]}`)}},
		{"named shadow not an object", index.Document{Shadow: json.RawMessage(`{"name":{"a":1}}`)}},
		{"deviceDefender", index.Document{DeviceDefender: json.RawMessage(`[]`)}},
	}
	for _, tt := range tests {
		if _, err := NewFleet([]index.Document{tt.doc}, AllOn()); err == nil {
			t.Errorf("%s: NewFleet succeeded; want an error", tt.name)
		}
		if _, err := Match(&query.MatchAll{}, &tt.doc, AllOn()); err == nil {
			t.Errorf("%s: Match succeeded; want an error", tt.name)
		}
		// Unindexed sources are not decoded.
		if _, err := NewFleet([]index.Document{tt.doc}, Options{}); err != nil {
			t.Errorf("%s: NewFleet with nothing indexed: %v", tt.name, err)
		}
	}
	// Absent shadows in every spelling are fine.
	for _, raw := range []string{``, `null`, ` `, `"null"`} {
		d := index.Document{ThingName: "a", Shadow: json.RawMessage(raw)}
		ok, err := Match(exists("shadow.hasDelta"), &d, AllOn())
		if err != nil || ok {
			t.Errorf("Match(shadow.hasDelta:*, shadow %q) = %v, %v; want false, nil", raw, ok, err)
		}
	}
}

func TestEmptyFleet(t *testing.T) {
	f, err := NewFleet(nil, AllOn())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Search(&query.MatchAll{}); got == nil || len(got) != 0 {
		t.Errorf("Search(*) on an empty fleet = %#v; want []int{}", got)
	}
}
