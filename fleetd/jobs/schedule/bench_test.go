package schedule

import (
	"testing"
	"time"
)

func BenchmarkCronNext(b *testing.B) {
	for _, expr := range []string{
		"cron(0 0 * * ? *)",
		"cron(*/15 9-17 ? * MON-FRI *)",
		"cron(0 2 ? * 3#2 *)",
		"cron(0 0 LW * ? *)",
		"cron(0 0 29 FEB ? *)",
		"cron(0 0 30 FEB ? *)", // never fires: one pass over the years
	} {
		c := mustCron(b, expr)
		after := time.Date(2025, 1, 1, 10, 7, 0, 0, time.UTC)
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Next(after)
			}
		})
	}
}

func BenchmarkParseCron(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseCron("cron(*/15 9-17 ? JAN-MAR,OCT MON-FRI 2025-2030)")
	}
}

// The engine's per-timer cost: NextChange over overlapping daily windows.
func BenchmarkWindowsNextChange(b *testing.B) {
	w := Windows{
		Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Recurring: []Window{
			{Start: mustCron(b, "cron(0 22 ? * MON-FRI *)"), Duration: 4 * time.Hour},
			{Start: mustCron(b, "cron(0 1 * * ? *)"), Duration: 2 * time.Hour},
		},
	}
	now := time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		w.NextChange(now)
	}
}

// The worst case: windows open back to back for the whole Horizon.
func BenchmarkWindowsNextChangeAlwaysOpen(b *testing.B) {
	w := Windows{Recurring: []Window{
		{Start: mustCron(b, "cron(* * * * ? *)"), Duration: time.Minute},
		{Start: mustCron(b, "cron(0 0 ? * MON-FRI *)"), Duration: 1430 * time.Minute},
	}}
	now := time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		w.NextChange(now)
	}
}
