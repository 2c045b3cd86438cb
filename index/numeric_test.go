package index

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/fleetlab/fleetlab/index/query"
)

// TestVersionsKeepNoBins: a version field, which no query reads, keeps its
// values for results and aggregations but builds no bins; a searchable
// numeric field with the same values does, and both aggregate alike.
func TestVersionsKeepNoBins(t *testing.T) {
	settings := DefaultSettings()
	settings.AggregateUndeclared = true // shadow.reported.v is no custom field
	ix := New(AllOn(), settings)
	r := rand.New(rand.NewPCG(1, 2))
	old := make([]Flat, 5000)
	for round := range 4 {
		for id := range uint32(len(old)) {
			v := float64(r.IntN(50) + round)
			var b FlatBuilder
			b.Add("thingName", StringValue(fmt.Sprint("t", id)))
			b.Add("shadow.version", NumberValue(v))
			b.Add("shadow.reported.v", NumberValue(v))
			f := b.Finish()
			ix.Put(id, old[id], f)
			old[id] = f
		}
	}
	version, plain := ix.fields["shadow.version"].nums, ix.fields["shadow.reported.v"].nums
	if !version.columnOnly || len(version.bins) != 1 || !version.bins[0].ids.IsEmpty() {
		t.Errorf("shadow.version: columnOnly %v, %d bins, first holds %d; want no bins", version.columnOnly, len(version.bins), version.bins[0].ids.GetCardinality())
	}
	if plain.columnOnly || len(plain.bins) < 2 {
		t.Errorf("shadow.reported.v: columnOnly %v, %d bins; want binned", plain.columnOnly, len(plain.bins))
	}
	all := query.Node(&query.Exists{Field: "thingName"})
	got, err := ix.Statistics(all, "shadow.version")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ix.Statistics(all, "shadow.reported.v")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || got.Count != int64(len(old)) {
		t.Errorf("statistics of shadow.version: average %v, count %d; of the same values searchable: %v, %d", *got.Average, got.Count, *want.Average, want.Count)
	}
	if n := ix.Count(&query.Range{Field: "shadow.version", Lower: &query.Bound{Value: "0"}}); n != 0 {
		t.Errorf("a range on shadow.version matches %d things; versions are not searchable", n)
	}
}
