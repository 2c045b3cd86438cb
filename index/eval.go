package index

import (
	"math"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
)

// result is a bitmap produced by evaluation. A borrowed result aliases an
// index posting and must be cloned before it is modified.
type result struct {
	bm    *roaring.Bitmap
	owned bool
}

func (r result) mutable() *roaring.Bitmap {
	if r.owned {
		return r.bm
	}
	return r.bm.Clone()
}

// eval evaluates a query over the bitmaps. The caller holds the read lock.
func (ix *Index) eval(n query.Node) result {
	switch n := n.(type) {
	case *query.MatchAll:
		return result{bm: ix.live}
	case *query.Exists:
		if f := ix.searchField(n.Field); f != nil {
			return result{bm: f.exists}
		}
		return result{bm: roaring.New(), owned: true}
	case *query.Term:
		return ix.overFields(n.Field, func(f *field) result { return ix.term(f, n.Value) })
	case *query.Wildcard:
		return ix.overFields(n.Field, func(f *field) result { return wildcard(f, n) })
	case *query.Range:
		f := ix.searchField(n.Field)
		if f == nil {
			return result{bm: roaring.New(), owned: true}
		}
		return ix.rangeOf(f, n)
	case *query.Not:
		inner := ix.eval(n.X)
		return result{bm: roaring.AndNot(ix.live, inner.bm), owned: true}
	case *query.Or:
		bms := make([]*roaring.Bitmap, len(n.Clauses))
		for i, c := range n.Clauses {
			bms[i] = ix.eval(c).bm
		}
		return result{bm: roaring.FastOr(bms...), owned: true}
	case *query.And:
		pos, neg := ix.andParts(n)
		var acc *roaring.Bitmap
		if len(pos) == 0 {
			acc = ix.live.Clone()
		} else if len(pos) == 1 {
			acc = pos[0].mutable()
		} else {
			bms := make([]*roaring.Bitmap, len(pos))
			for i, p := range pos {
				bms[i] = p.bm
			}
			acc = roaring.FastAnd(bms...)
		}
		for _, r := range neg {
			acc.AndNot(r.bm)
		}
		return result{bm: acc, owned: true}
	}
	return result{bm: roaring.New(), owned: true}
}

// andParts evaluates the clauses of an And, keeping the operands of NOT
// clauses apart so they are subtracted rather than complemented.
func (ix *Index) andParts(n *query.And) (pos, neg []result) {
	for _, c := range n.Clauses {
		if not, ok := c.(*query.Not); ok {
			neg = append(neg, ix.eval(not.X))
			continue
		}
		pos = append(pos, ix.eval(c))
	}
	return pos, neg
}

// count returns the number of things matching n, using AndCardinality for
// the last operand of a top-level AND instead of materialising the result.
func (ix *Index) count(n query.Node) uint64 {
	if and, ok := n.(*query.And); ok {
		pos, neg := ix.andParts(and)
		if len(pos) >= 2 && len(neg) == 0 {
			bms := make([]*roaring.Bitmap, len(pos)-1)
			for i, p := range pos[:len(pos)-1] {
				bms[i] = p.bm
			}
			acc := bms[0]
			if len(bms) > 1 {
				acc = roaring.FastAnd(bms...)
			}
			return acc.AndCardinality(pos[len(pos)-1].bm)
		}
	}
	return ix.eval(n).bm.GetCardinality()
}

// searchField returns the field if it exists and is searchable.
func (ix *Index) searchField(name string) *field {
	f := ix.fields[canonicalField(name)]
	if f == nil || !f.searchable {
		return nil
	}
	return f
}

// overFields evaluates a leaf on one field, or on every searchable field
// for a bare term (Field "").
func (ix *Index) overFields(name string, leaf func(*field) result) result {
	if name != "" {
		if f := ix.searchField(name); f != nil {
			return leaf(f)
		}
		return result{bm: roaring.New(), owned: true}
	}
	var bms []*roaring.Bitmap
	for _, f := range ix.fields {
		if f.searchable {
			if r := leaf(f); !r.bm.IsEmpty() {
				bms = append(bms, r.bm)
			}
		}
	}
	return result{bm: roaring.FastOr(bms...), owned: true}
}

