package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// EndBehavior is schedulingConfig.endBehavior: what happens to the job's
// executions at endTime.
type EndBehavior string

// The end behaviors AWS defines.
const (
	EndStopRollout EndBehavior = "STOP_ROLLOUT"
	EndCancel      EndBehavior = "CANCEL"
	EndForceCancel EndBehavior = "FORCE_CANCEL"
)

// Limits of the configuration, as AWS documents them.
const (
	// DefaultMinLead is how far in the future startTime and endTime must
	// be, and the shortest time from startTime to endTime.
	DefaultMinLead = 30 * time.Minute
	// MaxStartYears and MaxEndYears bound how far ahead of now startTime
	// and endTime may be, and MaxEndYears also bounds endTime-startTime.
	MaxStartYears = 1
	MaxEndYears   = 2
	// MinWindowMinutes and MaxWindowMinutes bound durationInMinutes.
	MinWindowMinutes = 1
	MaxWindowMinutes = 1430
	// MaxScheduledRollouts is how many window starts DescribeJob lists in
	// scheduledJobRollouts.
	MaxScheduledRollouts = 7
	// maxTimeLength and maxCronLength are the model's length limits.
	maxTimeLength = 64
	maxCronLength = 256
)

// SchedulingConfig is CreateJob's schedulingConfig. Numbers are pointers
// so that an absent member and a zero are told apart.
type SchedulingConfig struct {
	StartTime          *string             `json:"startTime,omitempty"`
	EndTime            *string             `json:"endTime,omitempty"`
	EndBehavior        EndBehavior         `json:"endBehavior,omitempty"`
	MaintenanceWindows []MaintenanceWindow `json:"maintenanceWindows,omitempty"`
}

// MaintenanceWindow is one entry of schedulingConfig.maintenanceWindows.
// StartTime is a cron expression, "cron(0 0 ? * SAT *)".
type MaintenanceWindow struct {
	StartTime         *string `json:"startTime,omitempty"`
	DurationInMinutes *int    `json:"durationInMinutes,omitempty"`
}

// Options adjusts validation for a simulator.
type Options struct {
	// MinLead replaces DefaultMinLead as the least time from now to
	// startTime and endTime; zero means DefaultMinLead, a negative value
	// no lead at all (startTime may be now). The 30 minutes from startTime
	// to endTime stay AWS's.
	MinLead time.Duration
}

func (o Options) minLead() time.Duration {
	switch {
	case o.MinLead == 0:
		return DefaultMinLead
	case o.MinLead < 0:
		return 0
	}
	return o.MinLead
}

// Plan is a validated SchedulingConfig in the form the engine uses.
type Plan struct {
	Windows Windows
	// EndBehavior applies at Windows.End; STOP_ROLLOUT when endTime is
	// set without it, empty when there is no endTime.
	EndBehavior EndBehavior
}

// Validate returns an InvalidRequestException naming every problem of c
// at now, or nil. A nil configuration is valid.
func (c *SchedulingConfig) Validate(now time.Time, opt Options) error {
	_, err := c.compile(now, opt)
	return err
}

// Compile validates c at now and returns its Plan. A nil configuration
// gives a Plan that is always open.
func Compile(c *SchedulingConfig, now time.Time, opt Options) (Plan, error) {
	return c.compile(now, opt)
}

