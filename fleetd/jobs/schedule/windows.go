package schedule

import (
	"math/bits"
	"time"
)

// Horizon bounds how far ahead NextChange follows an open run of
// overlapping maintenance windows that has no endTime to stop it: twice
// the longest job AWS schedules. A run still open that far ahead is
// treated as never closing.
const Horizon = 4 * 366 * 24 * time.Hour

// Window is one recurring maintenance window: it opens at every fire time
// of Start and stays open for Duration, a whole number of minutes (Compile
// gives 1..1430; others are rounded up and held to 1..1440).
type Window struct {
	Start    *Cron
	Duration time.Duration
}

// Windows is when a scheduled job may roll out: from Start (zero: no
// start, always begun) until End (zero: no end), and, when Recurring is
// not empty, only inside one of its windows. Overlapping or touching
// windows merge into one open run; a window that opened before Start and
// is still open at Start counts from Start.
type Windows struct {
	Start, End time.Time
	Recurring  []Window
}

// Open reports whether the rollout may proceed at now.
func (w Windows) Open(now time.Time) bool {
	if !w.Start.IsZero() && now.Before(w.Start) || !w.End.IsZero() && !now.Before(w.End) {
		return false
	}
	return len(w.Recurring) == 0 || w.covered(now)
}

// NextChange returns the first time after now at which Open's answer
// differs from Open(now), for the engine's timer, or the zero Time when it
// never changes (after End, or an open run that reaches past Horizon
// without an End).
func (w Windows) NextChange(now time.Time) time.Time {
	switch {
	case !w.End.IsZero() && !now.Before(w.End):
		return time.Time{}
	case !w.Start.IsZero() && now.Before(w.Start):
		if w.Open(w.Start) {
			return w.Start
		}
		return w.nextOpening(w.Start)
	case w.Open(now):
		return w.closing(now)
	}
	return w.nextOpening(now)
}

// NextStarts returns the starts of the next n open runs that begin at or
// after now, as DescribeJob's scheduledJobRollouts lists them (n = 7,
// MaxScheduledRollouts). Without recurring windows the only start is
// Start itself.
func (w Windows) NextStarts(now time.Time, n int) []time.Time {
	var starts []time.Time
	t := now.Add(-time.Nanosecond) // so that a run opening at now counts
	for len(starts) < n {
		t = w.NextChange(t)
		if t.IsZero() {
			break
		}
		if w.Open(t) {
			starts = append(starts, t)
		}
	}
	return starts
}

// covered reports whether some window is open at t: a fire time f with
// t-Duration < f ≤ t.
func (w Windows) covered(t time.Time) bool {
	for _, win := range w.Recurring {
		if f, ok := win.Start.Next(t.Add(-time.Duration(win.span()) * time.Minute)); ok && !f.After(t) {
			return true
		}
	}
	return false
}

// nextOpening returns the first fire time after t before End, t being a
// time at or after Start when the schedule is closed.
func (w Windows) nextOpening(t time.Time) time.Time {
	var first time.Time
	for _, win := range w.Recurring {
		if f, ok := win.Start.Next(t); ok && (first.IsZero() || f.Before(first)) {
			first = f
		}
	}
	if !w.End.IsZero() && !first.Before(w.End) {
		return time.Time{}
	}
	return first
}

