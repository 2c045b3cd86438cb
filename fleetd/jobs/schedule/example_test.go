package schedule_test

import (
	"fmt"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/schedule"
)

// A job that rolls out on weekday nights, 22:00 to 02:00, during January.
// Wednesday's window is still open when the job starts at midnight, so
// the first run starts then.
func ExampleCompile() {
	now := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	start, end, cron, minutes := "2025-01-02T00:00", "2025-02-01T00:00", "cron(0 22 ? * MON-FRI *)", 240
	plan, err := schedule.Compile(&schedule.SchedulingConfig{
		StartTime: &start, EndTime: &end, EndBehavior: schedule.EndCancel,
		MaintenanceWindows: []schedule.MaintenanceWindow{{StartTime: &cron, DurationInMinutes: &minutes}},
	}, now, schedule.Options{})
	if err != nil {
		panic(err)
	}
	w := plan.Windows
	for _, s := range w.NextStarts(now, 3) {
		fmt.Println("window at", schedule.FormatTime(s))
	}
	// The engine's loop on a virtual clock: jump to each change.
	t := now
	for range 4 {
		t = w.NextChange(t)
		fmt.Println(schedule.FormatTime(t), "open:", w.Open(t))
	}
	// Output:
	// window at 2025-01-02T00:00
	// window at 2025-01-02T22:00
	// window at 2025-01-03T22:00
	// 2025-01-02T00:00 open: true
	// 2025-01-02T02:00 open: false
	// 2025-01-02T22:00 open: true
	// 2025-01-03T02:00 open: false
}

func ExampleCron_Next() {
	c, err := schedule.ParseCron("cron(0 3 ? * 3#2 *)") // 03:00 on the second Tuesday
	if err != nil {
		panic(err)
	}
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		t, _ = c.Next(t)
		fmt.Println(t.Format(time.RFC3339))
	}
	_, err = schedule.ParseCron("cron(0 3 ? * 3#6 *)")
	fmt.Println(err)
	// Output:
	// 2025-01-14T03:00:00Z
	// 2025-02-11T03:00:00Z
	// 2025-03-11T03:00:00Z
	// column 16: cron field 5 (day-of-week): week number 6 after # is out of range 1..5
}
