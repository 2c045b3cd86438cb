package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustCron(t testing.TB, expr string) *Cron {
	t.Helper()
	c, err := ParseCron(expr)
	if err != nil {
		t.Fatalf("ParseCron(%q): %v", expr, err)
	}
	return c
}

// at builds a UTC time to the minute.
func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
}

func TestParseCronErrors(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"0 0 * * ? *", `column 1: expected "cron(" at the start`},
		{"rate(5 minutes)", `column 1: expected "cron(" at the start`},
		{"cron(0 0 * * ? *", `column 17: expected ")" at the end`},
		{"cron(", `column 6: expected ")" at the end`},
		{"cron()", `column 6: expected 6 fields (minutes hours day-of-month month day-of-week year), got 0`},
		{"cron(0 0 * * ?)", `column 6: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5`},
		{"cron(0 0 * * ? * *)", `column 6: expected 6 fields (minutes hours day-of-month month day-of-week year), got 7`},
		{"cron(60 0 * * ? *)", `column 6: cron field 1 (minutes): 60 is out of range 0..59`},
		{"cron(0 24 * * ? *)", `column 8: cron field 2 (hours): 24 is out of range 0..23`},
		{"cron(0 0 0 * ? *)", `column 10: cron field 3 (day-of-month): 0 is out of range 1..31`},
		{"cron(0 0 32 * ? *)", `column 10: cron field 3 (day-of-month): 32 is out of range 1..31`},
		{"cron(0 0 * 13 ? *)", `column 12: cron field 4 (month): 13 is out of range 1..12`},
		{"cron(0 0 * FOO ? *)", `column 12: cron field 4 (month): "FOO" is neither a number nor one of JAN-DEC`},
		{"cron(0 0 ? * 8 *)", `column 14: cron field 5 (day-of-week): 8 is out of range 1..7`},
		{"cron(0 0 ? * 0 *)", `column 14: cron field 5 (day-of-week): 0 is out of range 1..7`},
		{"cron(0 0 ? * MON#6 *)", `column 18: cron field 5 (day-of-week): week number 6 after # is out of range 1..5`},
		{"cron(0 0 ? * MON#x *)", `column 18: cron field 5 (day-of-week): "x" after # is not a number`},
		{"cron(0 0 * * ? 1969)", `column 16: cron field 6 (year): 1969 is out of range 1970..2199`},
		{"cron(0 0 * * ? 2200)", `column 16: cron field 6 (year): 2200 is out of range 1970..2199`},
		{"cron(0 0 * * * *)", `column 14: cron field 5 (day-of-week): exactly one of day-of-month and day-of-week must be "?"`},
		{"cron(0 0 ? * ? *)", `column 14: cron field 5 (day-of-week): day-of-month and day-of-week cannot both be "?"`},
		{"cron(? 0 * * ? *)", `column 6: cron field 1 (minutes): "?" is allowed only in day-of-month and day-of-week`},
		{"cron(0 0 1,? * ? *)", `column 12: cron field 3 (day-of-month): "?" must be the whole field`},
		{"cron(0 0 10-5 * ? *)", `column 10: cron field 3 (day-of-month): range 10-5 runs backwards`},
		{"cron(0/0 0 * * ? *)", `column 8: cron field 1 (minutes): step must be at least 1, got 0`},
		{"cron(*/x 0 * * ? *)", `column 8: cron field 1 (minutes): step "x" is not a number`},
		{"cron(0,,5 0 * * ? *)", `column 8: cron field 1 (minutes): empty list element`},
		{"cron(0 0 * * ? 2025-)", `column 21: cron field 6 (year): missing value`},
		{"cron(L 0 * * ? *)", `column 6: cron field 1 (minutes): unexpected "L"`},
		{"cron(0 0 32W * ? *)", `column 10: cron field 3 (day-of-month): 32 is out of range 1..31`},
		{"cron(0 0 ? * 8L *)", `column 14: cron field 5 (day-of-week): 8 is out of range 1..7`},
		{"cron(0 0 * * ? 99999999999999999999)", `column 16: cron field 6 (year): 99999999999999999999 is out of range 1970..2199`},
		{"cron(0\t0 * * ? *)", `column 6: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5`},
	}
	for _, tt := range tests {
		_, err := ParseCron(tt.expr)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseCron(%q) error = %v; want %s", tt.expr, err, tt.want)
		}
	}
}

