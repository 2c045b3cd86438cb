package index

import "sync"

// Change is a document's changed fields, before (Old) and after (New), as
// FlatBuilder.FinishChange makes them. Its storage may come from a
// ChangePool; Index.PutChange hands it back once the change is applied.
type Change struct {
	Old, New Flat
	storage  *changeStorage // nil when not drawn from a pool
}

// ChangeBuilder builds a document's Change for Index.PutBuilt, which calls
// BuildChange once, when it applies the write (with write-behind, on its
// own goroutine), with a builder and a pool of the index's own: a writer
// thus hands the index the building of a change as well as its postings.
// The ChangeBuilder must read only what no one changes meanwhile, and may
// recycle itself once BuildChange returns.
type ChangeBuilder interface {
	BuildChange(b *FlatBuilder, pool *ChangePool) Change
}

// ChangePool recycles the storage of Changes. A simulation applies millions
// of shadow updates whose two flats (about 450 bytes for a temperature,
// its timestamp and the version) are garbage as soon as the index has
// applied them; recycling them spares the collector that churn. Safe for
// concurrent use: an index writing behind hands storage back on its own
// goroutine. The zero value is ready.
type ChangePool struct{ free sync.Pool }

// changeStorage is one Change's values and fields, and the pool it goes
// back to.
type changeStorage struct {
	values []Value
	fields Flat
	pool   *ChangePool
}

// get returns storage with room for nValues values and nFields fields.
func (p *ChangePool) get(nValues, nFields int) *changeStorage {
	st, _ := p.free.Get().(*changeStorage)
	if st == nil {
		st = &changeStorage{pool: p}
	}
	if cap(st.values) < nValues {
		st.values = make([]Value, 0, max(nValues, 8))
	}
	if cap(st.fields) < nFields {
		st.fields = make(Flat, 0, max(nFields, 8))
	}
	return st
}

// release hands the storage back to its pool; the Change it held must no
// longer be read.
func (st *changeStorage) release() {
	if st == nil {
		return
	}
	st.pool.free.Put(st)
}
