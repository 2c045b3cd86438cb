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
	// columnOnly: a field no query reads (a version: AWS returns and
	// aggregates it, never searches it) keeps values and no bins, which
	// would cost two bitmap updates per shadow update for nothing.
	columnOnly bool
	col        pagedColumn
	multi      map[uint32][]float64 // ids with more than one value (arrays)
	has        *roaring.Bitmap      // ids with at least one value
	count      uint64               // cardinality of has
	bins       []bin
}

type bin struct {
	lo      float64
	ids     *roaring.Bitmap
	card    uint64 // cardinality of ids, kept because roaring counts by walking its containers
	retryAt uint64 // do not try to split again before this cardinality
}

const minBinSplit = 1024

// binDivisor sets the bin size to 1/binDivisor of the field's things;
// measured at 64, 512, 2048 and 8192 on 10M things, 512 was fastest.
const binDivisor = 512

func newNumericField(columnOnly bool) *numericField {
	return &numericField{
		columnOnly: columnOnly,
		has:        roaring.New(),
		bins:       []bin{{lo: math.Inf(-1), ids: roaring.New()}},
	}
}

// set replaces the values of id (nil removes them).
func (n *numericField) set(id uint32, vals []float64) {
	had := n.has.Contains(id)
	if had {
		m, ok := n.multi[id]
		switch {
		case ok:
			for _, v := range m {
				n.removeFromBin(id, v)
			}
			delete(n.multi, id)
		case n.columnOnly:
			if len(vals) == 1 {
				n.col.set(id, vals[0])
				return
			}
		default:
			ob := n.binOf(n.col.get(id))
			if len(vals) == 1 && n.binOf(vals[0]) == ob {
				// The usual update: one value for one value, in the same bin.
				n.col.set(id, vals[0])
				return
			}
			if n.bins[ob].ids.CheckedRemove(id) {
				n.bins[ob].card--
			}
		}
	}
	if len(vals) == 0 {
		if had {
			n.has.Remove(id)
			n.count--
		}
		return
	}
	if !had {
		n.has.Add(id)
		n.count++
	}
	n.col.set(id, vals[0])
	if len(vals) > 1 {
		if n.multi == nil {
			n.multi = map[uint32][]float64{}
		}
		n.multi[id] = slices.Clone(vals)
	}
	if n.columnOnly {
		return
	}
	for _, v := range vals {
		b := n.binOf(v)
		if n.bins[b].ids.CheckedAdd(id) {
			n.bins[b].card++
			n.maybeSplit(b)
		}
	}
}