func TestParseCronEquivalents(t *testing.T) {
	// Each pair spells the same schedule.
	tests := [][2]string{
		{"cron(0 0 ? JAN-MAR MON-FRI *)", "cron(0 0 ? 1-3 2-6 *)"},
		{"cron(0 0 ? jan,Feb,MAR mon *)", "cron(0 0 ? 1,2,3 2 *)"},
		{"cron(*/15 * * * ? *)", "cron(0,15,30,45 * * * ? *)"},
		{"cron(5/20 * * * ? *)", "cron(5,25,45 * * * ? *)"},
		{"cron(0 8-18/4 * * ? *)", "cron(0 8,12,16 * * ? *)"},
		{"cron(0 0 ? * L *)", "cron(0 0 ? * SAT *)"},
		{"cron(0 0 ? * 7 2025-2027)", "cron(0 0 ? * SAT 2025,2026,2027)"},
		{"cron(0 0 lw * ? *)", "cron(0 0 LW * ? *)"},
		{"cron(0 0 ? * 6l *)", "cron(0 0 ? * FRIL *)"},
	}
	for _, tt := range tests {
		a, b := mustCron(t, tt[0]), mustCron(t, tt[1])
		a.text, b.text = "", ""
		if *a != *b {
			t.Errorf("ParseCron(%q) != ParseCron(%q)", tt[0], tt[1])
		}
	}
}

func TestCronString(t *testing.T) {
	c := mustCron(t, "cron(0  10   ? * MON-FRI   *)")
	if got, want := c.String(), "cron(0 10 ? * MON-FRI *)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if again := mustCron(t, c.String()); *again != *c {
		t.Errorf("String() does not parse back to the same Cron")
	}
}

