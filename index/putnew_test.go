package index_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
	"github.com/fleetlab/fleetlab/index/query"
)

// TestPutNewEqualsPut: the parallel bulk load answers every query as
// documents put one by one do.
func TestPutNewEqualsPut(t *testing.T) {
	cfg := index.AllOn()
	one := index.New(cfg, index.DefaultSettings())
	bulk := index.New(cfg, index.DefaultSettings())
	var items []index.Item
	for i, d := range fleetgen.Docs(fleetgen.Spec{Seed: 5}, 3000) {
		f, err := index.Flatten(&d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		one.Put(uint32(i), nil, f)
		items = append(items, index.Item{ID: uint32(i), Flat: f})
	}
	bulk.PutNew(items[:1000])
	bulk.PutNew(items[1000:])
	gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(5, 5)))
	for range 300 {
		q := gen.Query()
		if a, b := one.Bitmap(q).ToArray(), bulk.Bitmap(q).ToArray(); !slices.Equal(a, b) {
			t.Fatalf("%s: Put gives %d things, PutNew %d", query.String(q), len(a), len(b))
		}
		pa, _ := one.Search(q, 50, "")
		pb, _ := bulk.Search(q, 50, "")
		if !slices.Equal(pa.Names, pb.Names) {
			t.Fatalf("%s: pages differ", query.String(q))
		}
	}
}
