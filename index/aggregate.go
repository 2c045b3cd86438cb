package index

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Statistics is the AWS GetStatistics result. String fields give only
// Count (things with the field); booleans are 0/1 values, so Average is the
// fraction that is true.
type Statistics struct {
	Count        int64    `json:"count"`
	Average      *float64 `json:"average,omitempty"`
	Sum          *float64 `json:"sum,omitempty"`
	Minimum      *float64 `json:"minimum,omitempty"`
	Maximum      *float64 `json:"maximum,omitempty"`
	SumOfSquares *float64 `json:"sumOfSquares,omitempty"`
	Variance     *float64 `json:"variance,omitempty"`
	StdDeviation *float64 `json:"stdDeviation,omitempty"`
}

// PercentPair is one entry of a GetPercentiles result.
type PercentPair struct {
	Percent float64 `json:"percent"`
	Value   float64 `json:"value"`
}

// Bucket is one entry of a terms aggregation; KeyValue is a string even for
// numbers, as on AWS.
type Bucket struct {
	KeyValue string `json:"keyValue"`
	Count    int64  `json:"count"`
}

// DefaultPercents are AWS's default percentiles.
var DefaultPercents = []float64{1, 5, 25, 50, 75, 95, 99}

// DefaultAggregationField is what GetStatistics uses without a field.
const DefaultAggregationField = "registry.version"

// aggField resolves the type of an aggregation field: declared custom type,
// then managed type, then (only when the settings allow it) a type inferred
// from the values.
func (ix *Index) aggField(name string) (FieldType, *field, error) {
	name = canonicalField(name)
	f := ix.fields[name]
	if t, ok := ix.declaredType(name); ok {
		return t, f, nil
	}
	if t, ok := managedType(name); ok {
		return t, f, nil
	}
	if !ix.settings.AggregateUndeclared {
		return "", nil, errorf(CodeInvalidAggregation, "field %s is neither a managed field nor a custom field of the indexing configuration", name)
	}
	if f == nil {
		return TypeString, nil, nil
	}
	return inferType(f), f, nil
}

func inferType(f *field) FieldType {
	switch {
	case f.nums != nil && !f.nums.has.IsEmpty() && (f.strs == nil || numericOnly(f)):
		return TypeNumber
	case f.trues != nil && (f.strs == nil || f.strs.liveTerms() == 0) && (f.nums == nil || f.nums.has.IsEmpty()):
		return TypeBoolean
	}
	return TypeString
}

// numericOnly reports whether every string of the field is numeric (an
// attribute such as "42"), so the field reads as a number.
func numericOnly(f *field) bool {
	return f.strs.liveTerms() > 0 && f.exists.GetCardinality() == f.nums.has.GetCardinality() && f.trues == nil
}

// Statistics computes GetStatistics over the things matching n.
func (ix *Index) Statistics(n query.Node, fieldName string) (Statistics, error) {
	if fieldName == "" {
		fieldName = DefaultAggregationField
	}
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	t, f, err := ix.aggField(fieldName)
	if err != nil {
		return Statistics{}, err
	}
	matches := ix.eval(n).bm
	if f == nil {
		return Statistics{}, nil
	}
	switch t {
	case TypeNumber:
		s := describe(ix.numbers(f, matches))
		if f.nums != nil && f.nums.multi != nil {
			// count is of things (the model: "things that … contain a
			// valid aggregation field value"); an array adds all its
			// numbers to the other statistics.
			s.Count = int64(f.nums.has.AndCardinality(matches))
		}
		return s, nil
	case TypeBoolean:
		if f.trues == nil {
			return Statistics{}, nil
		}
		nTrue, nFalse := f.trues.AndCardinality(matches), f.falses.AndCardinality(matches)
		vals := make([]float64, 0, nTrue+nFalse)
		for range nTrue {
			vals = append(vals, 1)
		}
		for range nFalse {
			vals = append(vals, 0)
		}
		return describe(vals), nil
	}
	return Statistics{Count: int64(f.exists.AndCardinality(matches))}, nil
}

// numbers collects the number values of the matching things.
func (ix *Index) numbers(f *field, matches *roaring.Bitmap) []float64 {
	if f == nil || f.nums == nil {
		return nil
	}
	ids := roaring.And(matches, f.nums.has)
	vals := make([]float64, 0, ids.GetCardinality())
	buf := make([]uint32, 4096)
	it := ids.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, id := range buf[:n] {
			if m, ok := f.nums.multi[id]; ok {
				vals = append(vals, m...)
				continue
			}
			vals = append(vals, f.nums.col.get(id))
		}
	}
	return vals
}

