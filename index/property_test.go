package index_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/index/scan"
)

// TestIndexAgreesWithScan is the property test of the index: over random
// fleets and random queries, the bitmap evaluator, the single-document
// evaluator and the naive scan (an independent implementation) select the
// same things; Count agrees with the bitmap, and the printed query parses
// back to one that selects them too.
func TestIndexAgreesWithScan(t *testing.T) {
	const things = 2000
	queries := 250
	if testing.Short() {
		queries = 60
	}
	for _, seed := range []uint64{1, 2} {
		docs := fleetgen.Docs(fleetgen.Spec{Seed: seed}, things)
		cfg := index.AllOn()
		ix := index.New(cfg, index.DefaultSettings())
		flats := make([]index.Flat, things)
		for i := range docs {
			f, err := index.Flatten(&docs[i], cfg)
			if err != nil {
				t.Fatal(err)
			}
			flats[i] = f
			ix.Put(uint32(i), nil, f)
		}
		oracle, err := scan.NewFleet(docs, scan.AllOn())
		if err != nil {
			t.Fatal(err)
		}
		gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(seed, 7)))
		for range queries {
			q := gen.Query()
			checkQuery(t, ix, oracle, flats, q)
			checkPages(t, ix, q, oracle.Search(q))
			reparsed, err := query.ParseWithLimits(query.String(q), query.Limits{})
			if err != nil {
				t.Fatalf("Parse(String(%s)): %v", query.String(q), err)
			}
			checkQuery(t, ix, oracle, flats, reparsed)
		}
	}
}

func checkQuery(t *testing.T, ix *index.Index, oracle *scan.Fleet, flats []index.Flat, q query.Node) {
	t.Helper()
	want := oracle.Search(q)
	got := ids(ix.Bitmap(q).ToArray())
	if !slices.Equal(got, want) {
		t.Fatalf("query %s: index selects %d things, scan %d; first difference at %v", query.String(q), len(got), len(want), firstDiff(got, want))
	}
	if c := ix.Count(q); c != uint64(len(want)) {
		t.Fatalf("query %s: Count = %d, want %d", query.String(q), c, len(want))
	}
	var single []int
	for i, f := range flats {
		if ix.Match(q, f) {
			single = append(single, i)
		}
	}
	if !slices.Equal(nonNil(single), want) {
		t.Fatalf("query %s: Match selects %d things, scan %d; first difference at %v", query.String(q), len(single), len(want), firstDiff(single, want))
	}
}

func ids(a []uint32) []int {
	out := make([]int, len(a))
	for i, x := range a {
		out[i] = int(x)
	}
	return out
}

func nonNil(a []int) []int {
	if a == nil {
		return []int{}
	}
	return a
}

func firstDiff(a, b []int) any {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return [2]int{a[i], b[i]}
		}
	}
	return "length"
}

// TestIncrementalUpdates replaces, deletes and re-adds documents in place
// and checks the index against the scan of the final documents, so the diff
// path of Put and Delete leaves no stale postings behind.
func TestIncrementalUpdates(t *testing.T) {
	const things = 1500
	cfg := index.AllOn()
	ix := index.New(cfg, index.DefaultSettings())
	docs := fleetgen.Docs(fleetgen.Spec{Seed: 3}, things)
	flats := make([]index.Flat, things)
	live := make([]bool, things)
	flatten := func(d *index.Document) index.Flat {
		f, err := index.Flatten(d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for i := range docs {
		flats[i] = flatten(&docs[i])
		ix.Put(uint32(i), nil, flats[i])
		live[i] = true
	}
	r := rand.New(rand.NewPCG(3, 3))
	other := fleetgen.Spec{Seed: 4}
	for range 4 * things {
		i := r.IntN(things)
		switch op := r.IntN(10); {
		case op < 6 && live[i]: // a shadow or registry change: take another fleet's thing, keep the name
			d := fleetgen.Doc(other, r.IntN(1_000_000))
			d.ThingName = docs[i].ThingName
			nf := flatten(&d)
			ix.Put(uint32(i), flats[i], nf)
			docs[i], flats[i] = d, nf
		case op < 8 && live[i]:
			ix.Delete(uint32(i), flats[i])
			live[i] = false
		case !live[i]:
			ix.Put(uint32(i), nil, flats[i])
			live[i] = true
		}
	}
	var finalDocs []index.Document
	var idOf []int
	for i := range docs {
		if live[i] {
			finalDocs = append(finalDocs, docs[i])
			idOf = append(idOf, i)
		}
	}
	oracle, err := scan.NewFleet(finalDocs, scan.AllOn())
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Len(); got != len(finalDocs) {
		t.Fatalf("Len = %d, want %d", got, len(finalDocs))
	}
	gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(5, 5)))
	for range 300 {
		q := gen.Query()
		var want []int
		for _, pos := range oracle.Search(q) {
			want = append(want, idOf[pos])
		}
		got := ids(ix.Bitmap(q).ToArray())
		if !slices.Equal(got, nonNil(want)) {
			t.Fatalf("after updates, query %s: index selects %d things, scan %d; first difference at %v",
				query.String(q), len(got), len(want), firstDiff(got, nonNil(want)))
		}
	}
}

// checkPages pages through the results (both page strategies: a dense
// result walks the name dictionary, a sparse one keeps a heap) and compares
// them with the scan's things in thingName order.
func checkPages(t *testing.T, ix *index.Index, q query.Node, want []int) {
	t.Helper()
	var wantNames []string
	for _, i := range want {
		wantNames = append(wantNames, ix.Name(uint32(i)))
	}
	slices.Sort(wantNames)
	var got []string
	token := ""
	for pages := 0; pages <= len(want)/97+1; pages++ {
		p, err := ix.Search(q, 97, token)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Names...)
		if token = p.NextToken; token == "" {
			break
		}
	}
	if token != "" || !slices.Equal(got, wantNames) {
		t.Fatalf("query %s: paged %d names (last token %q), want %d", query.String(q), len(got), token, len(wantNames))
	}
}
