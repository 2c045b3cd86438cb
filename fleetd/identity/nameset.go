package identity

import (
	"iter"
	"slices"
)

// nameSet is a sorted set of non-empty strings (policy names, thing names,
// target keys) that holds a single element in place and spills to a
// slice only for two or more. The attachment maps keep one per
// certificate, principal and thing, and nearly all of them hold exactly
// one name (a device's certificate has one policy and one thing): as a
// map value of 40 bytes, stored in the map itself, that one name costs no
// heap object of its own, where a []string of one costs one per list.
//
// A nameSet is a value: change a copy with insert or remove and store it
// back. The order is given by the cmp of each call, and must be the same
// for every call on one set.
type nameSet struct {
	one  string   // the element when there is exactly one; "" otherwise
	many []string // the elements, sorted, when there are two or more
}

// nameSetOf returns the set of a sorted list of non-empty strings without
// duplicates, keeping the list itself when it has two or more.
func nameSetOf(sorted []string) nameSet {
	switch len(sorted) {
	case 0:
		return nameSet{}
	case 1:
		return nameSet{one: sorted[0]}
	}
	return nameSet{many: sorted}
}

// len returns the number of elements.
func (l nameSet) len() int {
	if l.many != nil {
		return len(l.many)
	}
	if l.one != "" {
		return 1
	}
	return 0
}

// at returns the i-th element in order.
func (l nameSet) at(i int) string {
	if l.many != nil {
		return l.many[i]
	}
	if i != 0 || l.one == "" {
		panic("identity: nameSet index out of range")
	}
	return l.one
}

// all yields the elements in order.
func (l nameSet) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		if l.many == nil {
			if l.one != "" {
				yield(l.one)
			}
			return
		}
		for _, v := range l.many {
			if !yield(v) {
				return
			}
		}
	}
}

// appendTo appends the elements, in order, to dst: the copy callers take
// before changing the set while walking it.
func (l nameSet) appendTo(dst []string) []string {
	if l.many != nil {
		return append(dst, l.many...)
	}
	if l.one != "" {
		return append(dst, l.one)
	}
	return dst
}

// slice returns the elements in a new slice, nil when there are none.
func (l nameSet) slice() []string {
	if l.len() == 0 {
		return nil
	}
	return l.appendTo(make([]string, 0, l.len()))
}

// contains reports whether v is an element.
func (l nameSet) contains(v string, cmp func(a, b string) int) bool {
	if l.many != nil {
		_, found := slices.BinarySearchFunc(l.many, v, cmp)
		return found
	}
	return l.one != "" && cmp(l.one, v) == 0
}

// insert adds v, a non-empty string, unless present; it reports whether
// it added.
func (l *nameSet) insert(v string, cmp func(a, b string) int) bool {
	switch {
	case v == "":
		panic("identity: nameSet holds no empty string")
	case l.many != nil:
		i, found := slices.BinarySearchFunc(l.many, v, cmp)
		if found {
			return false
		}
		l.many = slices.Insert(l.many, i, v)
	case l.one == "":
		l.one = v
	default:
		c := cmp(l.one, v)
		if c == 0 {
			return false
		}
		if c < 0 {
			l.many = []string{l.one, v}
		} else {
			l.many = []string{v, l.one}
		}
		l.one = ""
	}
	return true
}

// replaceAll replaces each element by f of it. f must keep the order:
// FinishRestore swaps strings for equal ones the store already holds.
func (l *nameSet) replaceAll(f func(string) string) {
	if l.many == nil {
		if l.one != "" {
			l.one = f(l.one)
		}
		return
	}
	for i, v := range l.many {
		l.many[i] = f(v)
	}
}

// remove removes v; it reports whether it was an element. A set left
// with one element holds it in place again.
func (l *nameSet) remove(v string, cmp func(a, b string) int) bool {
	if l.many == nil {
		if l.one == "" || cmp(l.one, v) != 0 {
			return false
		}
		l.one = ""
		return true
	}
	i, found := slices.BinarySearchFunc(l.many, v, cmp)
	if !found {
		return false
	}
	if len(l.many) == 2 {
		*l = nameSet{one: l.many[1-i]}
		return true
	}
	l.many = slices.Delete(l.many, i, i+1)
	return true
}
