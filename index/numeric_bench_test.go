package index

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// benchThings is the fleet size of the index benchmarks:
// FLEETLAB_BENCH_THINGS, or 100,000 so a plain `go test -bench` stays quick.
func benchThings(b *testing.B) int {
	if s := os.Getenv("FLEETLAB_BENCH_THINGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("FLEETLAB_BENCH_THINGS=%q is not a positive integer", s)
		}
		return n
	}
	return 100_000
}

// BenchmarkNumericRange compares the binned layout chosen for number fields
// with roaring64's bit-sliced index on the same values (a temperature-like
// field in tenths, integers for the BSI) and the same predicate
// (x > 70.0, about 10% of things). The README records the numbers.
func BenchmarkNumericRange(b *testing.B) {
	n := benchThings(b)
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(int((60+8*r.NormFloat64())*10)) / 10
	}
	b.Run("binned", func(b *testing.B) {
		f := newNumericField(false)
		for i, v := range vals {
			f.set(uint32(i), []float64{v})
		}
		b.ReportAllocs()
		var card uint64
		for b.Loop() {
			card = f.rangeBitmap(70, 1e18, false, true).GetCardinality()
		}
		b.ReportMetric(float64(card), "matches")
	})
	b.Run("roaring64.BSI", func(b *testing.B) {
		bsi := roaring64.NewDefaultBSI()
		for i, v := range vals {
			bsi.SetValue(uint64(i), int64(v*10))
		}
		b.ReportAllocs()
		var card uint64
		for b.Loop() {
			card = bsi.CompareValue(0, roaring64.GT, 700, 0, nil).GetCardinality()
		}
		b.ReportMetric(float64(card), "matches")
	})
}

// BenchmarkNumericSet is the cost of moving one value (a shadow update of
// a number field) in the binned layout and in the BSI.
func BenchmarkNumericSet(b *testing.B) {
	n := benchThings(b)
	r := rand.New(rand.NewPCG(1, 2))
	b.Run("binned", func(b *testing.B) {
		f := newNumericField(false)
		for i := range n {
			f.set(uint32(i), []float64{60 + 8*r.NormFloat64()})
		}
		vals := []float64{0}
		b.ReportAllocs()
		for b.Loop() {
			vals[0] = 60 + 8*r.NormFloat64()
			f.set(uint32(r.IntN(n)), vals)
		}
	})
	b.Run("roaring64.BSI", func(b *testing.B) {
		bsi := roaring64.NewDefaultBSI()
		for i := range n {
			bsi.SetValue(uint64(i), int64(600+80*r.NormFloat64()))
		}
		b.ReportAllocs()
		for b.Loop() {
			bsi.SetValue(uint64(r.IntN(n)), int64(600+80*r.NormFloat64()))
		}
	})
}

// BenchmarkNumericWideRange selects about 60% of things, where the binned
// layout answers with the complement of the bins outside the range.
func BenchmarkNumericWideRange(b *testing.B) {
	n := benchThings(b)
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(int((60+8*r.NormFloat64())*10)) / 10
	}
	b.Run("binned", func(b *testing.B) {
		f := newNumericField(false)
		for i, v := range vals {
			f.set(uint32(i), []float64{v})
		}
		for b.Loop() {
			f.rangeBitmap(58, 1e18, false, true)
		}
	})
	b.Run("roaring64.BSI", func(b *testing.B) {
		bsi := roaring64.NewDefaultBSI()
		for i, v := range vals {
			bsi.SetValue(uint64(i), int64(v*10))
		}
		for b.Loop() {
			bsi.CompareValue(0, roaring64.GT, 580, 0, nil)
		}
	})
}
