package fleetgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/index/scan"
)

func TestDocDeterministic(t *testing.T) {
	spec := Spec{Seed: 42}
	docs := Docs(spec, 200)
	for i, d := range docs {
		if again := Doc(spec, i); !reflect.DeepEqual(again, d) {
			t.Fatalf("Doc(%v, %d) differs between calls:\n%+v\n%+v", spec, i, d, again)
		}
	}
	// Thing i does not depend on the fleet size or on the other things.
	if !reflect.DeepEqual(Doc(spec, 150), Docs(spec, 151)[150]) {
		t.Error("Doc(spec, 150) differs from Docs(spec, 151)[150]")
	}
	other := Docs(Spec{Seed: 43}, 200)
	same := 0
	for i := range docs {
		if reflect.DeepEqual(docs[i], other[i]) {
			same++
		}
	}
	if same != 0 {
		t.Errorf("seeds 42 and 43 give %d identical things out of 200", same)
	}
}

func TestDocJSONRoundTrip(t *testing.T) {
	for i, d := range Docs(Spec{Seed: 7}, 2000) {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(doc %d): %v", i, err)
		}
		var back index.Document
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(doc %d): %v", i, err)
		}
		if !reflect.DeepEqual(back, d) {
			t.Fatalf("doc %d does not survive JSON:\n%+v\n%+v", i, d, back)
		}
		if d.Shadow != nil && d.Shadow[0] != '{' {
			t.Fatalf("doc %d: shadow is not a JSON object: %s", i, d.Shadow)
		}
	}
}

func TestWriteJSONL(t *testing.T) {
	spec := Spec{Seed: 3}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, spec, 500); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var d index.Document
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if want := Doc(spec, i); !reflect.DeepEqual(d, want) {
			t.Fatalf("line %d = %+v; want %+v", i+1, d, want)
		}
	}
	if i != 500 {
		t.Errorf("WriteJSONL wrote %d lines; want 500", i)
	}
}

// TestFleetShape checks the promised shape and that the features the
// queries depend on actually occur, by asking the scan oracle.
func TestFleetShape(t *testing.T) {
	const n = 2000
	docs := Docs(Spec{Seed: 1}, n)
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	names := map[string]bool{}
	for i, d := range docs {
		if d.ThingName != fmt.Sprintf("sensor-%07d", i) || names[d.ThingName] {
			t.Errorf("doc %d: thingName %q", i, d.ThingName)
		}
		names[d.ThingName] = true
		if !uuidRE.MatchString(d.ThingID) {
			t.Errorf("doc %d: thingId %q is not UUID-shaped", i, d.ThingID)
		}
		if g := d.ThingGroupNames; len(g) < 1 || len(g) > 3 || (len(g) > 1 && g[0] == g[1]) {
			t.Errorf("doc %d: thingGroupNames %q", i, g)
		}
		if d.RegistryVersion < 1 || d.RegistryVersion > 5 {
			t.Errorf("doc %d: registryVersion %d", i, d.RegistryVersion)
		}
	}
	f, err := scan.NewFleet(docs, scan.AllOn())
	if err != nil {
		t.Fatal(err)
	}
	num := func(s string) *query.Bound { return &query.Bound{Value: s} }
	tests := []struct {
		what   string
		q      query.Node
		lo, hi int // expected count range
	}{
		{"connected", &query.Term{Field: "connectivity.connected", Value: "true"}, n * 80 / 100, n * 90 / 100},
		{"disconnect reason", &query.Exists{Field: "connectivity.disconnectReason"}, n * 10 / 100, n * 20 / 100},
		{"no type", &query.Not{X: &query.Exists{Field: "thingTypeName"}}, 1, n * 5 / 100},
		{"shadow", &query.Exists{Field: "shadow.hasDelta"}, n * 94 / 100, n - 1},
		{"hasDelta", &query.Term{Field: "shadow.hasDelta", Value: "true"}, n * 15 / 100, n * 35 / 100},
		{"explicit delta", &query.Exists{Field: "shadow.delta.firmware_version"}, n * 15 / 100, n * 35 / 100},
		{"named shadow", &query.Exists{Field: "shadow.name.config.reported.mode"}, n * 15 / 100, n * 25 / 100},
		{"named delta", &query.Term{Field: "shadow.name.config.hasDelta", Value: "true"}, 1, n * 10 / 100},
		// Leading-zero serials are text, and "0…" sorts below "1".
		{"numeric serial", &query.Range{Field: "attributes.serial", Lower: num("1"), IncludeLower: true}, n * 70 / 100, n * 90 / 100},
		{"leading-zero serial", &query.Wildcard{Field: "attributes.serial", Pattern: "0*"}, n * 10 / 100, n * 30 / 100},
		{"no tags", &query.Not{X: &query.Exists{Field: "shadow.reported.tags"}}, n * 20 / 100, n * 35 / 100},
		{"10.0.0 sorts first", &query.Range{Field: "shadow.reported.firmware_version",
			Upper: &query.Bound{Value: "2.0.3", Quoted: true}}, n * 5 / 100, n * 15 / 100},
		{"hot", &query.Range{Field: "shadow.reported.temperature", Lower: num("76"), IncludeLower: true}, 1, n * 10 / 100},
		{"region group", &query.And{Clauses: []query.Node{
			&query.Term{Field: "thingGroupNames", Value: "RegionEU"},
			&query.Not{X: &query.Wildcard{Field: "attributes.region", Pattern: "eu-*"}}}}, 0, 0},
	}
	for _, tt := range tests {
		if got := len(f.Search(tt.q)); got < tt.lo || got > tt.hi {
			t.Errorf("%s: %d of %d things; want %d..%d", tt.what, got, n, tt.lo, tt.hi)
		}
	}
}

