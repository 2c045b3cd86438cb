package registry

import (
	"slices"
)

// sortedView is a lazily sorted list of the keys of some set. Adding a name
// above the current last one appends (things are usually created in name
// order); any other change drops the view, which the next list rebuilds.
type sortedView struct {
	names []string
	valid bool
}

func (v *sortedView) added(n string) {
	if !v.valid {
		return
	}
	if len(v.names) == 0 || v.names[len(v.names)-1] < n {
		v.names = append(v.names, n)
		return
	}
	v.names, v.valid = nil, false
}

func (v *sortedView) removed(n string) {
	if !v.valid {
		return
	}
	if k := len(v.names); k > 0 && v.names[k-1] == n {
		v.names = v.names[:k-1]
		return
	}
	v.names, v.valid = nil, false
}

// list returns the sorted names, rebuilding them from keys when needed. The
// result is shared: callers must not modify it.
func (v *sortedView) list(size int, keys func(yield func(string))) []string {
	if !v.valid {
		v.names = make([]string, 0, size)
		keys(func(n string) { v.names = append(v.names, n) })
		slices.Sort(v.names)
		v.valid = true
	}
	return v.names
}

// nameSet is a set of names with a sorted view, for group members and the
// things of a thing type.
type nameSet struct {
	m    map[string]struct{}
	view sortedView
}

func (s *nameSet) add(n string) bool {
	if s.m == nil {
		s.m = make(map[string]struct{})
		s.view.valid = true
	}
	if _, dup := s.m[n]; dup {
		return false
	}
	s.m[n] = struct{}{}
	s.view.added(n)
	return true
}

func (s *nameSet) remove(n string) bool {
	if _, ok := s.m[n]; !ok {
		return false
	}
	delete(s.m, n)
	s.view.removed(n)
	return true
}

func (s *nameSet) has(n string) bool {
	_, ok := s.m[n]
	return ok
}

func (s *nameSet) len() int { return len(s.m) }

// sorted returns the members in name order (shared; do not modify).
func (s *nameSet) sorted() []string {
	return s.view.list(len(s.m), func(yield func(string)) {
		for n := range s.m {
			yield(n)
		}
	})
}

// sortedThings returns every thing name in order (shared; do not modify).
func (r *Registry) sortedThings() []string {
	return r.thingOrder.list(len(r.things), func(yield func(string)) {
		for n := range r.things {
			yield(n)
		}
	})
}

// withName returns the sorted slice a with s added, a itself when s is
// there already. A new slice is made, a left as it was: thing group lists
// are shared between things and views.
func withName(a []string, s string) []string {
	i, found := slices.BinarySearch(a, s)
	if found {
		return a
	}
	out := make([]string, 0, len(a)+1)
	out = append(out, a[:i]...)
	out = append(out, s)
	return append(out, a[i:]...)
}

// withoutName returns the sorted slice a with s removed (nil when none
// is left), a itself when s is not there. A new slice is made, a left as
// it was.
func withoutName(a []string, s string) []string {
	i, found := slices.BinarySearch(a, s)
	if !found {
		return a
	}
	if len(a) == 1 {
		return nil
	}
	out := make([]string, 0, len(a)-1)
	out = append(out, a[:i]...)
	return append(out, a[i+1:]...)
}
