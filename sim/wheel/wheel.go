package wheel

import "math/bits"

// Event is one pending occurrence in virtual time. It holds no pointers, so
// a million pending events are a few tens of megabytes the garbage
// collector never scans. Kind, Device and Arg are the caller's: the wheel
// only reads At.
type Event struct {
	At     int64 // virtual time in milliseconds
	Kind   uint8
	Device uint32
	Arg    uint32
}

const (
	slotBits  = 8
	numSlots  = 1 << slotBits // slots per level
	slotMask  = numSlots - 1
	numLevels = 5
	spanBits  = numLevels * slotBits // the wheels cover 2^40 ms, about 34.8 years
	chunkLen  = 64                   // events per chunk
)

// chunk is a fixed block of a slot's FIFO list. Chunks of emptied slots go
// to a free list and are reused by any slot, so the memory held is bounded
// by the peak number of pending events plus one partly filled chunk per
// occupied slot, not by the largest size each slot ever reached.
type chunk struct {
	next *chunk
	n    int32
	ev   [chunkLen]Event
}

// list is a FIFO of events made of chunks.
type list struct{ head, tail *chunk }

// Wheel is a hierarchical timing wheel on a virtual clock. The zero value is
// not usable; call New. A Wheel is not safe for concurrent use.
type Wheel struct {
	now   int64
	n     int // pending events
	due   int // pending events in the due slot (At <= now)
	slots [numLevels][numSlots]list
	occ   [numLevels][numSlots / 64]uint64 // occupied-slot bitmaps

	over    list // events beyond the span of the wheels
	overMin int64

	free   *chunk
	chunks int // chunks allocated, for memory accounting

	nextAt  int64 // cached answer of Next, valid when nextOK
	nextOK  bool
	popping bool
	steps   int // clock advances, so tests can see that empty time is skipped
}

// New returns an empty wheel whose clock reads start.
func New(start int64) *Wheel { return &Wheel{now: start} }

// Now returns the virtual time of the clock.
func (w *Wheel) Now() int64 { return w.now }

// Len returns the number of pending events.
func (w *Wheel) Len() int { return w.n }

// Schedule adds e. An event with e.At < Now() is not an error: it is due
// now and is delivered by the next PopUntil, after the events already due,
// with its At unchanged. Schedule may be called from PopUntil's callback.
func (w *Wheel) Schedule(e Event) {
	w.n++
	w.place(e)
	if w.nextOK {
		if a := max(e.At, w.now); a < w.nextAt {
			w.nextAt = a
		}
	}
}

// Next returns the time of the earliest pending event, or ok == false when
// none is pending. Events that are due (At <= Now(), such as events
// scheduled in the past) report Now(). Next does not move the clock.
func (w *Wheel) Next() (at int64, ok bool) {
	if w.n == 0 {
		return 0, false
	}
	if w.nextOK {
		return w.nextAt, true
	}
	at = w.earliest()
	if !w.popping {
		w.nextAt, w.nextOK = at, true
	}
	return at, true
}

// earliest computes Next for a non-empty wheel.
func (w *Wheel) earliest() int64 {
	if w.due > 0 {
		return w.now
	}
	for k := range numLevels {
		s := w.firstOcc(k, w.from(k))
		if s < 0 {
			continue
		}
		if k == 0 {
			return w.slotStart(0, s) // a level-0 slot holds a single time
		}
		// The lowest occupied level holds the earliest events, and its
		// first occupied slot the earliest of them; find the minimum.
		m := int64(0)
		first := true
		for c := w.slots[k][s].head; c != nil; c = c.next {
			for i := range c.n {
				if a := c.ev[i].At; first || a < m {
					m, first = a, false
				}
			}
		}
		return m
	}
	return w.overMin
}

// PopUntil advances the clock to t, calling fn for every event with
// At <= t in order of At and, for equal At, of the Schedule calls. fn may
// Schedule new events; those with At <= the current delivery time run in
// this call after the ones already due. Events due before the call (At <=
// Now()) are delivered first. If t < Now(), only the due events are
// delivered and the clock stays where it is. fn must not call PopUntil.
func (w *Wheel) PopUntil(t int64, fn func(Event)) {
	if w.popping {
		panic("wheel: PopUntil called from its own callback")
	}
	w.popping = true
	w.nextOK = false
	defer func() { w.popping, w.nextOK = false, false }()
	for {
		w.deliverDue(fn)
		if t <= w.now {
			return
		}
		next, ok := w.nextStop()
		if !ok || next > t {
			w.advance(t)
			return
		}
		w.advance(next)
	}
}

