package schedule

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// matches is the oracle: whether c fires at minute t, decided from the
// definitions of each field for that one time, independently of Next's
// field-wise stepping and of daysOf.
func (c *Cron) matches(t time.Time) bool {
	year, month, day := t.Date()
	if !c.minute.has(t.Minute()) || !c.hour.has(t.Hour()) || !c.month.has(int(month)-1) || !c.year.has(year-MinCronYear) {
		return false
	}
	return c.matchesDay(year, month, day)
}

func (c *Cron) matchesDay(year int, month time.Month, day int) bool {
	last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	weekday := func(d int) time.Weekday { return time.Date(year, month, d, 0, 0, 0, 0, time.UTC).Weekday() }
	isWeekday := func(d int) bool { wd := weekday(d); return wd != time.Saturday && wd != time.Sunday }
	// nearest is the weekday closest to d within the month (no ties exist).
	nearest := func(d int) int {
		for dist := 0; ; dist++ {
			for _, cand := range []int{d - dist, d + dist} {
				if cand >= 1 && cand <= last && isWeekday(cand) {
					return cand
				}
			}
		}
	}
	if c.dow.any {
		if c.dom.days&(1<<(day-1)) != 0 || c.dom.last && day == last || c.dom.lastWeekday && nearest(last) == day {
			return true
		}
		for n := 1; n <= last; n++ {
			if c.dom.nearest&(1<<(n-1)) != 0 && nearest(n) == day {
				return true
			}
		}
		return false
	}
	bit := uint8(1) << int(weekday(day)) // cron day x = Weekday+1, bit x-1
	if c.dow.days&bit != 0 || c.dow.last&bit != 0 && day+7 > last {
		return true
	}
	return c.dow.nth[(day-1)/7]&bit != 0
}

// oracleNext scans minute by minute, skipping only whole days the oracle
// rejects, up to horizon.
func oracleNext(c *Cron, after, horizon time.Time) (time.Time, bool) {
	t := after.Truncate(time.Minute).Add(time.Minute)
	for t.Before(horizon) {
		y, m, d := t.Date()
		if y > MaxCronYear {
			return time.Time{}, false
		}
		if !c.month.has(int(m)-1) || !c.year.has(y-MinCronYear) || !c.matchesDay(y, m, d) {
			t = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if c.matches(t) {
			return t, true
		}
		t = t.Add(time.Minute)
	}
	return time.Time{}, false
}

// randomCron builds a valid expression from the whole grammar, biased to
// fire often enough that the horizon sees several fire times.
func randomCron(r *rand.Rand) string {
	pick := func(opts ...string) string { return opts[r.IntN(len(opts))] }
	num := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	simple := func(lo, hi int, names []string) string {
		val := func() string {
			v := num(lo, hi)
			if names != nil && r.IntN(2) == 0 {
				return names[v-lo]
			}
			return fmt.Sprint(v)
		}
		var items []string
		for range 1 + r.IntN(3) {
			switch r.IntN(6) {
			case 0:
				items = append(items, "*")
			case 1:
				items = append(items, fmt.Sprintf("*/%d", num(1, hi-lo+1)))
			case 2:
				a := num(lo, hi)
				b := num(a, hi)
				items = append(items, fmt.Sprintf("%d-%d", a, b))
			case 3:
				a := num(lo, hi)
				items = append(items, fmt.Sprintf("%d-%d/%d", a, num(a, hi), num(1, 5)))
			case 4:
				items = append(items, fmt.Sprintf("%d/%d", num(lo, hi), num(1, 10)))
			default:
				items = append(items, val())
			}
		}
		return strings.Join(items, ",")
	}
	minutes := pick("0", "*/15", "30", simple(0, 59, nil))
	hours := pick("0", "*/6", "12", simple(0, 23, nil))
	months := pick("*", "*", simple(1, 12, cronFields[fieldMonth].names))
	years := pick("*", "*", "2025-2027", simple(2024, 2030, nil))
	dom, dow := "?", "?"
	if r.IntN(2) == 0 {
		var items []string
		for range 1 + r.IntN(2) {
			items = append(items, pick("L", "LW", fmt.Sprintf("%dW", num(1, 31)), simple(1, 31, nil)))
		}
		dom = strings.Join(items, ",")
	} else {
		var items []string
		for range 1 + r.IntN(2) {
			items = append(items, pick("L", fmt.Sprintf("%dL", num(1, 7)), fmt.Sprintf("%s#%d", pick("1", "MON", "WED", "7"), num(1, 5)),
				simple(1, 7, cronFields[fieldDayOfWeek].names)))
		}
		dow = strings.Join(items, ",")
	}
	return fmt.Sprintf("cron(%s %s %s %s %s %s)", minutes, hours, dom, months, dow, years)
}

func TestCronNextAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := 400
	if testing.Short() {
		cases = 50
	}
	for range cases {
		expr := randomCron(r)
		c := mustCron(t, expr)
		after := time.Date(2023+r.IntN(5), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
		horizon := after.AddDate(1, 0, 0)
		for i := 0; i < 40; i++ {
			want, wantOK := oracleNext(c, after, horizon)
			got, ok := c.Next(after)
			if !wantOK {
				if ok && got.Before(horizon) {
					t.Fatalf("%s.Next(%v) = %v; oracle finds none before %v", expr, after, got, horizon)
				}
				break
			}
			if !ok || !got.Equal(want) {
				t.Fatalf("%s.Next(%v) = %v, %v; oracle %v", expr, after, got, ok, want)
			}
			after = got.Add(time.Duration(r.IntN(3)) * time.Hour)
		}
	}
}
