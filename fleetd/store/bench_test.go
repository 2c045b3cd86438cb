package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// benchThings is the fleet size for benchmarks: FLEETLAB_BENCH_THINGS, or
// a small default that keeps `go test -bench` quick.
func benchThings(b *testing.B, small int) int {
	v := os.Getenv("FLEETLAB_BENCH_THINGS")
	if v == "" {
		return small
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("FLEETLAB_BENCH_THINGS=%q: want a positive number", v)
	}
	return n
}

func thingKey(i int) string  { return fmt.Sprintf("thing/thing-%07d", i) }
func shadowKey(i int) string { return fmt.Sprintf("shadow/thing-%07d/", i) }

func thingJSON(i int) []byte {
	return fmt.Appendf(nil, `{"thingName":"thing-%07d","thingId":"%08x-0000-4000-8000-%012x","thingTypeName":"TemperatureSensor","attributes":{"region":"us-east-1","hw_rev":"B"},"version":1}`, i, i, i)
}

func shadowJSON(rng *rand.Rand, version int) []byte {
	ts := 1_760_000_000 + rng.IntN(10_000_000)
	return fmt.Appendf(nil, `{"state":{"desired":{"firmware_version":"2.1.0","interval":60},"reported":{"temperature":%.1f,"battery":%d,"firmware_version":"2.0.1","rssi":-%d,"interval":60}},"metadata":{"reported":{"temperature":{"timestamp":%d},"battery":{"timestamp":%d},"firmware_version":{"timestamp":%d}}},"version":%d,"timestamp":%d}`,
		15+rng.Float64()*70, rng.IntN(101), 40+rng.IntN(60), ts, ts, ts-rng.IntN(100_000), version, ts)
}

// populate writes n things and n shadows, unsynced, in large batches.
func populate(b *testing.B, s *Store, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	const chunk = 10_000
	batch := make([]Mutation, 0, 2*chunk)
	for i := range n {
		batch = append(batch, Mutation{thingKey(i), thingJSON(i)}, Mutation{shadowKey(i), shadowJSON(rng, 1)})
		if len(batch) == cap(batch) || i == n-1 {
			if err := s.Commit(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkCommitParallel measures shadow updates with fsync: many
// goroutines each overwrite one random shadow per Commit (~330 bytes) and
// wait for it. commits/s is the throughput; mean-group shows how many
// Commits shared an fsync.
func BenchmarkCommitParallel(b *testing.B) {
	n := benchThings(b, 10_000)
	dir := b.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	populate(b, s, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var seed atomic.Uint64
	for _, goroutines := range []int{2, 16, 64, 256} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			b.ReportAllocs()
			// RunParallel runs parallelism × GOMAXPROCS goroutines.
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			before := s.Stats()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seed.Add(1), 2))
				for v := 2; pb.Next(); v++ {
					i := rng.IntN(n)
					if err := s.Commit([]Mutation{{shadowKey(i), shadowJSON(rng, v)}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			after := s.Stats()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			if g := after.Groups - before.Groups; g > 0 {
				b.ReportMetric(float64(after.Commits-before.Commits)/float64(g), "mean-group")
			}
		})
	}
}

// BenchmarkLoad measures a restart: Open plus Load of n things and n
// shadows, copying every value as a daemon rebuilding its state must.
func BenchmarkLoad(b *testing.B) {
	n := benchThings(b, 100_000)
	dir := b.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	populate(b, s, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		records := 0
		arena := make([]byte, 0, 1<<20)
		err = s.Load(func(_ string, v []byte) error {
			records++
			if len(arena)+len(v) > cap(arena) {
				arena = make([]byte, 0, 1<<20)
			}
			arena = append(arena, v...)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if records != 2*n {
			b.Fatalf("loaded %d records; want %d", records, 2*n)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