// deliverDue hands the due slot's events to fn in FIFO order, including the
// ones fn appends to it while it runs, then frees the slot.
func (w *Wheel) deliverDue(fn func(Event)) {
	s := int(w.now & slotMask)
	l := &w.slots[0][s]
	if l.head == nil {
		return
	}
	for c := l.head; c != nil; c = c.next {
		for i := int32(0); i < c.n; i++ { // c.n and c.next grow as fn schedules
			w.n--
			w.due--
			fn(c.ev[i])
		}
	}
	w.release(*l)
	*l = list{}
	w.occ[0][s>>6] &^= 1 << (s & 63)
}

// nextStop returns the next time the clock must stop at: the time of the
// first occupied level-0 slot, the start of the first occupied slot of a
// higher level (which is then cascaded), or the earliest overflow event.
// None of them is later than the earliest pending event.
func (w *Wheel) nextStop() (int64, bool) {
	for k := range numLevels {
		if s := w.firstOcc(k, w.from(k)); s >= 0 {
			return w.slotStart(k, s), true
		}
	}
	if w.over.head != nil {
		return w.overMin, true
	}
	return 0, false
}

// from is the first slot of level k that can hold an event not yet due.
func (w *Wheel) from(k int) int {
	if k == 0 {
		return int(w.now&slotMask) + 1
	}
	return 0
}

// slotStart is the first time covered by slot s of level k in the current
// rotation.
func (w *Wheel) slotStart(k, s int) int64 {
	shift := uint(k * slotBits)
	base := w.now >> (shift + slotBits) << (shift + slotBits)
	return base | int64(s)<<shift
}

// advance moves the clock to t. Precondition: the due slot is empty and no
// pending event has At < t. Afterwards every event is again where place
// would put it for the new clock.
func (w *Wheel) advance(t int64) {
	old := w.now
	w.now = t
	w.steps++
	// Events already in level-0 slot byte_0(t) (At == t) are now due.
	for c := w.slots[0][t&slotMask].head; c != nil; c = c.next {
		w.due += int(c.n)
	}
	if t>>spanBits != old>>spanBits {
		// The wheels are empty here: their events all lie before the next
		// 2^40 boundary, which t has reached. Re-place the overflow.
		l := w.over
		w.over = list{}
		w.cascade(l)
		return
	}
	// An event of level k must move down exactly when the clock enters its
	// slot, which is slot byte_k(t). Slots below are empty or re-placed
	// correctly; events never land in a slot being cascaded except level 0.
	for k := numLevels - 1; k >= 1; k-- {
		s := int(t>>(k*slotBits)) & slotMask
		if w.occ[k][s>>6]&(1<<(s&63)) == 0 {
			continue
		}
		l := w.slots[k][s]
		w.slots[k][s] = list{}
		w.occ[k][s>>6] &^= 1 << (s & 63)
		w.cascade(l)
	}
}

// cascade re-places the events of a detached list in their order, which
// keeps events of equal At in Schedule order. Each chunk is freed as soon as
// it is read, so cascading a large slot needs almost no extra chunks.
func (w *Wheel) cascade(l list) {
	for c := l.head; c != nil; {
		for i := range c.n {
			w.place(c.ev[i])
		}
		next := c.next
		c.next = w.free
		w.free = c
		c = next
	}
}

// place puts e in the slot determined by e.At and the clock alone: the due
// slot if e.At <= now, else the level of the highest byte in which e.At
// differs from now, else the overflow list. Because the place depends only
// on (At, now), events of equal At always share one FIFO.
func (w *Wheel) place(e Event) {
	var k, s int
	if e.At <= w.now {
		s = int(w.now & slotMask)
		w.due++
	} else {
		k = (bits.Len64(uint64(e.At^w.now)) - 1) / slotBits
		if k >= numLevels {
			if w.over.head == nil || e.At < w.overMin {
				w.overMin = e.At
			}
			w.push(&w.over, e)
			return
		}
		s = int(e.At>>(k*slotBits)) & slotMask
	}
	w.push(&w.slots[k][s], e)
	w.occ[k][s>>6] |= 1 << (s & 63)
}

func (w *Wheel) push(l *list, e Event) {
	c := l.tail
	if c == nil || c.n == chunkLen {
		nc := w.alloc()
		if c == nil {
			l.head = nc
		} else {
			c.next = nc
		}
		l.tail = nc
		c = nc
	}
	c.ev[c.n] = e
	c.n++
}

func (w *Wheel) alloc() *chunk {
	c := w.free
	if c == nil {
		w.chunks++
		return new(chunk)
	}
	w.free = c.next
	c.next, c.n = nil, 0
	return c
}

func (w *Wheel) release(l list) {
	if l.head != nil {
		l.tail.next = w.free
		w.free = l.head
	}
}

// firstOcc returns the first occupied slot of level k at or after from, or -1.
func (w *Wheel) firstOcc(k, from int) int {
	for i := from >> 6; i < numSlots/64; i++ {
		m := w.occ[k][i]
		if i == from>>6 {
			m &= ^uint64(0) << (from & 63)
		}
		if m != 0 {
			return i<<6 | bits.TrailingZeros64(m)
		}
	}
	return -1
}
