package registry

import "unsafe"

// thingSlab stores the things by dense id, in fixed-size chunks: one heap
// object per chunk of things instead of one per thing, since every live
// object costs the garbage collector a visit per cycle. A thing never
// moves once stored (chunks are not reallocated as the slab grows), so the
// *thing in Registry.things and those held during an operation stay
// valid. A slot whose name is empty is free (thing names never are).
type thingSlab struct {
	chunks []*[slabChunk]thing // nil until a thing is stored in it
	bound  uint32              // every stored id is below it
}

// slabChunk is as many things as fit in 32 KiB, the largest size class of
// small objects: a chunk wastes no more than one thing's worth of memory.
const slabChunk = uint32(32 << 10 / unsafe.Sizeof(thing{}))

// at returns the thing with dense id id, nil when there is none.
func (s *thingSlab) at(id uint32) *thing {
	if id >= s.bound || s.chunks[id/slabChunk] == nil {
		return nil
	}
	t := &s.chunks[id/slabChunk][id%slabChunk]
	if t.name == "" {
		return nil
	}
	return t
}

// put stores t in the slot of its dense id, which must be free, and
// returns the stored thing.
func (s *thingSlab) put(t thing) *thing {
	c := int(t.dense / slabChunk)
	if c >= len(s.chunks) {
		s.chunks = append(s.chunks, make([]*[slabChunk]thing, c+1-len(s.chunks))...)
	}
	if s.chunks[c] == nil {
		s.chunks[c] = new([slabChunk]thing)
	}
	s.bound = max(s.bound, t.dense+1)
	p := &s.chunks[c][t.dense%slabChunk]
	*p = t
	return p
}

// clear frees the slot of dense id id, dropping what the thing held.
func (s *thingSlab) clear(id uint32) {
	if s.at(id) != nil {
		s.chunks[id/slabChunk][id%slabChunk] = thing{}
	}
}
