package wheel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

const (
	second = int64(1000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
)

// delay draws a delay exercising every part of the wheel: the current time,
// the past, each level, empty stretches and the overflow beyond 2^40 ms.
func delay(r *rand.Rand) int64 {
	switch r.IntN(10) {
	case 0:
		return 0
	case 1:
		return -r.Int64N(5 * second) // in the past
	case 2:
		return r.Int64N(256)
	case 3:
		return r.Int64N(70 * second)
	case 4:
		return r.Int64N(5 * hour)
	case 5:
		return r.Int64N(60 * day)
	case 6:
		return 1<<40 + r.Int64N(1<<42) // far future, beyond the wheels
	default:
		return int64(r.ExpFloat64() * float64(10*minute))
	}
}

// drive runs one random history against q and returns its transcript:
// every delivery, Next answer, clock reading and length, in order.
func drive(q queue, seed uint64, ops int) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []string
	id := uint32(0)
	sched := func(at int64) {
		id++
		q.Schedule(Event{At: at, Kind: uint8(id), Device: id * 3, Arg: id})
	}
	fn := func(e Event) {
		out = append(out, fmt.Sprintf("pop %d@%d now=%d len=%d", e.Arg, e.At, q.Now(), q.Len()))
		if at, ok := q.Next(); ok && at < q.Now() {
			out = append(out, fmt.Sprintf("Next in fn %d < now %d", at, q.Now()))
		}
		for r.IntN(3) == 0 { // re-schedule 0..n events, often at the current time
			if r.IntN(4) == 0 {
				sched(q.Now())
			} else {
				sched(q.Now() + delay(r))
			}
		}
	}
	for range ops {
		switch r.IntN(8) {
		case 0, 1, 2:
			for range r.IntN(20) {
				sched(q.Now() + delay(r))
			}
		case 3: // pop exactly to the next event
			if at, ok := q.Next(); ok {
				q.PopUntil(at, fn)
			}
		case 4: // long jump over hours or days
			q.PopUntil(q.Now()+r.Int64N(3*day), fn)
		case 5:
			q.PopUntil(q.Now()+r.Int64N(2*second), fn)
		case 6: // a deadline in the past: only due events
			q.PopUntil(q.Now()-r.Int64N(100), fn)
		case 7: // very long jump into the overflow region
			if r.IntN(10) == 0 {
				q.PopUntil(q.Now()+r.Int64N(1<<43), fn)
			}
		}
		at, ok := q.Next()
		out = append(out, fmt.Sprintf("now=%d len=%d next=%d,%v", q.Now(), q.Len(), at, ok))
	}
	q.PopUntil(1<<62, fn) // drain
	out = append(out, fmt.Sprintf("end now=%d len=%d", q.Now(), q.Len()))
	return out
}

func TestAgainstHeap(t *testing.T) {
	for seed := range uint64(200) {
		start := int64(seed) * 977 * hour
		if seed%5 == 0 {
			start = -start // negative clocks work too
		}
		got := drive(New(start), seed, 300)
		want := drive(newHeapQueue(start), seed, 300)
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("seed %d: transcripts differ at line %d:\nwheel: %s\nheap:  %s", seed, i, at(got, i), at(want, i))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if at(a, i) != at(b, i) {
			return i
		}
	}
	return -1
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<end>"
}

// TestOrderProperty checks the ordering contract on the wheel alone: times
// never decrease, and events of equal delivery time come out in Schedule
// order, whatever level they were scheduled at.
func TestOrderProperty(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 1))
		w := New(0)
		seq := uint32(0)
		sched := func(at int64) { seq++; w.Schedule(Event{At: at, Arg: seq}) }
		// Few distinct times so ties are common, spread over every level.
		times := []int64{0, 1, 255, 256, 70 * second, 3 * hour, 40 * day, 1<<40 + 5}
		for range 5000 {
			sched(times[r.IntN(len(times))] + r.Int64N(2))
		}
		var last Event
		var lastKey int64
		n := 0
		w.PopUntil(1<<41, func(e Event) {
			key := max(e.At, w.Now())
			if w.Now() != key {
				t.Fatalf("seed %d: event at %d delivered at %d", seed, e.At, w.Now())
			}
			if n > 0 && (key < lastKey || key == lastKey && e.Arg < last.Arg) {
				t.Fatalf("seed %d: %+v delivered after %+v", seed, e, last)
			}
			if r.IntN(4) == 0 { // ties created from inside fn, at now and later
				sched(w.Now() + []int64{0, 0, 1, 300, 2 * hour}[r.IntN(5)])
			}
			last, lastKey = e, key
			n++
		})
		if w.Len() != 0 && w.Now() != 1<<41 {
			t.Fatalf("seed %d: len %d now %d", seed, w.Len(), w.Now())
		}
	}
}