func describe(vals []float64) Statistics {
	s := Statistics{Count: int64(len(vals))}
	if len(vals) == 0 {
		return s
	}
	mean, variance := stat.PopMeanVariance(vals, nil)
	sum, sumSq := floats.Sum(vals), floats.Dot(vals, vals)
	minV, maxV := floats.Min(vals), floats.Max(vals)
	std := math.Sqrt(variance)
	for _, x := range []float64{mean, variance, sum, sumSq, std} {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			// Beyond double range (AWS: the statistics are empty); JSON
			// has no infinities either.
			return s
		}
	}
	s.Average, s.Sum, s.Minimum, s.Maximum = &mean, &sum, &minV, &maxV
	s.SumOfSquares, s.Variance, s.StdDeviation = &sumSq, &variance, &std
	return s
}

// Percentiles computes GetPercentiles: exact values, linearly interpolated
// between the closest ranks, in the order the percents were asked.
func (ix *Index) Percentiles(n query.Node, fieldName string, percents []float64) ([]PercentPair, error) {
	if len(percents) == 0 {
		percents = DefaultPercents
	}
	if len(percents) > 100 {
		return nil, errorf(CodeInvalidRequest, "at most 100 percents may be requested")
	}
	for _, p := range percents {
		if p < 0 || p > 100 || math.IsNaN(p) {
			return nil, errorf(CodeInvalidRequest, "percent %v is not between 0 and 100", p)
		}
	}
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	t, f, err := ix.aggField(fieldName)
	if err != nil {
		return nil, err
	}
	if t != TypeNumber {
		return nil, errorf(CodeInvalidAggregation, "field %s is of type %s; percentiles need a Number field", fieldName, t)
	}
	vals := ix.numbers(f, ix.eval(n).bm)
	out := []PercentPair{}
	if len(vals) == 0 {
		return out, nil
	}
	slices.Sort(vals)
	for _, p := range percents {
		out = append(out, PercentPair{Percent: p, Value: percentile(vals, p)})
	}
	return out, nil
}

// percentile interpolates linearly between the closest ranks of sorted
// values (rank = p/100 × (n−1)).
func percentile(sorted []float64, p float64) float64 {
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	return sorted[lo] + (rank-float64(lo))*(sorted[hi]-sorted[lo])
}

// Cardinality computes GetCardinality: the exact number of distinct values
// of the field over the matching things.
func (ix *Index) Cardinality(n query.Node, fieldName string) (int64, error) {
	buckets, err := ix.buckets(n, fieldName, math.MaxInt)
	if err != nil {
		return 0, err
	}
	return int64(len(buckets)), nil
}

// Buckets computes GetBucketsAggregation with a terms aggregation: counts
// of things per value, count descending, ties by key ascending, at most
// maxBuckets (default 10). totalCount is the number of matching things.
func (ix *Index) Buckets(n query.Node, fieldName string, maxBuckets int) (totalCount int64, buckets []Bucket, err error) {
	if maxBuckets == 0 {
		maxBuckets = 10
	}
	if maxBuckets < 1 || maxBuckets > 10000 {
		return 0, nil, errorf(CodeInvalidRequest, "maxBuckets must be between 1 and 10000")
	}
	all, err := ix.buckets(n, fieldName, maxBuckets)
	if err != nil {
		return 0, nil, err
	}
	ix.settle()
	ix.mu.RLock()
	total := ix.count(n)
	ix.mu.RUnlock()
	return int64(total), all, nil
}

// buckets counts matching things per distinct value and returns the top
// limit buckets.
func (ix *Index) buckets(n query.Node, fieldName string, limit int) ([]Bucket, error) {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	t, f, err := ix.aggField(fieldName)
	if err != nil {
		return nil, err
	}
	out := []Bucket{}
	if f == nil {
		return out, nil
	}
	matches := ix.eval(n).bm
	switch t {
	case TypeNumber:
		counts := map[float64]int64{}
		ids := roaring.And(matches, f.nums.has)
		it := ids.Iterator()
		for it.HasNext() {
			id := it.Next()
			seen := f.nums.values(id)
			for i, v := range seen {
				if !slices.Contains(seen[:i], v) {
					counts[v]++
				}
			}
		}
		for v, c := range counts {
			out = append(out, Bucket{KeyValue: strconv.FormatFloat(v, 'f', -1, 64), Count: c})
		}
	case TypeBoolean:
		if f.trues != nil {
			if c := f.trues.AndCardinality(matches); c > 0 {
				out = append(out, Bucket{KeyValue: "true", Count: int64(c)})
			}
			if c := f.falses.AndCardinality(matches); c > 0 {
				out = append(out, Bucket{KeyValue: "false", Count: int64(c)})
			}
		}
	default:
		if f.strs != nil {
			for ord := range uint32(f.strs.len()) {
				if c := f.strs.andCardinality(ord, matches); c > 0 {
					out = append(out, Bucket{KeyValue: f.strs.display(ord), Count: int64(c)})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Bucket) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.KeyValue, b.KeyValue)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
