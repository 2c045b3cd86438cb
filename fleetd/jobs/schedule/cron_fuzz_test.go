package schedule

import (
	"testing"
	"time"
)

// FuzzParseCron: parsing never panics; an expression that parses prints
// back to an equal Cron, and Next terminates with a time after its
// argument that the oracle accepts.
func FuzzParseCron(f *testing.F) {
	for _, seed := range []string{
		"cron(0 0 * * ? *)",
		"cron(*/15 9-17 ? * MON-FRI *)",
		"cron(0 0 L * ? *)",
		"cron(0 0 LW * ? 2025-2030)",
		"cron(0 0 15W * ? *)",
		"cron(0 12 ? JAN,JUL 3#2 *)",
		"cron(0 0 ? * 5L *)",
		"cron(0 0 30 FEB ? *)",
		"cron(5/20 8-18/4 1,15,L * ? 2030/50)",
		"cron(0 0 1 1 ? 2199)",
		"cron(0 0 ? * 2#5 1970)",
	} {
		f.Add(seed, int64(1735689600)) // 2025-01-01T00:00Z
	}
	f.Fuzz(func(t *testing.T, expr string, afterUnix int64) {
		c, err := ParseCron(expr)
		if err != nil {
			if c != nil {
				t.Fatalf("ParseCron(%q) returned a Cron with error %v", expr, err)
			}
			return
		}
		again, err := ParseCron(c.String())
		if err != nil || *again != *c {
			t.Fatalf("ParseCron(%q).String() = %q does not parse back equal: %v", expr, c.String(), err)
		}
		// Keep after within ±300 years of 1970 so that time arithmetic is sane.
		const span = 300 * 366 * 24 * 3600
		after := time.Unix(afterUnix%span, 0).UTC()
		got, ok := c.Next(after)
		if !ok {
			return
		}
		if !got.After(after) || got.Second() != 0 || got.Nanosecond() != 0 || !c.matches(got) {
			t.Fatalf("%s.Next(%v) = %v: not a fire time after its argument", expr, after, got)
		}
	})
}
