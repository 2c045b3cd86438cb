package index_test

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
)

// The index benchmarks run on a synthetic fleet of FLEETLAB_BENCH_THINGS
// things (default 100,000), built once per process.
var benchFleet struct {
	once     sync.Once
	ix       *index.Index
	n        int
	bytesPer float64
}

func fleetForBench(b *testing.B) *index.Index {
	benchFleet.once.Do(func() {
		n := 100_000
		if s := os.Getenv("FLEETLAB_BENCH_THINGS"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				b.Fatalf("FLEETLAB_BENCH_THINGS=%q is not a positive integer", s)
			}
			n = v
		}
		cfg := index.AllOn()
		cfg.CustomFields = []index.Field{{Name: "shadow.reported.temperature", Type: index.TypeNumber}}
		before := heap()
		ix := index.New(cfg, index.DefaultSettings())
		spec := fleetgen.Spec{Seed: 1}
		for i := range n {
			d := fleetgen.Doc(spec, i)
			f, err := index.Flatten(&d, cfg)
			if err != nil {
				b.Fatal(err)
			}
			ix.Put(uint32(i), nil, f)
		}
		benchFleet.ix, benchFleet.n = ix, n
		benchFleet.bytesPer = float64(heap()-before) / float64(n)
	})
	return benchFleet.ix
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

var benchQueries = []struct{ name, query string }{
	{"term-and-term", `thingTypeName:TemperatureSensor AND attributes.region:us-east-1`},
	{"range", `shadow.reported.temperature > 70`},
	{"string-range", `connectivity.connected:true AND shadow.reported.firmware_version < "2.1.0"`},
	{"four-clauses", `thingGroupNames:ProductionDevices AND attributes.hw_rev:B AND shadow.reported.battery:[0 TO 20} AND NOT shadow.hasDelta:true`},
	{"prefix", `thingName:sensor-00001*`},
	{"match-all", `*`},
}

// BenchmarkCount is the latency of counting the things a query selects.
func BenchmarkCount(b *testing.B) {
	ix := fleetForBench(b)
	for _, q := range benchQueries {
		n, err := ix.Parse(q.query)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var c uint64
			for b.Loop() {
				c = ix.Count(n)
			}
			b.ReportMetric(float64(c), "matches")
		})
	}
	b.ReportMetric(benchFleet.bytesPer, "B/thing")
}

// BenchmarkSearchPage is the latency of the first page (100 names) of a
// query's results in thingName order.
func BenchmarkSearchPage(b *testing.B) {
	ix := fleetForBench(b)
	n, _ := ix.Parse(`attributes.region:us-east-1`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ix.Search(n, 100, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatistics is GetStatistics over the connected things (~85%).
func BenchmarkStatistics(b *testing.B) {
	ix := fleetForBench(b)
	n, _ := ix.Parse(`connectivity.connected:true`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ix.Statistics(n, "shadow.reported.temperature"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShadowUpdate is the index side of one shadow update: the
// reported temperature of a thing changes, and Put diffs the old and new
// flattened documents.
func BenchmarkShadowUpdate(b *testing.B) {
	ix := fleetForBench(b)
	const things = 1024
	olds := make([]index.Flat, things)
	news := make([]index.Flat, things)
	for i := range things {
		d := fleetgen.Doc(fleetgen.Spec{Seed: 1}, i)
		olds[i], _ = index.Flatten(&d, ix.Config())
		news[i] = withTemperature(olds[i], 20+float64(i%50))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % things
		ix.Put(uint32(k), olds[k], news[k])
		olds[k], news[k] = news[k], olds[k]
		i++
	}
}

// withTemperature copies a flat document with another reported temperature.
func withTemperature(f index.Flat, t float64) index.Flat {
	out := make(index.Flat, len(f))
	copy(out, f)
	for i := range out {
		if out[i].Field == "shadow.reported.temperature" {
			out[i].Values = []index.Value{index.NumberValue(t)}
		}
	}
	return out
}