// closing returns the end of the open run containing t, capped at End.
// It walks day by day: a window whose cron fires on a day keeps the same
// minutes of that day and the next open, so each day's open minutes are a
// union of precomputed masks, and the run ends at the first minute none
// covers. The cost is a few word operations per day, however often the
// windows fire.
func (w Windows) closing(t time.Time) time.Time {
	if len(w.Recurring) == 0 {
		return w.End
	}
	n := len(w.Recurring)
	var buf [4]twoDays // room for the usual few windows without allocating
	covers := buf[:0]
	if n > len(buf) {
		covers = make([]twoDays, 0, n)
	}
	covers = covers[:n]
	for i, win := range w.Recurring {
		covers[i] = win.coverage()
	}
	t = t.UTC()
	day0 := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	lastDay := int(t.Add(Horizon).Sub(day0) / (24 * time.Hour))
	reachesEnd := false
	if !w.End.IsZero() {
		// The first day that starts at or after End: the run is capped there.
		if endDay := int((w.End.Sub(day0) + 24*time.Hour - 1) / (24 * time.Hour)); endDay <= lastDay {
			lastDay, reachesEnd = endDay, true
		}
	}
	// Walk the calendar in integers, one daysOf per window and month.
	year, month, day := day0.Date()
	monthDays := make([]uint32, n)
	firedBefore := make([]bool, n) // the window fired the previous day
	loadMonth := func() {
		for i, win := range w.Recurring {
			monthDays[i] = 0
			if win.Start.year.has(year-MinCronYear) && win.Start.month.has(int(month)-1) {
				monthDays[i] = win.Start.daysOf(year, month)
			}
		}
	}
	loadMonth()
	for i, win := range w.Recurring {
		firedBefore[i] = win.Start.firesOn(day0.AddDate(0, 0, -1))
	}
	from := t.Hour()*60 + t.Minute()
	for days := 0; days <= lastDay; days++ {
		var open oneDay
		for i := range covers {
			fires := monthDays[i]&(1<<(day-1)) != 0
			if fires {
				open.or(covers[i], 0)
			}
			if firedBefore[i] {
				open.or(covers[i], minutesPerDay)
			}
			firedBefore[i] = fires
		}
		if m, ok := open.firstClear(from); ok {
			end := day0.Add(time.Duration(days)*24*time.Hour + time.Duration(m)*time.Minute)
			if !w.End.IsZero() && end.After(w.End) {
				return w.End
			}
			return end
		}
		from = 0
		if day++; day > daysIn(year, month) {
			day, month = 1, month+1
			if month > time.December {
				month, year = time.January, year+1
			}
			loadMonth()
		}
	}
	if reachesEnd {
		return w.End
	}
	return time.Time{}
}

// span is Duration as whole minutes, 1..1440: Compile gives 1..1430, and
// the day-by-day walk relies on a window never outlasting the next day.
func (win Window) span() int {
	m := int((win.Duration + time.Minute - 1) / time.Minute)
	return min(max(m, 1), minutesPerDay)
}

// coverage returns the minutes the window keeps open because of its fires
// on one day, counted from that day's midnight into the next day.
func (win Window) coverage() twoDays {
	var fires, cover twoDays
	for h := range 24 {
		if !win.Start.hour.has(h) {
			continue
		}
		for m := range 60 {
			if win.Start.minute.has(m) {
				fires.set(h*60 + m)
			}
		}
	}
	// Dilate: cover = fires | fires<<1 | … | fires<<(span-1), by doubling.
	cover = fires
	for width, span := 1, win.span(); width < span; {
		shift := min(width, span-width)
		cover.orShifted(cover, shift)
		width += shift
	}
	return cover
}

const minutesPerDay = 24 * 60

// oneDay and twoDays are minute sets, bit i for minute i after midnight.
type (
	oneDay  [(minutesPerDay + 63) / 64]uint64 // bits past 1439 are ignored
	twoDays [2*minutesPerDay/64 + 1]uint64
)

func (s *twoDays) set(i int) { s[i/64] |= 1 << (i % 64) }

// orShifted sets s |= x << shift (toward later minutes), for shift < 64·len.
func (s *twoDays) orShifted(x twoDays, shift int) {
	words, bitsOff := shift/64, uint(shift%64)
	for i := len(s) - 1; i >= words; i-- {
		v := x[i-words] << bitsOff
		if bitsOff != 0 && i-words-1 >= 0 {
			v |= x[i-words-1] >> (64 - bitsOff)
		}
		s[i] |= v
	}
}

// or sets d |= the 1440 minutes of c starting at minute from (0 or 1440).
func (d *oneDay) or(c twoDays, from int) {
	words, bitsOff := from/64, uint(from%64)
	for i := range d {
		v := c[i+words] >> bitsOff
		if bitsOff != 0 {
			v |= c[i+words+1] << (64 - bitsOff)
		}
		d[i] |= v
	}
}

// firstClear returns the first minute ≥ from, < 1440, not in d.
func (d *oneDay) firstClear(from int) (int, bool) {
	for i := from / 64; i < len(d); i++ {
		word := ^d[i]
		if i == from/64 {
			word &^= 1<<(from%64) - 1
		}
		if word != 0 {
			if m := i*64 + bits.TrailingZeros64(word); m < minutesPerDay {
				return m, true
			}
			return 0, false
		}
	}
	return 0, false
}
