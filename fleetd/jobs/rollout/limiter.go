package rollout

import "time"

const minuteMs = 60_000

// Limiter is the release schedule of one job's rollout: when each
// execution may be created and notified. It is a value: copying it copies
// the schedule, which is how Due looks ahead. Take and SetSucceeded mutate
// it; the zero Limiter is not usable, get one from NewLimiter.
//
// Releases sit on a grid. At rate r the grid's slot p is
//
//	anchor + ⌈p × 60000 / r⌉ ms
//
// so a minute holds r evenly spaced releases (never a burst at its top),
// and a fractional millisecond rounds up: a release never comes before its
// token. The grid starts at the rollout's start; when the rate rises it
// restarts from the last release at the new spacing (see raise).
type Limiter struct {
	rate      Rate
	step      int
	notified  int64
	succeeded int64
	anchor    int64 // epoch ms: the grid's origin
	pos       int64 // the next release is the grid's slot pos
	last      int64 // epoch ms of the last release, when released
	released  bool  // whether this limiter has released anything
}

// NewLimiter returns the schedule of a rollout at rate r whose first
// release may happen at start, with the counters so far (zero for a new
// job). The first release is due at start.
func NewLimiter(r Rate, start time.Time, notified, succeeded int64) Limiter {
	return Limiter{
		rate:      r,
		step:      r.Step(notified, succeeded),
		notified:  notified,
		succeeded: succeeded,
		anchor:    start.UnixMilli(),
	}
}

// Next returns the time of the next release at or after now: its slot, or
// now when the slot has passed (the release is due).
func (l *Limiter) Next(now time.Time) time.Time {
	return msTime(max(l.slot(l.pos), now.UnixMilli()))
}

// Take records the next release if it is due by now and returns its time:
// its slot, not now. A caller that ticks late therefore releases the
// backlog with the times the schedule gave them, as a virtual clock would
// have, and the schedule stays the same whoever drives it. The release
// counts as notified and may raise the rate for the releases after it.
func (l *Limiter) Take(now time.Time) (time.Time, bool) {
	s := l.slot(l.pos)
	if s > now.UnixMilli() {
		return time.Time{}, false
	}
	l.advance(1)
	return msTime(s), true
}

// Due returns how many releases are due by now: the number of Takes with
// this now that would succeed. It follows the rate increases the releases
// themselves cause (numberOfNotifiedThings); it cannot foresee successes.
func (l Limiter) Due(now time.Time) int64 {
	n := now.UnixMilli()
	var due int64
	for l.slot(l.pos) <= n {
		// Slots pos..pmax of this grid are ≤ n, where ⌈p×60000/r⌉ ≤
		// n−anchor ⇔ p ≤ pmax = ⌊(n−anchor)×r/60000⌋.
		k := (n-l.anchor)*l.perMinute()/minuteMs - l.pos + 1
		if b := l.toNextStep(); b > 0 && b <= k {
			l.advance(b) // the b-th release raises the rate: new grid
			due += b
			continue
		}
		return due + k
	}
	return due
}

// SetSucceeded records that succeeded executions have now succeeded, the
// last of them at at. If that ends the step (numberOfSucceededThings), the
// new rate applies to the releases after at. Report successes in time order
// with the releases: Take what is due before at first.
func (l *Limiter) SetSucceeded(at time.Time, succeeded int64) {
	l.succeeded = succeeded
	l.raise(at.UnixMilli())
}

// PerMinute returns the current rate.
func (l *Limiter) PerMinute() int { return l.rate.PerMinute(l.step) }

// Step returns the current step of an exponential rate (0 for a constant).
func (l *Limiter) Step() int { return l.step }

// Notified returns the number of releases, including those counted at
// NewLimiter.
func (l *Limiter) Notified() int64 { return l.notified }

// Succeeded returns the last succeeded count given.
func (l *Limiter) Succeeded() int64 { return l.succeeded }

func (l *Limiter) perMinute() int64 { return int64(l.rate.PerMinute(l.step)) }

func (l *Limiter) slot(p int64) int64 {
	return l.anchor + ceilDiv(p*minuteMs, l.perMinute())
}

// advance records n releases on the current grid; the caller knows they
// are due and that only the last can end the step.
func (l *Limiter) advance(n int64) {
	l.pos += n
	l.notified += n
	l.last = l.slot(l.pos - 1)
	l.released = true
	l.raise(l.last)
}

// toNextStep returns how many more releases end the step through
// numberOfNotifiedThings, or 0 when releases cannot change the rate.
func (l *Limiter) toNextStep() int64 {
	if l.rate.notifiedEvery == 0 || l.rate.final(l.step) {
		return 0
	}
	// step ≥ notified/notifiedEvery, so this is at least 1.
	return int64(l.step+1)*l.rate.notifiedEvery - l.notified
}

// raise moves to the step the counters call for, at time at (the release
// or success that ended the step). The rate never falls: a counter that
// goes down (a deleted execution) does not undo a step.
//
// After a rise from r to r' the next release is the earliest of
//
//	last release + ⌈60000/r'⌉   the new spacing, counted from the last release
//	the old grid's next slot     a rise never delays a release
//
// but not before at: the new rate applies to releases after the moment the
// threshold was crossed. The grid restarts there. Since every grid is
// rounded up from an exact origin, any r'+1 consecutive releases span at
// least 60 s, so no 60-second window holds more releases than the rate in
// force at its end (the property test checks this over random runs).
func (l *Limiter) raise(at int64) {
	k := max(l.step, l.rate.Step(l.notified, l.succeeded))
	if k == l.step {
		return
	}
	oldNext, old := l.slot(l.pos), l.perMinute()
	l.step = k
	r := l.perMinute()
	if r == old || !l.released {
		// Same spacing, or nothing released yet: the next slot is
		// unchanged (slot 0 is the anchor whatever the rate).
		return
	}
	next := l.last + ceilDiv(minuteMs, r)
	switch {
	case at > min(next, oldNext):
		l.anchor, l.pos = at, 0
	case oldNext < next:
		l.anchor, l.pos = oldNext, 0
	default:
		l.anchor, l.pos = l.last, 1
	}
}

// LimiterState is a Limiter's persistent form.
type LimiterState struct {
	Step      int   `json:"step"`
	Notified  int64 `json:"notified"`
	Succeeded int64 `json:"succeeded"`
	Anchor    int64 `json:"anchor"` // epoch ms
	Pos       int64 `json:"pos"`
	Last      int64 `json:"last,omitempty"` // epoch ms
	Released  bool  `json:"released,omitempty"`
}

// State returns l's persistent form.
func (l *Limiter) State() LimiterState {
	return LimiterState{l.step, l.notified, l.succeeded, l.anchor, l.pos, l.last, l.released}
}

// RestoreLimiter returns the Limiter whose State was s, at rate r (the
// job's, compiled again from its stored configuration). It continues the
// schedule exactly where the original would have.
func RestoreLimiter(r Rate, s LimiterState) Limiter {
	return Limiter{r, s.Step, s.Notified, s.Succeeded, s.Anchor, s.Pos, s.Last, s.Released}
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b } // a ≥ 0, b > 0

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
