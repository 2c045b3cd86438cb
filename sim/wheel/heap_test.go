package wheel

import "container/heap"

// heapQueue is the oracle and the benchmark baseline: container/heap keyed
// by (due time, Schedule sequence), with the Wheel's API and semantics.
type heapQueue struct {
	now int64
	seq uint64
	h   entries
}

type entry struct {
	key int64 // max(At, clock at Schedule): when the event is delivered
	seq uint64
	ev  Event
}

type entries []entry

func (h entries) Len() int { return len(h) }
func (h entries) Less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].seq < h[j].seq
}
func (h entries) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *entries) Push(x any)   { *h = append(*h, x.(entry)) }
func (h *entries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newHeapQueue(start int64) *heapQueue { return &heapQueue{now: start} }

func (q *heapQueue) Now() int64 { return q.now }
func (q *heapQueue) Len() int   { return len(q.h) }

func (q *heapQueue) Schedule(e Event) {
	q.seq++
	heap.Push(&q.h, entry{key: max(e.At, q.now), seq: q.seq, ev: e})
}

func (q *heapQueue) Next() (int64, bool) {
	if len(q.h) == 0 {
		return 0, false
	}
	return q.h[0].key, true
}

func (q *heapQueue) PopUntil(t int64, fn func(Event)) {
	for len(q.h) > 0 && q.h[0].key <= max(t, q.now) {
		x := heap.Pop(&q.h).(entry)
		q.now = x.key
		fn(x.ev)
	}
	q.now = max(q.now, t)
}

// queue is what the tests and benchmarks drive: a *Wheel or a *heapQueue.
type queue interface {
	Now() int64
	Len() int
	Schedule(Event)
	Next() (int64, bool)
	PopUntil(int64, func(Event))
}

var (
	_ queue = (*Wheel)(nil)
	_ queue = (*heapQueue)(nil)
)
