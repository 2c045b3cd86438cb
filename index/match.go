package index

import (
	"math"

	"github.com/fleetlab/fleetlab/index/query"
)

// Match evaluates a query against one flattened document, with the same
// semantics as the bitmap evaluator (the property tests hold them equal).
// Dynamic thing groups use it to re-check membership of a changed thing
// without touching the bitmaps. It needs no lock: it reads only the
// configuration fixed at New.
func (ix *Index) Match(n query.Node, doc Flat) bool {
	switch n := n.(type) {
	case *query.MatchAll:
		return true
	case *query.Exists:
		return len(searchable(doc, n.Field)) > 0
	case *query.Term:
		return ix.anyField(doc, n.Field, func(v Value) bool { return termMatches(v, n.Value) })
	case *query.Wildcard:
		return ix.anyField(doc, n.Field, func(v Value) bool {
			return v.Kind == KindString && n.Match(query.Fold(v.Str))
		})
	case *query.Range:
		return ix.rangeMatches(doc, n)
	case *query.Not:
		return !ix.Match(n.X, doc)
	case *query.And:
		for _, c := range n.Clauses {
			if !ix.Match(c, doc) {
				return false
			}
		}
		return true
	case *query.Or:
		for _, c := range n.Clauses {
			if ix.Match(c, doc) {
				return true
			}
		}
		return false
	}
	return false
}

// searchable returns the values of a searchable field.
func searchable(doc Flat, name string) []Value {
	name = canonicalField(name)
	if unsearchable(name) {
		return nil
	}
	return doc.Get(name)
}

func (ix *Index) anyField(doc Flat, name string, pred func(Value) bool) bool {
	if name != "" {
		for _, v := range searchable(doc, name) {
			if pred(v) {
				return true
			}
		}
		return false
	}
	for _, fv := range doc {
		if unsearchable(fv.Field) {
			continue
		}
		for _, v := range fv.Values {
			if pred(v) {
				return true
			}
		}
	}
	return false
}

func termMatches(v Value, q string) bool {
	switch v.Kind {
	case KindString:
		if query.Fold(v.Str) == query.Fold(q) {
			return true
		}
		if v.Numeric {
			x, ok := query.ParseNumber(q)
			return ok && x == v.Num
		}
	case KindNumber:
		x, ok := query.ParseNumber(q)
		return ok && x == v.Num
	case KindBool:
		f := query.Fold(q)
		return (f == "true" && v.Bool) || (f == "false" && !v.Bool)
	}
	return false
}

func (ix *Index) rangeMatches(doc Flat, r *query.Range) bool {
	vals := searchable(doc, r.Field)
	if r.Lower == nil && r.Upper == nil {
		return len(vals) > 0
	}
	lo, hi, numeric := numericBounds(r)
	t, _ := ix.declaredType(canonicalField(r.Field))
	version := t == TypeVersion
	for _, v := range vals {
		if numeric && (v.Kind == KindNumber || v.Numeric) {
			if inInterval(v.Num, lo, hi, r.IncludeLower, r.IncludeUpper) {
				return true
			}
			continue // a number, compared as one
		}
		if v.Kind != KindString {
			continue
		}
		t := query.Fold(v.Str)
		if (version && inVersionRange(t, r)) || (!version && inStringRange(t, r)) {
			return true
		}
	}
	return false
}

func inInterval(v, lo, hi float64, incLo, incHi bool) bool {
	if v < lo || (v == lo && !incLo && !math.IsInf(lo, -1)) {
		return false
	}
	if v > hi || (v == hi && !incHi && !math.IsInf(hi, 1)) {
		return false
	}
	return true
}