// term matches a value: the case-folded string, the number when the value
// is numeric, the boolean when it is true or false.
func (ix *Index) term(f *field, v string) result {
	var parts []*roaring.Bitmap
	if f.strs != nil {
		if ord, ok := f.strs.lookup(v); ok {
			parts = append(parts, f.strs.bitmap(ord))
		}
	}
	if x, ok := query.ParseNumber(v); ok && f.nums != nil {
		parts = append(parts, f.nums.rangeBitmap(x, x, true, true))
	}
	if f.trues != nil {
		switch query.Fold(v) {
		case "true":
			parts = append(parts, f.trues)
		case "false":
			parts = append(parts, f.falses)
		}
	}
	switch len(parts) {
	case 0:
		return result{bm: roaring.New(), owned: true}
	case 1:
		return result{bm: parts[0]}
	}
	return result{bm: roaring.FastOr(parts...), owned: true}
}

func wildcard(f *field, w *query.Wildcard) result {
	out := roaring.New()
	if f.strs == nil {
		return result{bm: out, owned: true}
	}
	prefix := w.LiteralPrefix()
	f.strs.scanFrom(prefix, func(ord uint32, term string) bool {
		if !strings.HasPrefix(term, prefix) {
			return false
		}
		if w.Match(term) {
			f.strs.orInto(ord, out)
		}
		return true
	})
	return result{bm: out, owned: true}
}

// rangeOf evaluates a range: numeric when every present bound is a number,
// by version order on a field declared as Version, lexicographic on the
// folded strings otherwise.
func (ix *Index) rangeOf(f *field, r *query.Range) result {
	if r.Lower == nil && r.Upper == nil {
		return result{bm: f.exists}
	}
	out := roaring.New()
	// Number values compare as numbers when the bounds are numbers; string
	// values compare as strings always (lexicographically, or as versions
	// for a Version field), except a registry attribute's numeric text,
	// which is that attribute's number.
	lo, hi, numeric := numericBounds(r)
	if numeric && f.nums != nil {
		out.Or(f.nums.rangeBitmap(lo, hi, r.IncludeLower, r.IncludeUpper))
	}
	if f.strs == nil || (numeric && !f.textOnly) {
		return result{bm: out, owned: true}
	}
	text := func(term string) bool {
		if !numeric {
			return true
		}
		_, isNum := query.ParseNumber(term)
		return !isNum || !strings.HasPrefix(f.name, "attributes.")
	}
	if t, _ := ix.declaredType(f.name); t == TypeVersion {
		for ord := range uint32(f.strs.len()) {
			if term := f.strs.term(ord); f.strs.live(ord) && text(term) && inVersionRange(term, r) {
				f.strs.orInto(ord, out)
			}
		}
		return result{bm: out, owned: true}
	}
	from := ""
	if r.Lower != nil {
		from = query.Fold(r.Lower.Value)
	}
	f.strs.scanFrom(from, func(ord uint32, term string) bool {
		if !inStringRange(term, r) {
			return r.Upper == nil || term <= query.Fold(r.Upper.Value)
		}
		if text(term) {
			f.strs.orInto(ord, out)
		}
		return true
	})
	return result{bm: out, owned: true}
}

// numericBounds returns the bounds of a numeric range: at least one bound,
// every present bound a number.
func numericBounds(r *query.Range) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if r.Lower != nil {
		if lo, ok = query.ParseNumber(r.Lower.Value); !ok {
			return 0, 0, false
		}
	}
	if r.Upper != nil {
		if hi, ok = query.ParseNumber(r.Upper.Value); !ok {
			return 0, 0, false
		}
	}
	return lo, hi, r.Lower != nil || r.Upper != nil
}

// inStringRange compares a folded term with the folded bounds bytewise.
func inStringRange(term string, r *query.Range) bool {
	if r.Lower != nil {
		c := strings.Compare(term, query.Fold(r.Lower.Value))
		if c < 0 || (c == 0 && !r.IncludeLower) {
			return false
		}
	}
	if r.Upper != nil {
		c := strings.Compare(term, query.Fold(r.Upper.Value))
		if c > 0 || (c == 0 && !r.IncludeUpper) {
			return false
		}
	}
	return true
}

func inVersionRange(term string, r *query.Range) bool {
	if r.Lower != nil {
		c := CompareVersions(term, r.Lower.Value)
		if c < 0 || (c == 0 && !r.IncludeLower) {
			return false
		}
	}
	if r.Upper != nil {
		c := CompareVersions(term, r.Upper.Value)
		if c > 0 || (c == 0 && !r.IncludeUpper) {
			return false
		}
	}
	return true
}
