package index_test

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
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

// TestPutChangeRecyclesOnlyAppliedStorage feeds changes whose storage comes
// from one pool to a write-behind index and to a synchronous one, and
// compares both with an index given plain flats. Storage handed back
// before its change was applied would be overwritten by the next change
// and the indexes would part.
func TestPutChangeRecyclesOnlyAppliedStorage(t *testing.T) {
	const things = 600
	cfg := index.AllOn()
	cfg.CustomFields = []index.Field{{Name: "shadow.reported.temperature", Type: index.TypeNumber}}
	settings := index.DefaultSettings()
	direct := index.New(cfg, settings)
	synchronous := index.New(cfg, settings)
	settings.WriteBehind = true
	behind := index.New(cfg, settings)
	defer behind.Close()

	var pool index.ChangePool
	var b index.FlatBuilder
	change := func(old, new index.Flat) index.Change {
		for _, f := range old {
			for _, v := range f.Values {
				b.Add(f.Field, v)
			}
		}
		mark := b.Mark()
		for _, f := range new {
			for _, v := range f.Values {
				b.Add(f.Field, v)
			}
		}
		return b.FinishChange(mark, &pool)
	}
	docs := fleetgen.Docs(fleetgen.Spec{Seed: 21}, things)
	flats := make([]index.Flat, things)
	for i := range docs {
		flats[i], _ = index.Flatten(&docs[i], cfg)
		for _, ix := range []*index.Index{direct, synchronous, behind} {
			ix.Put(uint32(i), nil, flats[i])
		}
	}
	r := rand.New(rand.NewPCG(21, 21))
	gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(22, 22)))
	other := fleetgen.Spec{Seed: 23}
	for step := range 8 * things {
		i := r.IntN(things)
		d := fleetgen.Doc(other, r.IntN(1_000_000))
		d.ThingName = docs[i].ThingName
		f, _ := index.Flatten(&d, cfg)
		direct.Put(uint32(i), flats[i], f)
		if ch := change(flats[i], f); ch.Old != nil {
			behind.PutChange(uint32(i), ch)
		}
		if ch := change(flats[i], f); ch.Old != nil {
			synchronous.PutChange(uint32(i), ch)
		}
		flats[i] = f
		if r.IntN(50) == 0 || step == 8*things-1 {
			q := gen.Query()
			want := direct.Bitmap(q).ToArray()
			for name, ix := range map[string]*index.Index{"write-behind": behind, "synchronous": synchronous} {
				if got := ix.Bitmap(q).ToArray(); !slices.Equal(got, want) {
					t.Fatalf("step %d, query %s: %s index selects %d things, want %d", step, query.String(q), name, len(got), len(want))
				}
			}
		}
	}
}

// flatChange is a ChangeBuilder of two flats, counting its builds.
type flatChange struct {
	old, new index.Flat
	builds   *atomic.Int64
}

func (c flatChange) BuildChange(b *index.FlatBuilder, pool *index.ChangePool) index.Change {
	c.builds.Add(1)
	for _, f := range c.old {
		for _, v := range f.Values {
			b.Add(f.Field, v)
		}
	}
	mark := b.Mark()
	for _, f := range c.new {
		for _, v := range f.Values {
			b.Add(f.Field, v)
		}
	}
	return b.FinishChange(mark, pool)
}

// TestPutBuiltEqualsPut: changes the index builds itself, on its
// write-behind goroutine or synchronously, interleaved with plain puts and
// deletes of the same things, index them as Put does; each is built once.
func TestPutBuiltEqualsPut(t *testing.T) {
	const things = 500
	cfg := index.AllOn()
	settings := index.DefaultSettings()
	direct := index.New(cfg, settings)
	synchronous := index.New(cfg, settings)
	settings.WriteBehind = true
	behind := index.New(cfg, settings)
	defer behind.Close()
	all := []*index.Index{direct, synchronous, behind}

	var builds atomic.Int64
	docs := fleetgen.Docs(fleetgen.Spec{Seed: 31}, things)
	flats := make([]index.Flat, things)
	live := make([]bool, things)
	r := rand.New(rand.NewPCG(31, 31))
	gen := fleetgen.NewQueryGen(rand.New(rand.NewPCG(32, 32)))
	other := fleetgen.Spec{Seed: 33}
	puts := 0
	for step := range 8 * things {
		i := r.IntN(things)
		switch {
		case !live[i]:
			f, _ := index.Flatten(&docs[i], cfg)
			for _, ix := range all {
				ix.Put(uint32(i), nil, f)
			}
			flats[i], live[i] = f, true
		case r.IntN(8) == 0:
			for _, ix := range all {
				ix.Delete(uint32(i), flats[i])
			}
			live[i] = false
		default:
			d := fleetgen.Doc(other, r.IntN(1_000_000))
			d.ThingName = docs[i].ThingName
			f, _ := index.Flatten(&d, cfg)
			direct.Put(uint32(i), flats[i], f)
			synchronous.PutBuilt(uint32(i), flatChange{flats[i], f, &builds})
			behind.PutBuilt(uint32(i), flatChange{flats[i], f, &builds})
			flats[i] = f
			puts++
		}
		if r.IntN(60) == 0 || step == 8*things-1 {
			q := gen.Query()
			want := direct.Bitmap(q).ToArray()
			for name, ix := range map[string]*index.Index{"write-behind": behind, "synchronous": synchronous} {
				if got := ix.Bitmap(q).ToArray(); !slices.Equal(got, want) {
					t.Fatalf("step %d, query %s: %s index selects %d things, want %d", step, query.String(q), name, len(got), len(want))
				}
			}
		}
	}
	if got := builds.Load(); got != int64(2*puts) {
		t.Fatalf("%d builds for %d changes to each of two indexes", got, puts)
	}
}
