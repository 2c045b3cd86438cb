package jobs

import (
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/schedule"
)

// SchedulingConfig is CreateJob's schedulingConfig.
type SchedulingConfig = schedule.SchedulingConfig

// MaintenanceWindow is one recurring window in which the rollout runs.
type MaintenanceWindow = schedule.MaintenanceWindow

// MinScheduleLead is AWS's minimum distance of a scheduled start from now.
const MinScheduleLead = schedule.DefaultMinLead

// plannedSchedule is a compiled schedulingConfig: when the job starts,
// when its end behaviour applies, and when its maintenance windows let
// the rollout run.
type plannedSchedule struct {
	w   schedule.Windows
	end schedule.EndBehavior
}

// Start is when the job starts; zero when it starts at creation.
func (p *plannedSchedule) Start() time.Time { return p.w.Start }

// End is when the job's endBehavior applies, if it has an end.
func (p *plannedSchedule) End() (time.Time, bool) { return p.w.End, !p.w.End.IsZero() }

// Open reports whether the rollout may release at t.
func (p *plannedSchedule) Open(t time.Time) bool { return p.w.Open(t) }

// NextChange is the next instant after t at which Open changes; zero when
// it never does.
func (p *plannedSchedule) NextChange(t time.Time) time.Time { return p.w.NextChange(t) }

// endBehavior is what happens at endTime: STOP_ROLLOUT unless set.
func (p *plannedSchedule) endBehavior() schedule.EndBehavior {
	if p.end == "" {
		return schedule.EndStopRollout
	}
	return p.end
}

// upcoming lists the next n rollout window starts after t, for
// DescribeJob's scheduledJobRollouts.
func (p *plannedSchedule) upcoming(t time.Time, n int) []ScheduledJobRollout {
	var out []ScheduledJobRollout
	for _, s := range p.w.NextStarts(t, n) {
		out = append(out, ScheduledJobRollout{StartTime: schedule.FormatTime(s)})
	}
	return out
}

func (e *Engine) scheduleOptions() schedule.Options {
	if e.opts.MinScheduleLead == nil {
		return schedule.Options{}
	}
	if *e.opts.MinScheduleLead <= 0 {
		return schedule.Options{MinLead: -1}
	}
	return schedule.Options{MinLead: *e.opts.MinScheduleLead}
}

// compileSchedule validates a schedulingConfig against now.
func (e *Engine) compileSchedule(now time.Time, c *SchedulingConfig) (*plannedSchedule, problems) {
	if c == nil {
		return nil, nil
	}
	plan, err := schedule.Compile(c, now, e.scheduleOptions())
	if err != nil {
		if ae, ok := awserr.As(err); ok {
			return nil, problems{ae.Message}
		}
		return nil, problems{err.Error()}
	}
	return &plannedSchedule{w: plan.Windows, end: plan.EndBehavior}, nil
}

// validateWindows checks a job template's maintenance windows.
func (e *Engine) validateWindows(now time.Time, ws []MaintenanceWindow) problems {
	if len(ws) == 0 {
		return nil
	}
	// The schedule's messages name schedulingConfig.maintenanceWindows; a
	// template's windows are the top-level maintenanceWindows.
	_, p := e.compileSchedule(now, &SchedulingConfig{MaintenanceWindows: ws})
	for i, msg := range p {
		p[i] = strings.ReplaceAll(msg, "schedulingConfig.maintenanceWindows", "maintenanceWindows")
	}
	return p
}
