package index

import (
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
)

// posting is the set of ids holding one term. Most terms of high-cardinality
// fields (thingId, serial numbers) belong to a single thing, so that case is
// stored inline and a bitmap is allocated only from the second id on.
type posting struct {
	bm  *roaring.Bitmap // when n > 1
	one uint32          // the id when n == 1
	n   uint32
}

func (p *posting) add(id uint32) {
	switch {
	case p.n == 0:
		p.one, p.n = id, 1
	case p.n == 1:
		if p.one == id {
			return
		}
		p.bm = roaring.BitmapOf(p.one, id)
		p.n = 2
	default:
		if p.bm.CheckedAdd(id) {
			p.n++
		}
	}
}

func (p *posting) remove(id uint32) {
	switch {
	case p.n == 1:
		if p.one == id {
			p.n = 0
		}
	case p.n > 1:
		if p.bm.CheckedRemove(id) {
			p.n--
			if p.n == 1 {
				p.one, p.bm = p.bm.Minimum(), nil
			}
		}
	}
}

// bitmap returns the ids as a bitmap the caller must not modify.
func (p *posting) bitmap() *roaring.Bitmap {
	switch p.n {
	case 0:
		return roaring.New()
	case 1:
		return roaring.BitmapOf(p.one)
	}
	return p.bm
}

// andCardinality counts the ids also in r without materialising the result.
func (p *posting) andCardinality(r *roaring.Bitmap) uint64 {
	switch p.n {
	case 0:
		return 0
	case 1:
		if r.Contains(p.one) {
			return 1
		}
		return 0
	}
	return p.bm.AndCardinality(r)
}

// orInto adds the ids to dst.
func (p *posting) orInto(dst *roaring.Bitmap) {
	switch p.n {
	case 0:
	case 1:
		dst.Add(p.one)
	default:
		dst.Or(p.bm)
	}
}

// termDict maps the case-folded terms of one field to their postings and
// keeps a sorted view of the terms for prefix, wildcard and range scans.
// Writers hold the index's write lock; the sorted view is merged lazily by
// the first reader that needs it, under mu.
type termDict struct {
	ords  map[string]uint32
	terms []string // folded term by ordinal
	post  []posting
	// orig holds the first spelling seen when it differs from the folded
	// term, so bucket keys show "A" rather than "a".
	orig map[uint32]string

	mu      sync.Mutex
	sorted  []uint32 // ordinals in term order
	pending []uint32 // ordinals not yet merged into sorted
}

func newTermDict() *termDict {
	return &termDict{ords: map[string]uint32{}}
}

func (d *termDict) add(s string, id uint32) {
	folded := query.Fold(s)
	ord, ok := d.ords[folded]
	if !ok {
		ord = uint32(len(d.terms))
		d.ords[folded] = ord
		d.terms = append(d.terms, folded)
		d.post = append(d.post, posting{})
		if folded != s {
			if d.orig == nil {
				d.orig = map[uint32]string{}
			}
			d.orig[ord] = s
		}
		d.pending = append(d.pending, ord)
	}
	d.post[ord].add(id)
}

func (d *termDict) remove(s string, id uint32) {
	if ord, ok := d.ords[query.Fold(s)]; ok {
		d.post[ord].remove(id)
	}
}

// lookup returns the posting of a term, or nil.
func (d *termDict) lookup(s string) *posting {
	if ord, ok := d.ords[query.Fold(s)]; ok && d.post[ord].n > 0 {
		return &d.post[ord]
	}
	return nil
}

// display is the spelling of a term for bucket keys.
func (d *termDict) display(ord uint32) string {
	if s, ok := d.orig[ord]; ok {
		return s
	}
	return d.terms[ord]
}

// sortedOrds returns the ordinals in term order, merging pending terms
// first. Safe for concurrent readers.
func (d *termDict) sortedOrds() []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) > 0 {
		cmp := func(a, b uint32) int { return strings.Compare(d.terms[a], d.terms[b]) }
		slices.SortFunc(d.pending, cmp)
		merged := make([]uint32, 0, len(d.sorted)+len(d.pending))
		i, j := 0, 0
		for i < len(d.sorted) && j < len(d.pending) {
			if cmp(d.sorted[i], d.pending[j]) <= 0 {
				merged = append(merged, d.sorted[i])
				i++
			} else {
				merged = append(merged, d.pending[j])
				j++
			}
		}
		merged = append(merged, d.sorted[i:]...)
		merged = append(merged, d.pending[j:]...)
		d.sorted, d.pending = merged, d.pending[:0]
	}
	return d.sorted
}

// scanFrom calls fn for each live term ≥ from (folded) in term order until
// fn returns false.
func (d *termDict) scanFrom(from string, fn func(ord uint32, term string) bool) {
	ords := d.sortedOrds()
	i, _ := slices.BinarySearchFunc(ords, from, func(o uint32, t string) int {
		return strings.Compare(d.terms[o], t)
	})
	for ; i < len(ords); i++ {
		o := ords[i]
		if d.post[o].n == 0 {
			continue
		}
		if !fn(o, d.terms[o]) {
			return
		}
	}
}

// liveTerms counts the terms that still hold an id.
func (d *termDict) liveTerms() int {
	n := 0
	for i := range d.post {
		if d.post[i].n > 0 {
			n++
		}
	}
	return n
}