func TestQueryDeterministic(t *testing.T) {
	a := NewQueryGen(rand.New(rand.NewPCG(1, 2)))
	b := NewQueryGen(rand.New(rand.NewPCG(1, 2)))
	c := NewQueryGen(rand.New(rand.NewPCG(1, 3)))
	differ := 0
	for i := range 200 {
		qa, qb, qc := a.Query(), b.Query(), c.Query()
		if !reflect.DeepEqual(qa, qb) {
			t.Fatalf("query %d differs for the same seed:\n%s\n%s", i, show(qa), show(qb))
		}
		if !reflect.DeepEqual(qa, qc) {
			differ++
		}
	}
	if differ < 150 {
		t.Errorf("only %d of 200 queries differ between seeds", differ)
	}
}

// TestQueryShape checks the generator's promises and that it covers every
// kind of node.
func TestQueryShape(t *testing.T) {
	g := NewQueryGen(rand.New(rand.NewPCG(5, 5)))
	seen := map[string]int{}
	for range 2000 {
		q := g.Query()
		depth, leaves := walk(t, q, seen)
		if depth > MaxQueryDepth || leaves > MaxQueryLeaves {
			t.Errorf("depth %d, %d leaves: %s", depth, leaves, show(q))
		}
	}
	for _, k := range []string{"Term", "bare Term", "numeric Term", "bool Term", "Wildcard", "bare Wildcard",
		"Exists", "numeric Range", "lexicographic Range", "open Range", "MatchAll", "Not", "And", "Or"} {
		if seen[k] == 0 {
			t.Errorf("no %s in 2000 queries", k)
		}
	}
}

// walk checks structural invariants and tallies node kinds.
func walk(t *testing.T, q query.Node, seen map[string]int) (depth, leaves int) {
	t.Helper()
	if q.Pos() != 0 {
		t.Errorf("At = %d; want 0", q.Pos())
	}
	clauses := func(kind string, cs []query.Node) (int, int) {
		seen[kind]++
		if len(cs) < 2 {
			t.Errorf("%s with %d clauses", kind, len(cs))
		}
		d, l := 0, 0
		for _, c := range cs {
			cd, cl := walk(t, c, seen)
			d, l = max(d, cd), l+cl
		}
		return d + 1, l
	}
	switch n := q.(type) {
	case *query.And:
		return clauses("And", n.Clauses)
	case *query.Or:
		return clauses("Or", n.Clauses)
	case *query.Not:
		seen["Not"]++
		d, l := walk(t, n.X, seen)
		return d + 1, l
	case *query.Term:
		seen["Term"]++
		if n.Field == "" {
			seen["bare Term"]++
		}
		if _, ok := query.ParseNumber(n.Value); ok {
			seen["numeric Term"]++
		}
		if v := strings.ToLower(n.Value); v == "true" || v == "false" {
			seen["bool Term"]++
		}
	case *query.Wildcard:
		seen["Wildcard"]++
		if n.Field == "" {
			seen["bare Wildcard"]++
		}
	case *query.Exists:
		seen["Exists"]++
	case *query.MatchAll:
		seen["MatchAll"]++
	case *query.Range:
		_, lo := numBound(n.Lower)
		_, hi := numBound(n.Upper)
		if lo && hi {
			seen["numeric Range"]++
		} else {
			seen["lexicographic Range"]++
		}
		if n.Lower == nil || n.Upper == nil {
			seen["open Range"]++
		}
	default:
		t.Errorf("unexpected node %T", q)
	}
	return 1, 1
}

func numBound(b *query.Bound) (float64, bool) {
	if b == nil {
		return 0, true
	}
	return query.ParseNumber(b.Value)
}

// TestQueriesNonTrivial checks that random queries discriminate: over a
// 2,000-thing fleet, many match neither nothing nor everything. It also
// holds Fleet.Search equal to per-document scan.Match.
func TestQueriesNonTrivial(t *testing.T) {
	const n = 2000
	docs := Docs(Spec{Seed: 9}, n)
	f, err := scan.NewFleet(docs, scan.AllOn())
	if err != nil {
		t.Fatal(err)
	}
	g := NewQueryGen(rand.New(rand.NewPCG(9, 9)))
	const queries = 300
	nontrivial := 0
	for i := range queries {
		q := g.Query()
		hits := f.Search(q)
		if len(hits) > 0 && len(hits) < n {
			nontrivial++
		}
		if i < 50 {
			in := map[int]bool{}
			for _, h := range hits {
				in[h] = true
			}
			for j := range docs {
				ok, err := scan.Match(q, &docs[j], scan.AllOn())
				if err != nil {
					t.Fatal(err)
				}
				if ok != in[j] {
					t.Fatalf("Match(%s, doc %d) = %v; Search disagrees", show(q), j, ok)
				}
			}
		}
	}
	if nontrivial < queries/3 {
		t.Errorf("%d of %d random queries are non-trivial; want at least %d", nontrivial, queries, queries/3)
	}
	t.Logf("%d of %d random queries are non-trivial", nontrivial, queries)
}

// show prints a query for failure messages without the query printer.
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
		b := func(b *query.Bound) string {
			if b == nil {
				return "*"
			}
			return fmt.Sprintf("%q", b.Value)
		}
		return fmt.Sprintf("%s:%v%s TO %s%v", n.Field, n.IncludeLower, b(n.Lower), b(n.Upper), n.IncludeUpper)
	case *query.Not:
		return "NOT " + show(n.X)
	case *query.And:
		return join(n.Clauses, " AND ")
	case *query.Or:
		return join(n.Clauses, " OR ")
	}
	return fmt.Sprintf("%T", q)
}

func join(cs []query.Node, op string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = show(c)
	}
	return "(" + strings.Join(parts, op) + ")"
}
