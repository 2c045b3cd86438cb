package registry

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// UUID is a generated resource id: a version-4-shaped UUID whose bits come
// from a PCG stream seeded with (Options.Seed, n), n counting the ids
// generated so far. The same seed and the same sequence of successful
// creations give the same ids.
type UUID [16]byte

func newUUID(seed, n uint64) UUID {
	p := rand.NewPCG(seed, n)
	var u UUID
	binary.BigEndian.PutUint64(u[:8], p.Uint64())
	binary.BigEndian.PutUint64(u[8:], p.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// String returns the id as AWS prints it (8-4-4-4-12 lowercase hex). It
// allocates: keep the UUID and format it when the text is needed.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// ParseUUID reads the text String writes.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("malformed id %q", s)
	}
	compact := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(compact)); err != nil {
		return u, fmt.Errorf("malformed id %q", s)
	}
	return u, nil
}

// idHeap is a min-heap of free dense ids: the lowest free id is reused
// first, which keeps ids compact for the index's bitmaps and makes the
// allocation order a function of the set of ids in use (so a restored
// registry allocates exactly as the original would).
type idHeap []uint32

func (h *idHeap) push(x uint32) {
	*h = append(*h, x)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *idHeap) pop() (uint32, bool) {
	a := *h
	if len(a) == 0 {
		return 0, false
	}
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l] < a[m] {
			m = l
		}
		if l+1 < n && a[l+1] < a[m] {
			m = l + 1
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top, true
}

// allocDense gives t the lowest free dense id and stores it in the slab;
// it returns the stored thing.
func (r *Registry) allocDense(t thing) *thing {
	if id, ok := r.free.pop(); ok {
		t.dense = id
	} else {
		t.dense = r.slab.bound
	}
	return r.slab.put(t)
}

// freeDense frees t's dense id and its slot: t reads as a zero thing
// afterwards.
func (r *Registry) freeDense(t *thing) {
	id := t.dense
	r.slab.clear(id)
	r.free.push(id)
}

// ThingID returns the dense id of the thing called name. Dense ids are
// assigned at creation, lowest free id first, and freed at deletion; they
// index the fleet index's bitmaps and columns.
func (r *Registry) ThingID(name string) (uint32, bool) {
	t, ok := r.things[name]
	if !ok {
		return 0, false
	}
	return t.dense, true
}

// ThingName returns the name of the thing holding dense id id.
func (r *Registry) ThingName(id uint32) (string, bool) {
	t := r.slab.at(id)
	if t == nil {
		return "", false
	}
	return t.name, true
}

// ThingIDBound returns a bound on dense ids: every live id is below it
// (sizing hint for arrays indexed by dense id).
func (r *Registry) ThingIDBound() uint32 { return r.slab.bound }

// ThingCount returns the number of things.
func (r *Registry) ThingCount() int { return len(r.things) }
