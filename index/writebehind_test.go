package index_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
	"github.com/fleetlab/fleetlab/index/query"
)

// TestWriteBehindReadsEveryEarlierWrite drives an index with write-behind
// and a synchronous one through the same puts and deletes, reading both
// between writes: every read of the first must equal the second's, before
// and after Close.
func TestWriteBehindReadsEveryEarlierWrite(t *testing.T) {
	const things = 800
	cfg := index.AllOn()
	cfg.CustomFields = []index.Field{{Name: "shadow.reported.temperature", Type: index.TypeNumber}}
	settings := index.DefaultSettings()
	direct := index.New(cfg, settings)
	settings.WriteBehind = true
	behind := index.New(cfg, settings)
	defer behind.Close()

	docs := fleetgen.Docs(fleetgen.Spec{Seed: 11}, things)
	flats := make([]index.Flat, things)
	live := make([]bool, things)
	r := rand.New(rand.NewPCG(11, 11))
	gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(12, 12)))
	other := fleetgen.Spec{Seed: 13}
	compare := func(step int) {
		t.Helper()
		q := gen.Query()
		if got, want := behind.Bitmap(q).ToArray(), direct.Bitmap(q).ToArray(); !slices.Equal(got, want) {
			t.Fatalf("step %d, query %s: write-behind selects %d things, synchronous %d", step, query.String(q), len(got), len(want))
		}
		if got, want := behind.Len(), direct.Len(); got != want {
			t.Fatalf("step %d: Len %d, want %d", step, got, want)
		}
	}
	write := func(i int) {
		switch {
		case !live[i]:
			f, _ := index.Flatten(&docs[i], cfg)
			direct.Put(uint32(i), nil, f)
			behind.Put(uint32(i), nil, f)
			flats[i], live[i] = f, true
		case r.IntN(5) == 0:
			direct.Delete(uint32(i), flats[i])
			behind.Delete(uint32(i), flats[i])
			live[i] = false
		default:
			d := fleetgen.Doc(other, r.IntN(1_000_000))
			d.ThingName = docs[i].ThingName
			f, _ := index.Flatten(&d, cfg)
			direct.Put(uint32(i), flats[i], f)
			behind.Put(uint32(i), flats[i], f)
			flats[i] = f
		}
	}
	for step := range 6 * things {
		write(r.IntN(things))
		if r.IntN(40) == 0 {
			compare(step)
		}
	}
	compare(-1)
	behind.Close()
	for step := range 200 { // synchronous from here on
		write(r.IntN(things))
		if step%20 == 0 {
			compare(step)
		}
	}
}
