// Package schedule is the calendar of AWS IoT Jobs' schedulingConfig:
// when a scheduled job starts and ends, when its recurring maintenance
// windows open and close, and the window starts DescribeJob lists in
// scheduledJobRollouts. It also owns the schedulingConfig shape, its
// validation and AWS's cron expressions.
//
// It is pure: no I/O, no goroutines, no wall clock, no global randomness.
// now is always an argument and every answer is an exact time, so the
// tests assert window edges to the minute. The jobs engine owns the rest:
// the SCHEDULED status until startTime, applying endBehavior at endTime,
// pausing the rollout (rollout.Limiter) while the windows are closed, and
// the timer that NextChange arms.
//
// # Configuration
//
// SchedulingConfig and MaintenanceWindow carry AWS's JSON member names
// (startTime, endTime, endBehavior, maintenanceWindows, durationInMinutes);
// numbers and times are pointers, so an absent member is told from a zero.
// SchedulingConfig.Validate(now, opts) reports every problem at once as one
// *awserr.Error, code InvalidRequestException, status 400, the problems in
// field order joined by "; ", each naming the member's path:
//
//	schedulingConfig.startTime must be at least 30 minutes after the current time 2025-01-01T10:00:00Z, got 2025-01-01T10:10
//	schedulingConfig.maintenanceWindows[0].durationInMinutes must be between 1 and 1430, got 0
//
// The rules are AWS's (API reference, SchedulingConfig): startTime at least
// 30 minutes and at most one year after now; endTime at least 30 minutes
// and at most two years after now, and at least 30 minutes and at most two
// years after startTime; endBehavior STOP_ROLLOUT, CANCEL or FORCE_CANCEL;
// each window's startTime a valid cron expression of at most 256
// characters and durationInMinutes 1..1430, both required. Times are
// compared exactly: with now at 10:00:30, a startTime of 10:30 is 29½
// minutes away and rejected. A year ahead is calendar arithmetic
// (now.AddDate(1, 0, 0)).
//
// The 30-minute lead, DefaultMinLead, makes a simulator wait; Options
// lets it lift the lead from now: Options{MinLead: time.Minute}, or a
// negative MinLead for none (a startTime of now is valid). The zero Options
// is AWS's. The 30 minutes from startTime to endTime always apply.
//
// Compile validates and returns a Plan: Windows (Start, End, Recurring)
// and the EndBehavior to apply at End. A nil config gives a Plan that is
// always open.
//
// # Times
//
// ParseTime reads startTime and endTime: AWS documents "YYYY-MM-DD" and
// "HH:MM", written 2025-01-01T10:00 and taken as UTC. Since the CLI's
// general timestamp syntax allows them, seconds (10:00:30) and a trailing
// "Z" or offset ("+02:00", converted to UTC) are accepted too; fractional
// seconds and other ISO 8601 forms are not. FormatTime writes AWS's form,
// for scheduledJobRollouts[].startTime.
//
// # Cron expressions
//
// A maintenance window starts at each fire time of an AWS cron expression,
// EventBridge's syntax, always in UTC:
//
//	cron(Minutes Hours Day-of-month Month Day-of-week Year)
//
//	field         values          wildcards
//	minutes       0-59            , - * /
//	hours         0-23            , - * /
//	day-of-month  1-31            , - * ? / L W
//	month         1-12, JAN-DEC   , - * /
//	day-of-week   1-7, SUN-SAT    , - * ? L #
//	year          1970-2199       , - * /
//
// Fields are separated by spaces. "a-b" is a range (a ≤ b; ranges do not
// wrap), "*/n" and "a-b/n" step through it, "a/n" is a to the field's
// maximum every n. Exactly one of day-of-month and day-of-week is "?":
// the other decides the day. In day-of-month, L is the last day of the
// month, nW the weekday nearest day n within the same month (a Saturday
// the 1st moves to Monday the 3rd, a Sunday the last day to Friday; no
// fire when the month has no day n) and LW the month's last weekday. In
// day-of-week, 1 is SUN and 7 SAT, L alone is SAT, xL the month's last
// day x (5L: last Thursday) and x#k its k-th (3#2: second Tuesday, k ≤ 5;
// no fire in a month without one). Names and L/W are case-insensitive.
// Specials may be mixed with plain values in a list (1,L); AWS documents
// them only alone, and FleetLab takes the union.
//
// ParseCron reports the first error with its column in the whole
// expression and its field:
//
//	column 18: cron field 5 (day-of-week): week number 6 after # is out of range 1..5
//
// Cron.Next(after) returns the first fire time strictly after after. It
// steps field-wise (year, month, day, hour, minute, each a bitset
// lookup), costs tens of nanoseconds for ordinary expressions and at most
// one pass over the years up to 2199 for one that can never fire, such as
// cron(0 0 30 FEB ? *), for which it returns false. A property test holds
// it equal to a minute-by-minute scan, and a fuzz target checks that any
// expression that parses prints back to itself and yields fire times.
//
// # Windows
//
// Windows is when the rollout may proceed: from Start (zero: already
// started) until End (zero: no end); with Recurring windows, only inside
// one of them. A window opening at fire time f is open on [f, f+duration).
// Overlapping or touching windows merge into one open run; a window that
// opened before Start and is still open counts from Start; End cuts a run
// short. Without maintenance windows the job is open from Start to End.
//
//	plan, err := schedule.Compile(req.SchedulingConfig, now, schedule.Options{})
//	w := plan.Windows
//	w.Open(now)                 // release executions now?
//	w.NextChange(now)           // arm the timer; zero: never changes again
//	w.NextStarts(now, schedule.MaxScheduledRollouts) // DescribeJob's scheduledJobRollouts
//
// NextChange(now) is the first time after now at which Open's answer
// changes: Start, a window's opening or the end of the run (capped at
// End). It finds a run's end day by day, with each window's open minutes
// per firing day as a bitmask, so a run of windows back to back for years
// costs microseconds, not a walk through its fire times. A run still open
// Horizon (four years) ahead without an End is reported as never closing.
// NextStarts lists the starts of open runs at or after now: the merged
// windows' openings, or Start when a run is already open there; without
// maintenance windows only Start. The engine jumps a virtual clock to
// NextChange, or arms a real timer, and asks Open again.
//
// # Choices where AWS is silent
//
// Made here: endBehavior without endTime is accepted and ignored (AWS: it
// "does not apply"); endTime without endBehavior means STOP_ROLLOUT;
// maintenance windows need neither startTime nor endTime, and a window
// expression that never fires in the job's span is not rejected; windows
// merge and are clipped to [startTime, endTime); seconds and offsets in
// times are accepted; specials in day lists are unioned; scheduledJobRollouts
// lists run starts, so a window inside an open run is not listed. The
// validation messages are FleetLab's wording.
package schedule
