package jobs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// Record keys. A job is one small record that changes with its rollout,
// its resolved targets one record written when it starts (a million names
// are not rewritten at every release), and each thing's execution one
// record holding its attempts.
const (
	prefixJob      = "job/"
	prefixTargets  = "jobtargets/"
	prefixExec     = "jobexec/"
	prefixTemplate = "jobtemplate/"
)

func keyJob(id string) string         { return prefixJob + id }
func keyTargets(id string) string     { return prefixTargets + id }
func keyExec(id, thing string) string { return prefixExec + id + "/" + thing }
func keyTemplate(id string) string    { return prefixTemplate + id }

// OwnsKey reports whether a record key belongs to the jobs engine.
func OwnsKey(key string) bool {
	for _, p := range []string{prefixJob, prefixTargets, prefixExec, prefixTemplate} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func (e *Engine) dirtyJob(j *job)        { e.sink.Dirty(keyJob(j.id)) }
func (e *Engine) dirtyExec(x *execution) { e.sink.Dirty(keyExec(x.job.id, x.thing)) }

type jobRecord struct {
	Seq            uint64               `json:"seq"`
	ID             string               `json:"id"`
	Spec           spec                 `json:"spec"`
	Document       string               `json:"document"`
	Status         JobStatus            `json:"status"`
	CreatedAt      int64                `json:"createdAt"`
	UpdatedAt      int64                `json:"updatedAt"`
	CompletedAt    int64                `json:"completedAt,omitempty"`
	ForceCanceled  bool                 `json:"forceCanceled,omitempty"`
	ReasonCode     string               `json:"reasonCode,omitempty"`
	Comment        string               `json:"comment,omitempty"`
	Released       int                  `json:"released"`
	Limiter        rollout.LimiterState `json:"limiter"`
	LimiterLive    bool                 `json:"limiterLive,omitempty"`
	RolloutStopped bool                 `json:"rolloutStopped,omitempty"`
	Ended          bool                 `json:"ended,omitempty"`
	Reanchor       bool                 `json:"reanchor,omitempty"`
	Groups         []string             `json:"groups,omitempty"`
	DeleteAt       int64                `json:"deleteAt,omitempty"`
}

type attemptRecord struct {
	Status        Status             `json:"status"`
	Number        int64              `json:"number"`
	Version       int64              `json:"version"`
	QueuedAt      int64              `json:"queuedAt"`
	StartedAt     int64              `json:"startedAt,omitempty"`
	UpdatedAt     int64              `json:"updatedAt"`
	Details       map[string]string  `json:"details,omitempty"`
	Attempt       rollout.Attempt    `json:"attempt"`
	Timer         rollout.TimerState `json:"timer"`
	ForceCanceled bool               `json:"forceCanceled,omitempty"`
	Seq           uint64             `json:"seq"`
}

type execRecord struct {
	Slot     int32           `json:"slot"`
	Attempts []attemptRecord `json:"attempts"` // latest first
}

type templateRecord struct {
	ID        string                   `json:"id"`
	CreatedAt int64                    `json:"createdAt"`
	Request   CreateJobTemplateRequest `json:"request"`
	Document  string                   `json:"document"`
}

// Record returns the current value of one of the engine's record keys;
// nil when the record no longer exists.
func (e *Engine) Record(key string) []byte {
	var v any
	switch {
	case strings.HasPrefix(key, prefixJob):
		j := e.jobs[key[len(prefixJob):]]
		if j == nil || j.deleted {
			return nil
		}
		v = jobRecord{Seq: j.seq, ID: j.id, Spec: j.spec, Document: j.document, Status: j.status,
			CreatedAt: j.createdAt, UpdatedAt: j.updatedAt, CompletedAt: j.completedAt, ForceCanceled: j.forceCanceled,
			ReasonCode: j.reasonCode, Comment: j.comment, Released: j.released, Limiter: j.limiter.State(),
			LimiterLive: j.limiterLive, RolloutStopped: j.rolloutStopped, Ended: j.ended, Reanchor: j.reanchor, Groups: j.groups,
			DeleteAt: j.deleteAt}
	case strings.HasPrefix(key, prefixTargets):
		j := e.jobs[key[len(prefixTargets):]]
		if j == nil || j.deleted || len(j.targets) == 0 {
			return nil
		}
		v = j.targets
	case strings.HasPrefix(key, prefixExec):
		id, thing, _ := strings.Cut(key[len(prefixExec):], "/")
		j := e.jobs[id]
		if j == nil || j.deleted || j.execs[thing] == nil {
			return nil
		}
		x := j.execs[thing]
		r := execRecord{Slot: x.slot}
		for a := x; a != nil; a = a.prev {
			r.Attempts = append(r.Attempts, attemptRecord{Status: a.status, Number: a.number, Version: a.version,
				QueuedAt: a.queuedAt, StartedAt: a.startedAt, UpdatedAt: a.updatedAt, Details: a.details,
				Attempt: a.attempt, Timer: a.timer.State(), ForceCanceled: a.forceCanceled, Seq: a.seq})
		}
		v = r
	case strings.HasPrefix(key, prefixTemplate):
		t := e.tmpls[key[len(prefixTemplate):]]
		if t == nil {
			return nil
		}
		v = templateRecord{ID: t.ID, CreatedAt: t.createdAt, Request: t.req, Document: t.document}
	default:
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// restoring holds records until FinishRestore, as they come in any order.
type restoring struct {
	targets map[string][]string
	execs   map[string]map[string]execRecord
}

// Restore loads one record into an empty engine. Call FinishRestore after
// the last.
func (e *Engine) Restore(key string, value []byte) error {
	if e.restore == nil {
		e.restore = &restoring{targets: map[string][]string{}, execs: map[string]map[string]execRecord{}}
	}
	switch {
	case strings.HasPrefix(key, prefixJob):
		var r jobRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("restore %s: %w", key, err)
		}
		plan, err := rollout.Compile(r.Spec.Config)
		if err != nil {
			return fmt.Errorf("restore %s: %w", key, err)
		}
		j := &job{seq: r.Seq, id: r.ID, arn: e.jobArn(r.ID), spec: r.Spec, document: r.Document, plan: plan,
			status: r.Status, createdAt: r.CreatedAt, updatedAt: r.UpdatedAt, completedAt: r.CompletedAt,
			forceCanceled: r.ForceCanceled, reasonCode: r.ReasonCode, comment: r.Comment, released: r.Released,
			limiterLive: r.LimiterLive, rolloutStopped: r.RolloutStopped, ended: r.Ended, reanchor: r.Reanchor,
			groups: r.Groups, deleteAt: r.DeleteAt, directThings: map[string]bool{}, execs: map[string]*execution{}}
		if r.LimiterLive {
			j.limiter = rollout.RestoreLimiter(plan.Rate, r.Limiter)
		}
		for _, arn := range r.Spec.Targets {
			if kind, name, ok := parseTargetArn(arn); ok && kind == targetThing {
				j.directThings[name] = true
			}
		}
		e.jobs[j.id] = j
		e.seq = max(e.seq, r.Seq)
	case strings.HasPrefix(key, prefixTargets):
		var t []string
		if err := json.Unmarshal(value, &t); err != nil {
			return fmt.Errorf("restore %s: %w", key, err)
		}
		e.restore.targets[key[len(prefixTargets):]] = t
	case strings.HasPrefix(key, prefixExec):
		id, thing, ok := strings.Cut(key[len(prefixExec):], "/")
		var r execRecord
		if err := json.Unmarshal(value, &r); !ok || err != nil || len(r.Attempts) == 0 {
			return fmt.Errorf("restore %s: not an execution record: %v", key, err)
		}
		if e.restore.execs[id] == nil {
			e.restore.execs[id] = map[string]execRecord{}
		}
		e.restore.execs[id][thing] = r
	case strings.HasPrefix(key, prefixTemplate):
		var r templateRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("restore %s: %w", key, err)
		}
		e.tmpls[r.ID] = &template{ID: r.ID, createdAt: r.CreatedAt, req: r.Request, document: r.Document}
	default:
		return fmt.Errorf("restore %s: not a jobs record", key)
	}
	return nil
}

// FinishRestore links the restored records and re-arms every timer.
func (e *Engine) FinishRestore(now time.Time) error {
	rs := e.restore
	e.restore = nil
	if rs == nil {
		return nil
	}
	for _, j := range e.jobs {
		e.order = append(e.order, j)
		j.targets = rs.targets[j.id]
		if j.spec.SchedulingConfig != nil {
			// Validated when the job was created; compiled again against
			// its own creation time so the lead-time rule still holds.
			sched, p := e.compileSchedule(time.UnixMilli(j.createdAt), j.spec.SchedulingConfig)
			if len(p) > 0 {
				return fmt.Errorf("restore job %s: schedulingConfig: %s", j.id, strings.Join(p, "; "))
			}
			j.windows = sched
		}
		var list []*execution
		for thing, r := range rs.execs[j.id] {
			var latest, tail *execution
			for _, a := range r.Attempts {
				x := &execution{job: j, thing: thing, status: a.Status, number: a.Number, version: a.Version,
					queuedAt: a.QueuedAt, startedAt: a.StartedAt, updatedAt: a.UpdatedAt, details: a.Details,
					attempt: a.Attempt, timer: rollout.RestoreTimer(a.Timer), forceCanceled: a.ForceCanceled, seq: a.Seq, slot: r.Slot}
				e.seq = max(e.seq, a.Seq)
				if latest == nil {
					latest = x
				} else {
					tail.prev = x
				}
				tail = x
			}
			j.execs[thing] = latest
			j.counts.count(latest.status, 1)
			list = append(list, latest)
			e.thing(thing).execs = append(e.thing(thing).execs, latest)
			if latest.status == InProgress {
				e.armExec(latest)
			}
		}
		// The list keeps its first-queue order; deleted executions leave
		// no gap after a restart.
		slices.SortFunc(list, func(a, b *execution) int { return int(a.slot) - int(b.slot) })
		for i, x := range list {
			x.slot = int32(i)
		}
		j.list = list
	}
	slices.SortFunc(e.order, func(a, b *job) int { return int(a.seq) - int(b.seq) })
	for _, tj := range e.things {
		slices.SortFunc(tj.execs, func(a, b *execution) int { return int(a.seq) - int(b.seq) })
		if p := pendingOf(tj); len(p) > 0 {
			tj.lastNext = p[0]
		}
	}
	for _, j := range e.order {
		e.rearm(now, j)
	}
	return nil
}
