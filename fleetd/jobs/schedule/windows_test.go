package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func window(t testing.TB, expr string, minutes int) Window {
	return Window{Start: mustCron(t, expr), Duration: time.Duration(minutes) * time.Minute}
}

func TestWindowsWithoutRecurring(t *testing.T) {
	w := Windows{Start: at(2025, 1, 1, 10, 0), End: at(2025, 1, 1, 12, 0)}
	opens := []struct {
		now  time.Time
		want bool
	}{
		{at(2025, 1, 1, 9, 59), false},
		{at(2025, 1, 1, 10, 0), true},
		{at(2025, 1, 1, 11, 59), true},
		{at(2025, 1, 1, 12, 0), false},
	}
	for _, tt := range opens {
		if got := w.Open(tt.now); got != tt.want {
			t.Errorf("Open(%v) = %v; want %v", tt.now, got, tt.want)
		}
	}
	changes := []struct{ now, want time.Time }{
		{at(2025, 1, 1, 9, 0), at(2025, 1, 1, 10, 0)},
		{at(2025, 1, 1, 10, 0), at(2025, 1, 1, 12, 0)},
		{at(2025, 1, 1, 12, 0), time.Time{}},
	}
	for _, tt := range changes {
		if got := w.NextChange(tt.now); !got.Equal(tt.want) {
			t.Errorf("NextChange(%v) = %v; want %v", tt.now, got, tt.want)
		}
	}
	if got := w.NextStarts(at(2025, 1, 1, 9, 0), 7); !slices.Equal(got, []time.Time{at(2025, 1, 1, 10, 0)}) {
		t.Errorf("NextStarts before start = %v; want [10:00]", got)
	}
	if got := w.NextStarts(at(2025, 1, 1, 10, 30), 7); len(got) != 0 {
		t.Errorf("NextStarts after start = %v; want none", got)
	}
	// No schedule at all: always open, never changes.
	var always Windows
	if !always.Open(at(2025, 1, 1, 0, 0)) || !always.NextChange(at(2025, 1, 1, 0, 0)).IsZero() {
		t.Error("the zero Windows is not always open")
	}
}

func TestWindowsTimes(t *testing.T) {
	daily2am := window(t, "cron(0 2 * * ? *)", 60)
	late := window(t, "cron(0 22 * * ? *)", 240)      // 22:00-02:00
	early := window(t, "cron(0 1 * * ? *)", 120)      // 01:00-03:00, merges with late
	hourly := window(t, "cron(0 0,1 * * ? *)", 60)    // 00:00-01:00 and 01:00-02:00 touch
	before := window(t, "cron(0 23 * * ? *)", 120)    // open across midnight
	touching := window(t, "cron(0 22 * * ? *)", 150)  // 22:00-00:30
	weekend := window(t, "cron(0 0 ? * SAT *)", 1430) // Saturdays 00:00-23:50
	tests := []struct {
		name     string
		w        Windows
		now      time.Time
		open     bool
		change   time.Time
		starts   []time.Time // NextStarts(now, 3)
		startsAt time.Time   // zero: now
	}{
		{name: "closed before the first window",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 10, 0, 0), Recurring: []Window{daily2am}},
			now: at(2025, 1, 1, 0, 0), open: false, change: at(2025, 1, 1, 2, 0),
			starts: []time.Time{at(2025, 1, 1, 2, 0), at(2025, 1, 2, 2, 0), at(2025, 1, 3, 2, 0)}},
		{name: "open inside a window, closes at its end",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 10, 0, 0), Recurring: []Window{daily2am}},
			now: at(2025, 1, 1, 2, 59).Add(59 * time.Second), open: true, change: at(2025, 1, 1, 3, 0),
			starts: []time.Time{at(2025, 1, 2, 2, 0), at(2025, 1, 3, 2, 0), at(2025, 1, 4, 2, 0)}},
		{name: "a window's end is closed",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 10, 0, 0), Recurring: []Window{daily2am}},
			now: at(2025, 1, 1, 3, 0), open: false, change: at(2025, 1, 2, 2, 0)},
		{name: "a window starting at now is listed",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 10, 0, 0), Recurring: []Window{daily2am}},
			now: at(2025, 1, 2, 2, 0), open: true, change: at(2025, 1, 2, 3, 0),
			starts: []time.Time{at(2025, 1, 2, 2, 0), at(2025, 1, 3, 2, 0), at(2025, 1, 4, 2, 0)}},
		{name: "no window at or after End",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 10, 2, 0), Recurring: []Window{daily2am}},
			now: at(2025, 1, 8, 12, 0), open: false, change: at(2025, 1, 9, 2, 0),
			starts: []time.Time{at(2025, 1, 9, 2, 0)}},
		{name: "End cuts an open window",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 9, 2, 30), Recurring: []Window{daily2am}},
			now: at(2025, 1, 9, 2, 10), open: true, change: at(2025, 1, 9, 2, 30)},
		{name: "after End, closed for good",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), End: at(2025, 1, 9, 2, 30), Recurring: []Window{daily2am}},
			now: at(2025, 1, 9, 2, 30), open: false, change: time.Time{}},
		{name: "a window open at Start opens at Start",
			w:   Windows{Start: at(2025, 1, 2, 0, 30), Recurring: []Window{before}},
			now: at(2025, 1, 1, 12, 0), open: false, change: at(2025, 1, 2, 0, 30),
			starts: []time.Time{at(2025, 1, 2, 0, 30), at(2025, 1, 2, 23, 0), at(2025, 1, 3, 23, 0)}},
		{name: "a window that ends at Start does not open",
			w:   Windows{Start: at(2025, 1, 2, 0, 30), Recurring: []Window{touching}},
			now: at(2025, 1, 1, 12, 0), open: false, change: at(2025, 1, 2, 22, 0)},
		{name: "overlapping windows merge",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), Recurring: []Window{late, early}},
			now: at(2025, 1, 1, 23, 0), open: true, change: at(2025, 1, 2, 3, 0),
			starts: []time.Time{at(2025, 1, 2, 22, 0), at(2025, 1, 3, 22, 0), at(2025, 1, 4, 22, 0)}},
		{name: "overlapping windows, from Start inside the second",
			w:   Windows{Start: at(2025, 1, 1, 0, 0), Recurring: []Window{late, early}},
			now: at(2024, 12, 31, 0, 0), open: false, change: at(2025, 1, 1, 0, 0),
			starts: []time.Time{at(2025, 1, 1, 0, 0), at(2025, 1, 1, 22, 0), at(2025, 1, 2, 22, 0)}},
		{name: "touching windows merge",
			w:   Windows{Recurring: []Window{hourly}},
			now: at(2025, 1, 1, 0, 30), open: true, change: at(2025, 1, 1, 2, 0),
			starts: []time.Time{at(2025, 1, 2, 0, 0), at(2025, 1, 3, 0, 0), at(2025, 1, 4, 0, 0)}},
		{name: "the longest window, weekly",
			w:   Windows{Recurring: []Window{weekend}},
			now: at(2025, 1, 4, 23, 49), open: true, change: at(2025, 1, 4, 23, 50),
			starts: []time.Time{at(2025, 1, 11, 0, 0), at(2025, 1, 18, 0, 0), at(2025, 1, 25, 0, 0)}},
	}
	for _, tt := range tests {
		if got := tt.w.Open(tt.now); got != tt.open {
			t.Errorf("%s: Open(%v) = %v; want %v", tt.name, tt.now, got, tt.open)
		}
		if got := tt.w.NextChange(tt.now); !got.Equal(tt.change) {
			t.Errorf("%s: NextChange(%v) = %v; want %v", tt.name, tt.now, got, tt.change)
		}
		if tt.starts != nil {
			if got := tt.w.NextStarts(tt.now, 3); !slices.EqualFunc(got, tt.starts, time.Time.Equal) {
				t.Errorf("%s: NextStarts(%v, 3) = %v; want %v", tt.name, tt.now, got, tt.starts)
			}
		}
	}
}

