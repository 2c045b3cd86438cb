package jobs

import (
	"fmt"
	"time"
)

// SchedulingConfig is CreateJob's schedulingConfig.
type SchedulingConfig struct {
	StartTime          *string             `json:"startTime,omitempty"`
	EndTime            *string             `json:"endTime,omitempty"`
	EndBehavior        string              `json:"endBehavior,omitempty"`
	MaintenanceWindows []MaintenanceWindow `json:"maintenanceWindows,omitempty"`
}

// MaintenanceWindow is one recurring window in which the rollout runs.
type MaintenanceWindow struct {
	StartTime         *string `json:"startTime,omitempty"`
	DurationInMinutes *int    `json:"durationInMinutes,omitempty"`
}

func (c *SchedulingConfig) endBehavior() string {
	if c == nil || c.EndBehavior == "" {
		return "STOP_ROLLOUT"
	}
	return c.EndBehavior
}

// plannedSchedule is a validated schedulingConfig: when the job starts,
// when it ends, and when its maintenance windows let the rollout run.
type plannedSchedule struct {
	start  time.Time
	end    time.Time // zero: none
	window windowSet // nil: always open between start and end
}

// windowSet is the recurring maintenance windows.
type windowSet interface {
	Open(t time.Time) bool
	NextChange(t time.Time) time.Time
	NextStarts(t time.Time, n int) []time.Time
}

// Start is when the job starts.
func (p *plannedSchedule) Start() time.Time { return p.start }

// End is when the job's endBehavior applies, if it has an end.
func (p *plannedSchedule) End() (time.Time, bool) { return p.end, !p.end.IsZero() }

// Open reports whether the rollout may release at t.
func (p *plannedSchedule) Open(t time.Time) bool {
	if t.Before(p.start) || (!p.end.IsZero() && !t.Before(p.end)) {
		return false
	}
	return p.window == nil || p.window.Open(t)
}

// NextChange is the next instant after t at which Open changes; zero when
// it never does.
func (p *plannedSchedule) NextChange(t time.Time) time.Time {
	if t.Before(p.start) {
		return p.start
	}
	var next time.Time
	if p.window != nil {
		next = p.window.NextChange(t)
	}
	if !p.end.IsZero() && t.Before(p.end) && (next.IsZero() || p.end.Before(next)) {
		next = p.end
	}
	return next
}

// upcoming lists the next n starts of rollout windows after t, for
// DescribeJob's scheduledJobRollouts.
func (p *plannedSchedule) upcoming(t time.Time, n int) []ScheduledJobRollout {
	if p.window == nil {
		return nil
	}
	var out []ScheduledJobRollout
	for _, s := range p.window.NextStarts(t, n) {
		if !p.end.IsZero() && !s.Before(p.end) {
			break
		}
		out = append(out, ScheduledJobRollout{StartTime: s.UTC().Format("2006-01-02T15:04")})
	}
	return out
}

// MinScheduleLead is AWS's minimum distance of a scheduled start from now.
const MinScheduleLead = 30 * time.Minute

// compileSchedule validates a schedulingConfig against now.
func (e *Engine) compileSchedule(now time.Time, c *SchedulingConfig) (*plannedSchedule, problems) {
	if c == nil {
		return nil, nil
	}
	var p problems
	lead := MinScheduleLead
	if e.opts.MinScheduleLead != nil {
		lead = *e.opts.MinScheduleLead
	}
	ps := &plannedSchedule{start: now}
	if c.StartTime != nil {
		t, err := parseScheduleTime(*c.StartTime)
		switch {
		case err != nil:
			p.addf("schedulingConfig.startTime: %v", err)
		case t.Before(now.Add(lead)):
			p.addf("schedulingConfig.startTime must be at least %s in the future, got %s", lead, *c.StartTime)
		case t.After(now.AddDate(1, 0, 0)):
			p.addf("schedulingConfig.startTime must be at most one year in the future, got %s", *c.StartTime)
		default:
			ps.start = t
		}
	}
	if c.EndTime != nil {
		t, err := parseScheduleTime(*c.EndTime)
		switch {
		case err != nil:
			p.addf("schedulingConfig.endTime: %v", err)
		case t.Before(ps.start.Add(30 * time.Minute)):
			p.addf("schedulingConfig.endTime must be at least 30 minutes after the start, got %s", *c.EndTime)
		case t.After(now.AddDate(2, 0, 0)):
			p.addf("schedulingConfig.endTime must be at most two years in the future, got %s", *c.EndTime)
		default:
			ps.end = t
		}
	}
	switch c.EndBehavior {
	case "", "STOP_ROLLOUT", "CANCEL", "FORCE_CANCEL":
	default:
		p.addf("schedulingConfig.endBehavior must be STOP_ROLLOUT, CANCEL or FORCE_CANCEL, got %q", c.EndBehavior)
	}
	if c.EndBehavior != "" && c.EndTime == nil {
		p.addf("schedulingConfig.endBehavior needs an endTime")
	}
	w, wp := compileWindows(c.MaintenanceWindows)
	p = append(p, wp...)
	ps.window = w
	return ps, p
}

// parseScheduleTime reads AWS's "YYYY-MM-DDTHH:MM" (UTC).
func parseScheduleTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time of the form YYYY-MM-DDTHH:MM", s)
}

// compileWindows validates maintenance windows. Until recurring windows
// are evaluated, a job with windows is refused rather than run wrongly.
func compileWindows(ws []MaintenanceWindow) (windowSet, problems) {
	if len(ws) == 0 {
		return nil, nil
	}
	var p problems
	p.addf("schedulingConfig.maintenanceWindows are not supported yet")
	return nil, p
}