func (n *numericField) removeFromBin(id uint32, v float64) {
	if n.columnOnly {
		return
	}
	b := n.binOf(v)
	if n.bins[b].ids.CheckedRemove(id) {
		n.bins[b].card--
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

// binOf returns the last bin whose lo is <= v (the first bin's lo is -Inf).
func (n *numericField) binOf(v float64) int {
	lo, hi := 0, len(n.bins) // invariant: bins[lo].lo <= v, bins[hi].lo > v
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if n.bins[mid].lo <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

func (n *numericField) maxBin() uint64 {
	return max(minBinSplit, n.count/binDivisor)
}

// maybeSplit splits bin b at the median of its values when it is too big.
// A bin whose values are all equal cannot split; it is retried only once it
// has doubled, so adding to it stays O(1) amortised.
func (n *numericField) maybeSplit(b int) {
	ids, card := n.bins[b].ids, n.bins[b].card
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
	n.bins[b].ids, n.bins[b].card = lower, lower.GetCardinality()
	n.bins = slices.Insert(n.bins, b+1, bin{lo: mid, ids: upper, card: upper.GetCardinality()})
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
	var whole, cut []int
	var wholeCard uint64
	for b := first; b <= last; b++ {
		binLo, binHi := n.binBounds(b)
		if isWhollyInside(binLo, binHi, lo, hi, incLo, incHi) {
			whole = append(whole, b)
			wholeCard += n.bins[b].card
		} else {
			cut = append(cut, b)
		}
	}
	partial := roaring.New()
	for _, b := range cut {
		it := n.bins[b].ids.Iterator()
		for it.HasNext() {
			if id := it.Next(); n.anyValue(id, in) {
				partial.Add(id)
			}
		}
	}
	// A wide range is cheaper as the complement of the bins outside it,
	// when no id has several values (a multi-valued id may sit in bins on
	// both sides).
	if len(n.multi) == 0 && 2*wholeCard > n.count {
		outside := make([]*roaring.Bitmap, 0, len(n.bins))
		for b := range n.bins {
			if b < first || b > last {
				outside = append(outside, n.bins[b].ids)
			}
		}
		for _, b := range cut {
			outside = append(outside, roaring.AndNot(n.bins[b].ids, partial))
		}
		return roaring.AndNot(n.has, roaring.FastOr(outside...))
	}
	bms := make([]*roaring.Bitmap, 0, len(whole)+1)
	for _, b := range whole {
		bms = append(bms, n.bins[b].ids)
	}
	return roaring.FastOr(append(bms, partial)...)
}

// binBounds returns the interval [lo, hi) bin b covers.
func (n *numericField) binBounds(b int) (lo, hi float64) {
	hi = math.Inf(1)
	if b+1 < len(n.bins) {
		hi = n.bins[b+1].lo
	}
	return n.bins[b].lo, hi
}

// isWhollyInside reports whether every v in [binLo, binHi) lies in the
// query interval.
func isWhollyInside(binLo, binHi, lo, hi float64, incLo, incHi bool) bool {
	lowOK := binLo > lo || (binLo == lo && incLo) || math.IsInf(lo, -1)
	// values are < binHi; all ≤ hi when binHi ≤ hi (exclusive hi needs binHi ≤ hi too, as v < binHi ≤ hi).
	highOK := math.IsInf(hi, 1) || (!math.IsInf(binHi, 1) && binHi <= hi)
	return lowOK && highOK
}

// pagedColumn stores one number per id in pages allocated on first use, so
// a field set on a few things costs little. A page holds int32 offsets from
// a base while every value in it is an integer near that base (battery
// levels, versions, epoch timestamps: 4 bytes a value) and switches to
// float64 for good at the first value that is not.
type pagedColumn struct {
	pages []*page
}

type page struct {
	base   int64
	ints   []int32   // while the page is integral
	floats []float64 // once it is not
}

const pageBits = 12

func (c *pagedColumn) set(id uint32, v float64) {
	p := int(id >> pageBits)
	if p >= len(c.pages) {
		c.pages = append(c.pages, make([]*page, p+1-len(c.pages))...)
	}
	pg := c.pages[p]
	slot := id & (1<<pageBits - 1)
	if pg == nil {
		pg = &page{}
		if isIntegral(v) {
			pg.base = int64(v)
			pg.ints = make([]int32, 1<<pageBits)
		} else {
			pg.floats = make([]float64, 1<<pageBits)
		}
		c.pages[p] = pg
	}
	if pg.ints != nil {
		if d := int64(v) - pg.base; isIntegral(v) && d >= math.MinInt32 && d <= math.MaxInt32 {
			pg.ints[slot] = int32(d)
			return
		}
		pg.floats = make([]float64, 1<<pageBits)
		for i, d := range pg.ints {
			pg.floats[i] = float64(pg.base + int64(d))
		}
		pg.ints = nil
	}
	pg.floats[slot] = v
}

func (c *pagedColumn) get(id uint32) float64 {
	p := int(id >> pageBits)
	if p >= len(c.pages) || c.pages[p] == nil {
		return 0
	}
	pg := c.pages[p]
	slot := id & (1<<pageBits - 1)
	if pg.ints != nil {
		return float64(pg.base + int64(pg.ints[slot]))
	}
	return pg.floats[slot]
}

// bytes is the heap the column holds.
func (c *pagedColumn) bytes() uint64 {
	n := uint64(8 * cap(c.pages))
	for _, pg := range c.pages {
		if pg != nil {
			n += uint64(4*cap(pg.ints)+8*cap(pg.floats)) + 56
		}
	}
	return n
}

// isIntegral reports whether v is an integer an int64 holds exactly.
func isIntegral(v float64) bool {
	return v == math.Trunc(v) && math.Abs(v) < 1<<53
}