// Windows every minute are open back to back: the run ends at End, or
// never within Horizon, and finding that is quick.
func TestWindowsAlwaysOpen(t *testing.T) {
	every := window(t, "cron(* * * * ? *)", 1)
	now := at(2025, 1, 1, 0, 0)
	w := Windows{Recurring: []Window{every}}
	if !w.Open(now) || !w.NextChange(now).IsZero() {
		t.Errorf("every minute without End: Open = %v, NextChange = %v; want true, never", w.Open(now), w.NextChange(now))
	}
	w.End = now.AddDate(2, 0, 0)
	if got := w.NextChange(now); !got.Equal(w.End) {
		t.Errorf("every minute until End: NextChange = %v; want %v", got, w.End)
	}
}

// TestWindowsAgainstOracle compares Open and NextChange with a minute
// array marked from the oracle's fire times, over random windows.
func TestWindowsAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	exprs := []string{
		"cron(0 2 * * ? *)", "cron(*/30 * * * ? *)", "cron(15 */3 * * ? *)", "cron(0 22 ? * MON-FRI *)",
		"cron(0 0 L * ? *)", "cron(45 23 ? * 6#1 *)", "cron(0 12 15W * ? *)", "cron(10,20 1-4 ? * SUN,WED *)",
	}
	base := at(2025, 1, 27, 0, 0)
	const days = 10
	const n = days * 24 * 60
	cases := 200
	if testing.Short() {
		cases = 30
	}
	for range cases {
		var w Windows
		for range 1 + r.IntN(3) {
			w.Recurring = append(w.Recurring, window(t, exprs[r.IntN(len(exprs))], 1+r.IntN(MaxWindowMinutes)))
		}
		if r.IntN(2) == 0 {
			w.Start = base.Add(time.Duration(r.IntN(n/2)) * time.Minute)
		}
		if r.IntN(2) == 0 {
			w.End = base.Add(time.Duration(n/2+r.IntN(n/2)) * time.Minute)
		}
		// open[i] is the state at base + i minutes, from fires since a day before base.
		open := make([]bool, n)
		for _, win := range w.Recurring {
			for m := -MaxWindowMinutes; m < n; m++ {
				if ft := base.Add(time.Duration(m) * time.Minute); win.Start.matches(ft) {
					for k := max(m, 0); k < min(m+int(win.Duration/time.Minute), n); k++ {
						open[k] = true
					}
				}
			}
		}
		for i := range open {
			ti := base.Add(time.Duration(i) * time.Minute)
			if !w.Start.IsZero() && ti.Before(w.Start) || !w.End.IsZero() && !ti.Before(w.End) {
				open[i] = false
			}
		}
		for i := 0; i < n; i += 1 + r.IntN(60) {
			now := base.Add(time.Duration(i) * time.Minute)
			if got := w.Open(now); got != open[i] {
				t.Fatalf("%+v: Open(%v) = %v; oracle %v", w, now, got, open[i])
			}
			j := i + 1
			for j < n && open[j] == open[i] {
				j++
			}
			got := w.NextChange(now)
			if j < n {
				if want := base.Add(time.Duration(j) * time.Minute); !got.Equal(want) {
					t.Fatalf("%+v: NextChange(%v) = %v; oracle %v", w, now, got, want)
				}
			} else if !got.IsZero() && got.Before(base.Add(n*time.Minute)) {
				t.Fatalf("%+v: NextChange(%v) = %v; oracle sees no change", w, now, got)
			}
		}
	}
}
