package registry

import "slices"

// shareTable keeps one copy of equal values seen recently, so that things
// with the same attribute value or the same thing groups point at one
// string or one slice instead of a copy each: at a million things every
// live object costs the garbage collector a visit per cycle.
//
// It is a direct-mapped cache. A value goes to the slot its hash picks and
// displaces whatever was there: memory stays bounded whatever the fleet
// holds, and a value common across the fleet is shared again as soon as it
// comes back after a rare one displaced it. Sharing is an optimisation
// only: every method returns a value equal to its argument.
//
// Values are kept as given, not copied: the thing that holds a value pins
// the same memory anyway.
type shareTable struct {
	strs  []string   // allocated on first use
	lists [][]string // allocated on first use
}

const (
	shareStrSlots  = 4096 // powers of two
	shareListSlots = 1024
	// maxSharedLen bounds the strings worth sharing: long values are
	// rarely repeated, and would make the table pin much memory.
	maxSharedLen = 64
)

func (t *shareTable) init() {
	if t.strs == nil {
		t.strs = make([]string, shareStrSlots)
		t.lists = make([][]string, shareListSlots)
	}
}

// str returns s, or an equal string seen before.
func (t *shareTable) str(s string) string {
	if s == "" || len(s) > maxSharedLen {
		return s
	}
	t.init()
	slot := &t.strs[fnv1a(fnvOffset, s)&(shareStrSlots-1)]
	if *slot == s {
		return *slot
	}
	*slot = s
	return s
}

// names returns l, or an equal list seen before. l and the result must
// never be modified: the registry replaces a thing's group list, never
// changes it, and the lists it returns are read-only.
func (t *shareTable) names(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	t.init()
	h := uint32(fnvOffset)
	for _, n := range l {
		h = fnv1a(h, n)
		h = fnv1a(h, "\x00") // names hold no NUL: the boundaries are unambiguous
	}
	slot := &t.lists[h&(shareListSlots-1)]
	if slices.Equal(*slot, l) {
		return *slot
	}
	*slot = l
	return l
}

// fnv1a continues the 32-bit FNV-1a hash h over s. A fixed hash keeps the
// registry free of randomness; a crafted collision only costs sharing.
func fnv1a(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

const fnvOffset = 2166136261
