package index

import (
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// numericField indexes the number values of one field for ranges and
// aggregations. Values live in a paged column by id (with a side table for
// the few multi-valued ids); ids are also grouped into bins by value, each
// bin a roaring bitmap covering [lo, next bin's lo). A range query ORs the
// bins it covers and checks only the ids of the (at most two) bins it cuts.
// Bins split at their median when they grow past maxBin, so the cost of a
// range stays bounded as the fleet grows, and moving a value costs two
// bitmap updates.
//
// This layout was chosen over roaring64.BSI by BenchmarkNumericRange
// (numeric_bench_test.go): see the README for the numbers.
type numericField struct {
	col   pagedColumn
	multi map[uint32][]float64 // ids with more than one value (arrays)
	has   *roaring.Bitmap      // ids with at least one value
	bins  []bin
}

type bin struct {
	lo      float64
	ids     *roaring.Bitmap
	retryAt uint64 // do not try to split again before this cardinality
}

const minBinSplit = 4096

func newNumericField() *numericField {
	return &numericField{
		has:  roaring.New(),
		bins: []bin{{lo: math.Inf(-1), ids: roaring.New()}},
	}
}

// set replaces the values of id (nil removes them).
func (n *numericField) set(id uint32, vals []float64) {
	if n.has.Contains(id) {
		for _, v := range n.values(id) {
			n.bins[n.binOf(v)].ids.Remove(id)
		}
		delete(n.multi, id)
	}
	if len(vals) == 0 {
		n.has.Remove(id)
		return
	}
	n.has.Add(id)
	n.col.set(id, vals[0])
	if len(vals) > 1 {
		if n.multi == nil {
			n.multi = map[uint32][]float64{}
		}
		n.multi[id] = slices.Clone(vals)
	}
	for _, v := range vals {
		b := n.binOf(v)
		n.bins[b].ids.Add(id)
		n.maybeSplit(b)
	}
}

// values returns the values of id (aliasing internal storage).
func (n *numericField) values(id uint32) []float64 {
	if m, ok := n.multi[id]; ok {
		return m
	}
	if !n.has.Contains(id) {
		return nil
	}
	v := n.col.get(id)
	return []float64{v}
}

// anyValue reports whether some value of id satisfies pred, without
// allocating.
func (n *numericField) anyValue(id uint32, pred func(float64) bool) bool {
	if m, ok := n.multi[id]; ok {
		return slices.ContainsFunc(m, pred)
	}
	return pred(n.col.get(id))
}

// first returns the single value of a single-valued id without allocating.
func (n *numericField) first(id uint32) (float64, bool) {
	if _, ok := n.multi[id]; ok {
		return 0, false
	}
	return n.col.get(id), true
}

func (n *numericField) binOf(v float64) int {
	i, found := slices.BinarySearchFunc(n.bins, v, func(b bin, v float64) int {
		switch {
		case b.lo < v:
			return -1
		case b.lo > v:
			return 1
		}
		return 0
	})
	if found {
		return i
	}
	return i - 1
}

func (n *numericField) maxBin() uint64 {
	return max(minBinSplit, n.has.GetCardinality()/128)
}

// maybeSplit splits bin b at the median of its values when it is too big.
// A bin whose values are all equal cannot split; it is retried only once it
// has doubled, so adding to it stays O(1) amortised.
func (n *numericField) maybeSplit(b int) {
	ids := n.bins[b].ids
	card := ids.GetCardinality()
	if card <= 2*n.maxBin() || card < n.bins[b].retryAt {
		return
	}
	lo := n.bins[b].lo
	hi := math.Inf(1)
	if b+1 < len(n.bins) {
		hi = n.bins[b+1].lo
	}
	inBin := func(v float64) bool { return v >= lo && v < hi }
	vals := make([]float64, 0, card)
	n.eachValue(ids, func(_ uint32, v float64) {
		if inBin(v) {
			vals = append(vals, v)
		}
	})
	slices.Sort(vals)
	mid := vals[len(vals)/2]
	if mid == vals[0] {
		// Many equal values at the bottom: split just above them instead.
		j, _ := slices.BinarySearch(vals, math.Nextafter(mid, math.Inf(1)))
		if j == len(vals) {
			n.bins[b].retryAt = 2 * card
			return
		}
		mid = vals[j]
	}
	lower, upper := roaring.New(), roaring.New()
	n.eachValue(ids, func(id uint32, v float64) {
		switch {
		case v >= lo && v < mid:
			lower.Add(id)
		case v >= mid && v < hi:
			upper.Add(id)
		}
	})
	n.bins[b].ids = lower
	n.bins = slices.Insert(n.bins, b+1, bin{lo: mid, ids: upper})
}

// eachValue calls fn for every value of every id in ids.
func (n *numericField) eachValue(ids *roaring.Bitmap, fn func(id uint32, v float64)) {
	it := ids.Iterator()
	for it.HasNext() {
		id := it.Next()
		if m, ok := n.multi[id]; ok {
			for _, v := range m {
				fn(id, v)
			}
			continue
		}
		fn(id, n.col.get(id))
	}
}

// rangeBitmap returns the ids with a value in the interval. lo/hi may be
// infinite.
func (n *numericField) rangeBitmap(lo, hi float64, incLo, incHi bool) *roaring.Bitmap {
	in := func(v float64) bool {
		if v < lo || (v == lo && !incLo) {
			return false
		}
		if v > hi || (v == hi && !incHi) {
			return false
		}
		return true
	}
	first, last := n.binOf(lo), n.binOf(hi)
	var whole []*roaring.Bitmap
	out := roaring.New()
	for b := first; b <= last; b++ {
		binLo := n.bins[b].lo
		binHi := math.Inf(1)
		if b+1 < len(n.bins) {
			binHi = n.bins[b+1].lo
		}
		if isWhollyInside(binLo, binHi, lo, hi, incLo, incHi) {
			whole = append(whole, n.bins[b].ids)
			continue
		}
		it := n.bins[b].ids.Iterator()
		for it.HasNext() {
			if id := it.Next(); n.anyValue(id, in) {
				out.Add(id)
			}
		}
	}
	if len(whole) > 0 {
		whole = append(whole, out)
		return roaring.FastOr(whole...)
	}
	return out
}

// isWhollyInside reports whether every v in [binLo, binHi) lies in the
// query interval.
func isWhollyInside(binLo, binHi, lo, hi float64, incLo, incHi bool) bool {
	lowOK := binLo > lo || (binLo == lo && incLo) || math.IsInf(lo, -1)
	// values are < binHi; all ≤ hi when binHi ≤ hi (exclusive hi needs binHi ≤ hi too, as v < binHi ≤ hi).
	highOK := math.IsInf(hi, 1) || (!math.IsInf(binHi, 1) && binHi <= hi)
	return lowOK && highOK
}

// pagedColumn stores one float64 per id in pages allocated on first use, so
// a field set on a few things does not cost 8 bytes for every thing.
type pagedColumn struct {
	pages [][]float64
}

const pageBits = 12

func (c *pagedColumn) set(id uint32, v float64) {
	p := int(id >> pageBits)
	if p >= len(c.pages) {
		c.pages = append(c.pages, make([][]float64, p+1-len(c.pages))...)
	}
	if c.pages[p] == nil {
		c.pages[p] = make([]float64, 1<<pageBits)
	}
	c.pages[p][id&(1<<pageBits-1)] = v
}

func (c *pagedColumn) get(id uint32) float64 {
	p := int(id >> pageBits)
	if p >= len(c.pages) || c.pages[p] == nil {
		return 0
	}
	return c.pages[p][id&(1<<pageBits-1)]
}
