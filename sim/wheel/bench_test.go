package wheel

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

const chunkSize = int(unsafe.Sizeof(chunk{}))

// BenchmarkSteadyState holds 1M pending events with exponential delays
// around 10 minutes; every popped event reschedules one. One iteration pops
// one second of virtual time (about 1,700 events).
func BenchmarkSteadyState(b *testing.B) {
	b.Run("wheel", func(b *testing.B) {
		w := New(0)
		benchSteady(b, w, func() float64 {
			return float64(w.chunks*chunkSize+int(unsafe.Sizeof(*w))) / float64(w.Len())
		})
	})
	b.Run("heap", func(b *testing.B) {
		q := newHeapQueue(0)
		benchSteady(b, q, func() float64 {
			return float64(cap(q.h)*int(unsafe.Sizeof(entry{}))) / float64(q.Len())
		})
	})
}

func benchSteady(b *testing.B, q queue, bytesPerEvent func() float64) {
	const pending = 1 << 20
	r := rand.New(rand.NewPCG(42, 42))
	delays := make([]int64, 1<<16) // the same table for both queues
	for i := range delays {
		delays[i] = 1 + int64(r.ExpFloat64()*float64(10*minute))
	}
	i := 0
	for n := range pending {
		q.Schedule(Event{At: delays[i], Device: uint32(n)})
		i = (i + 1) & (len(delays) - 1)
	}
	events := 0
	fn := func(e Event) {
		e.At = q.Now() + delays[i]
		i = (i + 1) & (len(delays) - 1)
		q.Schedule(e)
		events++
	}
	q.PopUntil(q.Now()+hour, fn) // warm up into the steady state
	events = 0
	b.ReportAllocs()
	for b.Loop() {
		q.PopUntil(q.Now()+second, fn)
	}
	if q.Len() != pending {
		b.Fatalf("Len() = %d; want %d", q.Len(), pending)
	}
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/float64(events), "ns/event")
	b.ReportMetric(float64(events)/ns*1e9, "events/s")
	b.ReportMetric(bytesPerEvent(), "B/pending")
}