func TestCronNext(t *testing.T) {
	tests := []struct {
		expr  string
		after time.Time
		want  []time.Time // successive fire times; empty: never
	}{
		{"cron(0 0 * * ? *)", at(2025, 1, 1, 10, 0),
			[]time.Time{at(2025, 1, 2, 0, 0), at(2025, 1, 3, 0, 0)}},
		// Strictly after: a fire at after itself is skipped; seconds round up.
		{"cron(30 10 * * ? *)", at(2025, 1, 1, 10, 30),
			[]time.Time{at(2025, 1, 2, 10, 30)}},
		{"cron(30 10 * * ? *)", at(2025, 1, 1, 10, 29).Add(59 * time.Second),
			[]time.Time{at(2025, 1, 1, 10, 30)}},
		{"cron(*/20 9-10 * * ? *)", at(2025, 1, 1, 10, 41),
			[]time.Time{at(2025, 1, 2, 9, 0), at(2025, 1, 2, 9, 20), at(2025, 1, 2, 9, 40), at(2025, 1, 2, 10, 0)}},
		// Month rollover and year rollover.
		{"cron(15 23 31 * ? *)", at(2025, 1, 31, 23, 15),
			[]time.Time{at(2025, 3, 31, 23, 15), at(2025, 5, 31, 23, 15), at(2025, 7, 31, 23, 15)}},
		{"cron(0 0 1 JAN ? *)", at(2025, 6, 1, 0, 0),
			[]time.Time{at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0)}},
		// Month and day names; MON-FRI skips the weekend (2025-01-03 is a Friday).
		{"cron(0 9 ? * MON-FRI *)", at(2025, 1, 3, 9, 0),
			[]time.Time{at(2025, 1, 6, 9, 0), at(2025, 1, 7, 9, 0)}},
		{"cron(0 12 ? JUN,DEC SUN *)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 6, 1, 12, 0), at(2025, 6, 8, 12, 0)}},
		// Leap years: Feb 29 only every four years (2100 is not one).
		{"cron(0 0 29 FEB ? *)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2028, 2, 29, 0, 0), at(2032, 2, 29, 0, 0)}},
		{"cron(0 0 29 2 ? 2097-2105)", at(2096, 3, 1, 0, 0),
			[]time.Time{at(2104, 2, 29, 0, 0)}},
		// L: last day of month, including February in a leap year.
		{"cron(0 0 L * ? *)", at(2024, 1, 31, 0, 0),
			[]time.Time{at(2024, 2, 29, 0, 0), at(2024, 3, 31, 0, 0), at(2024, 4, 30, 0, 0)}},
		// W: 2025-03-15 is a Saturday → Friday 14th; 2025-06-15 a Sunday → Monday 16th.
		{"cron(0 0 15W * ? 2025)", at(2025, 3, 1, 0, 0),
			[]time.Time{at(2025, 3, 14, 0, 0), at(2025, 4, 15, 0, 0), at(2025, 5, 15, 0, 0), at(2025, 6, 16, 0, 0)}},
		// 1W on a Saturday (2025-02-01) moves forward to Monday the 3rd, not back into January.
		{"cron(0 0 1W FEB ? 2025)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 2, 3, 0, 0)}},
		// 31W on a Sunday (2025-08-31) moves back to Friday the 29th.
		{"cron(0 0 31W AUG ? 2025)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 8, 29, 0, 0)}},
		// 31W does not fire in 30-day months.
		{"cron(0 0 31W * ? 2025)", at(2025, 3, 31, 0, 0),
			[]time.Time{at(2025, 5, 30, 0, 0), at(2025, 7, 31, 0, 0)}},
		// LW: last weekday; 2025-05-31 is a Saturday → Friday 30th; 2025-08-31 Sunday → 29th.
		{"cron(0 0 LW * ? 2025)", at(2025, 4, 30, 0, 0),
			[]time.Time{at(2025, 5, 30, 0, 0), at(2025, 6, 30, 0, 0), at(2025, 7, 31, 0, 0), at(2025, 8, 29, 0, 0)}},
		// #: second Tuesday (3#2).
		{"cron(0 0 ? * 3#2 *)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 1, 14, 0, 0), at(2025, 2, 11, 0, 0), at(2025, 3, 11, 0, 0)}},
		// Fifth Friday exists only in some months.
		{"cron(0 0 ? * FRI#5 2025)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 1, 31, 0, 0), at(2025, 5, 30, 0, 0), at(2025, 8, 29, 0, 0), at(2025, 10, 31, 0, 0)}},
		// 5L: last Thursday.
		{"cron(0 0 ? * 5L 2025)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 1, 30, 0, 0), at(2025, 2, 27, 0, 0), at(2025, 3, 27, 0, 0)}},
		// A list mixing plain days and specials.
		{"cron(0 0 1,L * ? 2025)", at(2025, 1, 1, 0, 0),
			[]time.Time{at(2025, 1, 31, 0, 0), at(2025, 2, 1, 0, 0), at(2025, 2, 28, 0, 0)}},
		// Year bounds.
		{"cron(0 0 1 1 ? 2199)", at(2198, 6, 1, 0, 0), []time.Time{at(2199, 1, 1, 0, 0)}},
		{"cron(59 23 31 12 ? *)", at(2199, 12, 31, 23, 58), []time.Time{at(2199, 12, 31, 23, 59)}},
		{"cron(0 0 * * ? *)", at(2199, 12, 31, 0, 0), nil},
		{"cron(0 0 * * ? 2020)", at(2025, 1, 1, 0, 0), nil},
		{"cron(0 0 1 1 ? 1970)", at(1900, 1, 1, 0, 0), []time.Time{at(1970, 1, 1, 0, 0)}},
		{"cron(0 0 1 1 ? 2030/50)", at(2025, 1, 1, 0, 0), []time.Time{at(2030, 1, 1, 0, 0), at(2080, 1, 1, 0, 0)}},
		// Impossible: February 30th, April 31st.
		{"cron(0 0 30 FEB ? *)", at(2025, 1, 1, 0, 0), nil},
		{"cron(0 0 31 APR ? *)", at(2025, 1, 1, 0, 0), nil},
		// A non-UTC after is the same instant.
		{"cron(0 12 * * ? *)", at(2025, 1, 1, 11, 0).In(time.FixedZone("X", 5*3600)),
			[]time.Time{at(2025, 1, 1, 12, 0)}},
	}
	for _, tt := range tests {
		c := mustCron(t, tt.expr)
		after := tt.after
		for i, want := range tt.want {
			got, ok := c.Next(after)
			if !ok || !got.Equal(want) {
				t.Errorf("%s.Next(%v) [%d] = %v, %v; want %v", tt.expr, after, i, got, ok, want)
				break
			}
			after = got
		}
		if len(tt.want) == 0 {
			if got, ok := c.Next(after); ok {
				t.Errorf("%s.Next(%v) = %v; want none", tt.expr, after, got)
			}
		}
	}
}

func TestCronErrorIsTyped(t *testing.T) {
	_, err := ParseCron("cron(0 0 ? * MON#9 *)")
	ce, ok := err.(*CronError)
	if !ok || ce.Field != 5 || ce.Column != 18 || !strings.Contains(ce.Msg, "week number") {
		t.Errorf("error = %#v; want *CronError in field 5 at column 18", err)
	}
}
