package registry

import (
	"cmp"
	"slices"
)

// Attr is one attribute of a thing.
type Attr struct {
	Name, Value string
}

// Attrs are a thing's attributes sorted by name, names unique, values not
// empty; nil when there are none. A thing holds one slice where a map
// would cost two heap objects and several times the bytes, and it is kept
// for every thing. Like group lists, the registry replaces a thing's Attrs
// on change and never modifies them: views share them, read-only.
type Attrs []Attr

// Get returns the value of the attribute called name.
func (a Attrs) Get(name string) (string, bool) {
	i, ok := slices.BinarySearchFunc(a, name, func(x Attr, n string) int { return cmp.Compare(x.Name, n) })
	if !ok {
		return "", false
	}
	return a[i].Value, true
}

// Map returns the attributes as a new map, nil when there are none.
func (a Attrs) Map() map[string]string {
	if len(a) == 0 {
		return nil
	}
	m := make(map[string]string, len(a))
	for _, x := range a {
		m[x.Name] = x.Value
	}
	return m
}

// attrsOf returns m as Attrs, keeping empty values (a restored record
// holds what was stored).
func attrsOf(m map[string]string) Attrs {
	if len(m) == 0 {
		return nil
	}
	a := make(Attrs, 0, len(m))
	for k, v := range m {
		a = append(a, Attr{k, v})
	}
	slices.SortFunc(a, byName)
	return a
}

func byName(x, y Attr) int { return cmp.Compare(x.Name, y.Name) }

// withPayload is applyPayload for a thing's attributes: the attributes
// after applying p to cur, which is not modified. A nil p or nil
// p.Attributes keeps cur; merge sets the given names over cur; otherwise
// the given attributes replace cur. An empty value removes (or, on
// create, omits) the attribute. The names and values taken from p go
// through share (the registry's share table).
func withPayload(cur Attrs, p *AttributePayload, merge bool, share func(string) string) Attrs {
	if p == nil || p.Attributes == nil {
		return cur
	}
	kept := func(x Attr) bool { _, over := p.Attributes[x.Name]; return merge && !over }
	n := 0
	for _, x := range cur {
		if kept(x) {
			n++
		}
	}
	for _, v := range p.Attributes {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make(Attrs, 0, n)
	for _, x := range cur {
		if kept(x) {
			out = append(out, x)
		}
	}
	for k, v := range p.Attributes {
		if v != "" {
			out = append(out, Attr{share(k), share(v)})
		}
	}
	slices.SortFunc(out, byName)
	return out
}

// attrs shares the names and values of a with equal ones seen before, in
// place: a must be a list no thing holds yet (a restored one). Attribute
// names repeat across a fleet, and so do most values (a region, a
// hardware revision).
func (t *shareTable) attrs(a Attrs) Attrs {
	for i := range a {
		a[i] = Attr{t.str(a[i].Name), t.str(a[i].Value)}
	}
	return a
}
