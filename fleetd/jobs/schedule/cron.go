package schedule

import (
	"math/bits"
	"time"
)

// The years an AWS cron expression can name.
const (
	MinCronYear = 1970
	MaxCronYear = 2199
)

// Cron is a parsed AWS cron expression. It is immutable and comparable:
// two expressions that fire at the same times field by field are equal.
// All times are UTC.
type Cron struct {
	text   string
	minute bitset // bit m
	hour   bitset // bit h
	month  bitset // bit month-1
	year   bitset // bit year-MinCronYear
	dom    domSpec
	dow    dowSpec
}

// domSpec is the day-of-month field; bit d-1 stands for day d.
type domSpec struct {
	any         bool // "?": the day-of-week field decides
	days        uint32
	last        bool   // L
	lastWeekday bool   // LW
	nearest     uint32 // nW: the weekday nearest day n, within its month
}

// dowSpec is the day-of-week field; bit x-1 stands for day x, 1 = SUN.
type dowSpec struct {
	any  bool // "?": the day-of-month field decides
	days uint8
	last uint8    // xL: the month's last day x
	nth  [5]uint8 // x#k: nth[k-1], the month's k-th day x
}

// String returns the expression with its fields separated by single
// spaces; it parses back to an equal Cron.
func (c *Cron) String() string { return c.text }

// Next returns the first time the expression fires strictly after after,
// and false if it never does (before the end of MaxCronYear). Fire times
// fall on whole minutes. It steps field by field, year, month, day, hour,
// minute, so its cost is bounded by the number of years scanned, not the
// minutes between after and the answer; an expression that can never fire
// (cron(0 0 30 FEB ? *)) costs one pass over the remaining years.
func (c *Cron) Next(after time.Time) (time.Time, bool) {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	year, month, day := t.Date()
	hour, minute := t.Hour(), t.Minute()
	if year < MinCronYear {
		year, month, day, hour, minute = MinCronYear, time.January, 1, 0, 0
	}
	for year <= MaxCronYear {
		y, ok := c.year.next(year - MinCronYear)
		if !ok {
			return time.Time{}, false
		}
		if y += MinCronYear; y != year {
			year, month, day, hour, minute = y, time.January, 1, 0, 0
		}
		for month <= time.December {
			m, ok := c.month.next(int(month) - 1)
			if !ok {
				break
			}
			if m := time.Month(m + 1); m != month {
				month, day, hour, minute = m, 1, 0, 0
			}
			days := c.daysOf(year, month)
			for {
				d := day
				if d <= 31 {
					d = bits.TrailingZeros32(days>>(d-1)) + d // 32+d when none left
				}
				if d > 31 {
					break
				}
				if d != day {
					day, hour, minute = d, 0, 0
				}
				h, ok := c.hour.next(hour)
				if !ok {
					day, hour, minute = day+1, 0, 0
					continue
				}
				if h != hour {
					hour, minute = h, 0
				}
				mi, ok := c.minute.next(minute)
				if !ok {
					hour, minute = hour+1, 0
					continue
				}
				return time.Date(year, month, day, hour, mi, 0, 0, time.UTC), true
			}
			month, day, hour, minute = month+1, 1, 0, 0
		}
		year, month, day, hour, minute = year+1, time.January, 1, 0, 0
	}
	return time.Time{}, false
}

// firesOn reports whether the expression fires on the day of t (UTC).
func (c *Cron) firesOn(t time.Time) bool {
	year, month, day := t.Date()
	return c.year.has(year-MinCronYear) && c.month.has(int(month)-1) && c.daysOf(year, month)&(1<<(day-1)) != 0
}

// daysOf returns the days of the given month the expression fires on, bit
// d-1 for day d.
func (c *Cron) daysOf(year int, month time.Month) uint32 {
	n := daysIn(year, month)
	first := int(time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Weekday()) // 0 = Sunday
	if !c.dom.any {
		s := c.dom.days & (1<<n - 1)
		if c.dom.last {
			s |= 1 << (n - 1)
		}
		if c.dom.lastWeekday {
			s |= 1 << (nearestWeekday(n, n, first) - 1)
		}
		for near := c.dom.nearest & (1<<n - 1); near != 0; near &= near - 1 {
			d := bits.TrailingZeros32(near) + 1
			s |= 1 << (nearestWeekday(d, n, first) - 1)
		}
		return s
	}
	var s uint32
	for x := range 7 { // x = weekday, 0 = Sunday, cron day x+1
		bit := uint8(1) << x
		d1 := 1 + (x-first+7)%7 // the month's first day x
		if c.dow.days&bit != 0 {
			for d := d1; d <= n; d += 7 {
				s |= 1 << (d - 1)
			}
		}
		if c.dow.last&bit != 0 {
			s |= 1 << (d1 + 7*((n-d1)/7) - 1)
		}
		for k, week := range c.dow.nth {
			if d := d1 + 7*k; week&bit != 0 && d <= n {
				s |= 1 << (d - 1)
			}
		}
	}
	return s
}

// nearestWeekday is the W rule: day d of an n-day month whose first day is
// weekday first moves to the nearest Monday..Friday without leaving the
// month: Saturday to Friday, or to Monday the 3rd when d is the 1st;
// Sunday to Monday, or to Friday when d is the last day.
func nearestWeekday(d, n, first int) int {
	switch (first + d - 1) % 7 {
	case 6: // Saturday
		if d == 1 {
			return 3
		}
		return d - 1
	case 0: // Sunday
		if d == n {
			return d - 2
		}
		return d + 1
	}
	return d
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// bitset is a set of small non-negative integers, enough for the 230
// cron years.
type bitset [4]uint64

func (s *bitset) add(i int) { s[i/64] |= 1 << (i % 64) }

func (s *bitset) has(i int) bool { return i >= 0 && i < 256 && s[i/64]&(1<<(i%64)) != 0 }

// next returns the smallest member ≥ i.
func (s *bitset) next(i int) (int, bool) {
	if i < 0 {
		i = 0
	}
	for w := i / 64; w < len(s); w++ {
		word := s[w]
		if w == i/64 {
			word &^= 1<<(i%64) - 1
		}
		if word != 0 {
			return w*64 + bits.TrailingZeros64(word), true
		}
	}
	return 0, false
}