func (c *SchedulingConfig) compile(now time.Time, opt Options) (Plan, error) {
	var plan Plan
	if c == nil {
		return plan, nil
	}
	const path = "schedulingConfig"
	var p problems
	lead := opt.minLead()
	earliest := now.Add(lead)
	start, startOK := p.timeMember(path+".startTime", c.StartTime)
	if startOK {
		if start.Before(earliest) {
			p.add(fmt.Sprintf("%s.startTime must be at least %s after the current time %s, got %s", path, minutes(lead), stamp(now), *c.StartTime))
		} else if latest := now.AddDate(MaxStartYears, 0, 0); start.After(latest) {
			p.add(fmt.Sprintf("%s.startTime must be at most %d year after the current time %s, got %s", path, MaxStartYears, stamp(now), *c.StartTime))
		}
	}
	end, endOK := p.timeMember(path+".endTime", c.EndTime)
	if endOK {
		switch {
		case end.Before(earliest):
			p.add(fmt.Sprintf("%s.endTime must be at least %s after the current time %s, got %s", path, minutes(lead), stamp(now), *c.EndTime))
		case end.After(now.AddDate(MaxEndYears, 0, 0)):
			p.add(fmt.Sprintf("%s.endTime must be at most %d years after the current time %s, got %s", path, MaxEndYears, stamp(now), *c.EndTime))
		case startOK && end.Before(start.Add(DefaultMinLead)):
			p.add(fmt.Sprintf("%s.endTime must be at least %s after %s.startTime %s, got %s", path, minutes(DefaultMinLead), path, *c.StartTime, *c.EndTime))
		case startOK && end.After(start.AddDate(MaxEndYears, 0, 0)):
			p.add(fmt.Sprintf("%s.endTime must be at most %d years after %s.startTime %s, got %s", path, MaxEndYears, path, *c.StartTime, *c.EndTime))
		}
	}
	switch c.EndBehavior {
	case "", EndStopRollout, EndCancel, EndForceCancel:
	default:
		p.add(fmt.Sprintf("%s.endBehavior must be one of STOP_ROLLOUT, CANCEL, FORCE_CANCEL, got %q", path, c.EndBehavior))
	}
	var recurring []Window
	for i, mw := range c.MaintenanceWindows {
		wp := fmt.Sprintf("%s.maintenanceWindows[%d]", path, i)
		var cron *Cron
		switch {
		case mw.StartTime == nil:
			p.required(wp + ".startTime")
		case len(*mw.StartTime) > maxCronLength:
			p.add(fmt.Sprintf("%s.startTime must be at most %d characters, got %d", wp, maxCronLength, len(*mw.StartTime)))
		default:
			var err error
			if cron, err = ParseCron(*mw.StartTime); err != nil {
				p.add(fmt.Sprintf("%s.startTime %q is not a valid cron expression: %v", wp, *mw.StartTime, err))
			}
		}
		if mw.DurationInMinutes == nil {
			p.required(wp + ".durationInMinutes")
		} else if d := *mw.DurationInMinutes; d < MinWindowMinutes || d > MaxWindowMinutes {
			p.add(fmt.Sprintf("%s.durationInMinutes must be between %d and %d, got %d", wp, MinWindowMinutes, MaxWindowMinutes, d))
		} else if cron != nil {
			recurring = append(recurring, Window{Start: cron, Duration: time.Duration(d) * time.Minute})
		}
	}
	if err := p.err(); err != nil {
		return Plan{}, err
	}
	plan.Windows = Windows{Recurring: recurring}
	if startOK {
		plan.Windows.Start = start
	}
	if endOK {
		plan.Windows.End = end
		plan.EndBehavior = c.EndBehavior
		if plan.EndBehavior == "" {
			plan.EndBehavior = EndStopRollout
		}
	}
	return plan, nil
}

// problems collects the validation failures of one request, in field
// order, for one InvalidRequestException.
type problems []string

func (p *problems) add(msg string) { *p = append(*p, msg) }

func (p *problems) required(path string) { p.add(path + " is required") }

// timeMember parses an optional time member; ok is false when it is absent or
// invalid, the latter reported.
func (p *problems) timeMember(path string, s *string) (t time.Time, ok bool) {
	if s == nil {
		return time.Time{}, false
	}
	if len(*s) > maxTimeLength {
		p.add(fmt.Sprintf("%s must be at most %d characters, got %d", path, maxTimeLength, len(*s)))
		return time.Time{}, false
	}
	t, err := ParseTime(*s)
	if err != nil {
		p.add(path + " " + err.Error())
		return time.Time{}, false
	}
	return t, true
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return awserr.New(awserr.InvalidRequest, "%s", strings.Join(p, "; "))
}

// minutes spells a lead for a message: "30 minutes", or "1m30s" when it is
// not whole minutes.
func minutes(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// stamp spells now in messages, to the second.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