// TestCascadeKeepsInsertionOrder: A is scheduled for T from far away (level
// 2), B for the same T once the clock is close (level 0). A was scheduled
// first and must come first.
func TestCascadeKeepsInsertionOrder(t *testing.T) {
	w := New(0)
	T := 3*hour + 17
	w.Schedule(Event{At: T, Arg: 1})
	w.Schedule(Event{At: T - 1, Arg: 0})
	w.PopUntil(T-1, func(Event) {
		w.Schedule(Event{At: T, Arg: 2}) // placed directly at level 0
	})
	w.Schedule(Event{At: T, Arg: 3})
	var got []uint32
	w.PopUntil(T, func(e Event) {
		got = append(got, e.Arg)
		if e.Arg == 1 {
			w.Schedule(Event{At: T, Arg: 4}) // now: runs in this call, last
		}
	})
	if want := []uint32{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("delivery order %v; want %v", got, want)
	}
}

func TestPastAndCurrentEvents(t *testing.T) {
	w := New(1000)
	w.Schedule(Event{At: 1000, Arg: 1})
	w.Schedule(Event{At: 10, Arg: 2}) // in the past: due now, keeps its At
	if at, ok := w.Next(); at != 1000 || !ok {
		t.Errorf("Next() = %d, %v; want 1000, true", at, ok)
	}
	var got []Event
	w.PopUntil(500, func(e Event) { got = append(got, e) }) // t < Now: due only
	want := []Event{{At: 1000, Arg: 1}, {At: 10, Arg: 2}}
	if !slices.Equal(got, want) || w.Now() != 1000 || w.Len() != 0 {
		t.Errorf("PopUntil(500) delivered %v, now %d, len %d; want %v, 1000, 0", got, w.Now(), w.Len(), want)
	}
	if _, ok := w.Next(); ok {
		t.Errorf("Next() on an empty wheel: ok")
	}
}

// TestLongJumps: hours and years of empty virtual time are crossed in a
// handful of clock stops, not one per millisecond.
func TestLongJumps(t *testing.T) {
	w := New(5)
	far := []int64{5 + 9*hour + 123, 5 + 40*day + 7, 5 + 3<<40 + 11, 5 + 7<<44}
	for _, at := range far {
		w.Schedule(Event{At: at})
	}
	for i, want := range far {
		at, ok := w.Next()
		if !ok || at != want {
			t.Fatalf("Next() = %d, %v; want %d", at, ok, want)
		}
		steps := w.steps
		var got []int64
		w.PopUntil(at, func(e Event) { got = append(got, e.At) })
		if !slices.Equal(got, far[i:i+1]) || w.Now() != want {
			t.Fatalf("PopUntil(%d) delivered %v, now %d", at, got, w.Now())
		}
		if s := w.steps - steps; s > 2*numLevels {
			t.Errorf("jump to %d took %d clock stops; want ≤ %d", at, s, 2*numLevels)
		}
	}
	steps := w.steps
	w.PopUntil(w.Now()+100*day, func(Event) { t.Error("event on an empty wheel") })
	if w.Now() != far[3]+100*day || w.steps-steps != 1 {
		t.Errorf("empty jump: now %d, %d stops", w.Now(), w.steps-steps)
	}
}

func TestReentrantPopPanics(t *testing.T) {
	w := New(0)
	w.Schedule(Event{At: 1})
	defer func() {
		if recover() == nil {
			t.Error("PopUntil from its callback did not panic")
		}
	}()
	w.PopUntil(1, func(Event) { w.PopUntil(2, func(Event) {}) })
}

// TestChunksReused: a steady state holds about as many chunks as its peak
// needs, not one full-size buffer per slot.
func TestChunksReused(t *testing.T) {
	w := New(0)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	for range n {
		w.Schedule(Event{At: int64(r.ExpFloat64() * float64(10*minute))})
	}
	resched := func(e Event) { w.Schedule(Event{At: w.Now() + int64(r.ExpFloat64()*float64(10*minute))}) }
	w.PopUntil(2*hour, resched)
	before := w.chunks
	w.PopUntil(10*hour, resched) // crosses the 4.66 h boundary of level 3
	if w.Len() != n {
		t.Fatalf("Len() = %d; want %d", w.Len(), n)
	}
	if per := float64(w.chunks*chunkSize) / n; per > 32 || w.chunks > before+before/100 {
		t.Errorf("%d chunks (%d before), %.1f B per pending event", w.chunks, before, per)
	}
}
