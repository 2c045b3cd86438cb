package index

import (
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
)

// termDict maps the case-folded string terms of one field to the ids that
// hold them, and keeps a sorted view of the terms for prefix, wildcard and
// range scans.
//
// It is laid out for fleets of millions: thingId, thingName and serial
// numbers have one term per thing, so a term costs its bytes in an
// append-only arena, a 4-byte offset, a slot in an open-addressing hash
// table and an 8-byte posting; a roaring bitmap is allocated only once a
// second id holds the term.
//
// Writers hold the index's write lock. The sorted view is merged lazily by
// the first reader that needs it, under mu.
type termDict struct {
	arena   []byte   // folded terms, back to back; never rewritten
	offs    []uint32 // term i is arena[offs[i]:offs[i+1]]
	table   []uint32 // hash slots holding ordinal+1; 0 is empty
	post    []posting
	bitmaps []*roaring.Bitmap // postings with two or more ids
	freeBMs []uint32

	// origOf holds, for a term first seen with upper-case letters, the
	// index+1 of that spelling in orig (bucket keys show "A", not "a").
	origOf map[uint32]uint32
	orig   []string

	mu      sync.Mutex
	sorted  []uint32 // ordinals in term order
	pending []uint32 // ordinals not yet merged into sorted
}

// posting is the set of ids holding one term: one id inline, or a bitmap.
type posting struct {
	one uint32 // the id when bm == 0; noID when the term is held by none
	bm  uint32 // index+1 in termDict.bitmaps, or 0
}

const noID = ^uint32(0)

func newTermDict() *termDict {
	return &termDict{offs: []uint32{0}, table: make([]uint32, 16)}
}

// term returns the folded term of an ordinal. The string aliases the
// arena, whose bytes are never rewritten, so no copy is needed.
func (d *termDict) term(ord uint32) string {
	b := d.arena[d.offs[ord]:d.offs[ord+1]]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (d *termDict) len() int { return len(d.post) }

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// find returns the ordinal of a folded term, or the slot where it would go.
func (d *termDict) find(folded string) (ord uint32, slot int, ok bool) {
	mask := len(d.table) - 1
	for i := int(fnv(folded)) & mask; ; i = (i + 1) & mask {
		v := d.table[i]
		if v == 0 {
			return 0, i, false
		}
		if d.term(v-1) == folded {
			return v - 1, i, true
		}
	}
}

func (d *termDict) grow() {
	old := d.table
	d.table = make([]uint32, 2*len(old))
	mask := len(d.table) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := int(fnv(d.term(v-1))) & mask
		for d.table[i] != 0 {
			i = (i + 1) & mask
		}
		d.table[i] = v
	}
}

func (d *termDict) add(s string, id uint32) {
	folded := query.Fold(s)
	ord, slot, ok := d.find(folded)
	if !ok {
		if 4*(len(d.post)+1) > 3*len(d.table) {
			d.grow()
			_, slot, _ = d.find(folded)
		}
		ord = uint32(len(d.post))
		d.arena = append(d.arena, folded...)
		d.offs = append(d.offs, uint32(len(d.arena)))
		d.post = append(d.post, posting{one: noID})
		d.table[slot] = ord + 1
		if folded != s {
			if d.origOf == nil {
				d.origOf = map[uint32]uint32{}
			}
			d.orig = append(d.orig, s)
			d.origOf[ord] = uint32(len(d.orig))
		}
		d.pending = append(d.pending, ord)
	}
	d.addID(ord, id)
}

func (d *termDict) addID(ord, id uint32) {
	p := &d.post[ord]
	switch {
	case p.bm != 0:
		d.bitmaps[p.bm-1].Add(id)
	case p.one == noID:
		p.one = id
	case p.one != id:
		bm := roaring.BitmapOf(p.one, id)
		if n := len(d.freeBMs); n > 0 {
			p.bm = d.freeBMs[n-1]
			d.freeBMs = d.freeBMs[:n-1]
			d.bitmaps[p.bm-1] = bm
		} else {
			d.bitmaps = append(d.bitmaps, bm)
			p.bm = uint32(len(d.bitmaps))
		}
		p.one = noID
	}
}

func (d *termDict) remove(s string, id uint32) {
	ord, _, ok := d.find(query.Fold(s))
	if !ok {
		return
	}
	p := &d.post[ord]
	switch {
	case p.bm != 0:
		bm := d.bitmaps[p.bm-1]
		bm.Remove(id)
		if bm.GetCardinality() == 1 {
			p.one = bm.Minimum()
			d.bitmaps[p.bm-1] = nil
			d.freeBMs = append(d.freeBMs, p.bm)
			p.bm = 0
		}
	case p.one == id:
		p.one = noID
	}
}

// lookup returns the ordinal of a live term.
func (d *termDict) lookup(s string) (uint32, bool) {
	ord, _, ok := d.find(query.Fold(s))
	return ord, ok && d.live(ord)
}

// live reports whether any id holds the term.
func (d *termDict) live(ord uint32) bool {
	p := d.post[ord]
	return p.bm != 0 || p.one != noID
}

// bitmap returns the ids of a term as a bitmap the caller must not modify.
func (d *termDict) bitmap(ord uint32) *roaring.Bitmap {
	p := d.post[ord]
	switch {
	case p.bm != 0:
		return d.bitmaps[p.bm-1]
	case p.one != noID:
		return roaring.BitmapOf(p.one)
	}
	return roaring.New()
}

// andCardinality counts the ids of a term also in r.
func (d *termDict) andCardinality(ord uint32, r *roaring.Bitmap) uint64 {
	p := d.post[ord]
	switch {
	case p.bm != 0:
		return d.bitmaps[p.bm-1].AndCardinality(r)
	case p.one != noID && r.Contains(p.one):
		return 1
	}
	return 0
}

// orInto adds the ids of a term to dst.
func (d *termDict) orInto(ord uint32, dst *roaring.Bitmap) {
	p := d.post[ord]
	switch {
	case p.bm != 0:
		dst.Or(d.bitmaps[p.bm-1])
	case p.one != noID:
		dst.Add(p.one)
	}
}

// display is the spelling of a term for bucket keys and names.
func (d *termDict) display(ord uint32) string {
	if len(d.origOf) == 0 {
		return d.term(ord)
	}
	if i, ok := d.origOf[ord]; ok {
		return d.orig[i-1]
	}
	return d.term(ord)
}

// liveTerms counts the terms that still hold an id.
func (d *termDict) liveTerms() int {
	n := 0
	for ord := range d.post {
		if d.live(uint32(ord)) {
			n++
		}
	}
	return n
}

// sortedOrds returns the ordinals in term order, merging pending terms
// first. Safe for concurrent readers.
func (d *termDict) sortedOrds() []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) > 0 {
		cmp := func(a, b uint32) int { return strings.Compare(d.term(a), d.term(b)) }
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
		return strings.Compare(d.term(o), t)
	})
	for ; i < len(ords); i++ {
		o := ords[i]
		if d.live(o) && !fn(o, d.term(o)) {
			return
		}
	}
}

// bytes estimates the heap the dictionary holds.
func (d *termDict) bytes() uint64 {
	n := uint64(cap(d.arena) + 4*cap(d.offs) + 4*cap(d.table) + 8*cap(d.post) + 4*(cap(d.sorted)+cap(d.pending)))
	for _, bm := range d.bitmaps {
		if bm != nil {
			n += bm.GetSizeInBytes() + 64
		}
	}
	for _, s := range d.orig {
		n += uint64(16+len(s)) + 24 // string, and its origOf entry
	}
	return n
}
