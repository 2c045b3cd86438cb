package schedule

import (
	"fmt"
	"strings"
	"time"
)

// TimeLayout is AWS's format for schedulingConfig.startTime and endTime,
// and the one FormatTime writes: "YYYY-MM-DD" date, "T", "HH:MM" time, UTC.
const TimeLayout = "2006-01-02T15:04"

// timeLayouts are the spellings ParseTime accepts: AWS's, plus seconds and
// an explicit zone, which the CLI's general timestamp syntax allows.
var timeLayouts = [...]string{
	TimeLayout,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
}

// ParseTime parses a schedulingConfig startTime or endTime: AWS's
// "2025-01-01T10:00" (UTC), optionally with seconds ("10:00:30") and a
// trailing "Z" or "+02:00" offset. Fractional seconds are rejected. The
// result is in UTC.
func ParseTime(s string) (time.Time, error) {
	if !strings.ContainsRune(s, '.') { // time.Parse would accept ".5" after seconds
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("must be YYYY-MM-DDTHH:MM (UTC, optionally with :SS and Z or an offset), got %q", s)
}

// FormatTime formats t in AWS's layout, as DescribeJob returns
// scheduledJobRollouts[].startTime. Seconds are dropped.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
