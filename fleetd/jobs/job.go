package jobs

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
	"github.com/fleetlab/fleetlab/fleetd/jobs/schedule"
)

// spec is the part of a CreateJob request a job keeps and DescribeJob
// shows; it is also the job's persistent configuration.
type spec struct {
	Targets            []string            `json:"targets"`
	Description        string              `json:"description,omitempty"`
	PresignedURLConfig *PresignedURLConfig `json:"presignedUrlConfig,omitempty"`
	TargetSelection    string              `json:"targetSelection"`
	rollout.Config
	Tags                       []Tag             `json:"tags,omitempty"`
	NamespaceID                string            `json:"namespaceId,omitempty"`
	JobTemplateArn             string            `json:"jobTemplateArn,omitempty"`
	DocumentParameters         map[string]string `json:"documentParameters,omitempty"`
	SchedulingConfig           *SchedulingConfig `json:"schedulingConfig,omitempty"`
	DestinationPackageVersions []string          `json:"destinationPackageVersions,omitempty"`
	DocumentSource             string            `json:"documentSource,omitempty"`
	// DocumentBeforeSubstitution is the document as written, when
	// documentParameters changed it (GetJobDocument?beforeSubstitution).
	DocumentBeforeSubstitution string `json:"documentBeforeSubstitution,omitempty"`
}

// job is one job and its executions.
type job struct {
	seq      uint64
	id, arn  string
	spec     spec
	document string
	plan     rollout.Plan
	windows  *plannedSchedule // nil without schedulingConfig

	status               JobStatus
	createdAt, updatedAt int64 // epoch ms
	completedAt          int64
	forceCanceled        bool
	reasonCode, comment  string
	directThings         map[string]bool // thing targets, for continuous membership
	groups               []string        // thing-group targets
	targets              []string        // resolved at start, release order
	released             int             // targets[:released] are done with
	limiter              rollout.Limiter
	limiterLive          bool                  // the limiter is anchored (the rollout has started)
	reanchor             bool                  // a maintenance window closed: restart the grid when one opens
	rolloutStopped       bool                  // canceled, aborted, or past endTime
	ended                bool                  // endTime reached and its behaviour applied
	execs                map[string]*execution // latest execution per thing
	list                 []*execution          // latest execution per thing, in first-queue order
	counts               JobProcessDetails
	wakeSeq              uint32
	deleteAt             int64 // epoch ms: when a DELETION_IN_PROGRESS job is gone
	deleted              bool
}

// execution is one attempt of a job on a thing.
type execution struct {
	job           *job
	thing         string
	status        Status
	number        int64 // executionNumber
	version       int64
	queuedAt      int64
	startedAt     int64
	updatedAt     int64
	details       map[string]string
	attempt       rollout.Attempt
	timer         rollout.Timer
	timerSeq      uint32
	forceCanceled bool
	slot          int32  // index in job.list
	seq           uint64 // creation order, breaks queuedAt ties
	prev          *execution
}

// rolloutDone reports whether every resolved target has been released.
func (j *job) rolloutDone() bool { return j.limiterLive && j.released >= len(j.targets) }

func (j *job) pending() int64 {
	return j.counts.NumberOfQueuedThings + j.counts.NumberOfInProgressThings
}

// count moves a thing's latest execution between counters.
func (d *JobProcessDetails) count(s Status, delta int64) {
	switch s {
	case Queued:
		d.NumberOfQueuedThings += delta
	case InProgress:
		d.NumberOfInProgressThings += delta
	case Succeeded:
		d.NumberOfSucceededThings += delta
	case Failed:
		d.NumberOfFailedThings += delta
	case Rejected:
		d.NumberOfRejectedThings += delta
	case TimedOut:
		d.NumberOfTimedOutThings += delta
	case Removed:
		d.NumberOfRemovedThings += delta
	case Canceled:
		d.NumberOfCanceledThings += delta
	}
}

// start turns a created or scheduled job into a running one at at: it
// resolves the targets and anchors the rollout.
func (e *Engine) start(at time.Time, j *job) {
	j.status = JobInProgress
	j.updatedAt = at.UnixMilli()
	j.targets = e.resolve(j)
	j.limiter = rollout.NewLimiter(j.plan.Rate, at, 0, 0)
	j.limiterLive = true
	e.dirtyJob(j)
	e.sink.Dirty(keyTargets(j.id))
}

// resolve lists the things a job targets now, each once, in its release
// order. AWS does not say in which order a rollout reaches its targets;
// FleetLab shuffles them deterministically (by a hash of the seed, the
// job id and the thing name), so the first things notified are a fair sample of the
// fleet rather than its alphabetical head — which, with names derived from
// serial numbers or hardware batches, would expose one cohort first and
// bias every abort decision.
func (e *Engine) resolve(j *job) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, arn := range j.spec.Targets {
		kind, name, _ := parseTargetArn(arn)
		if kind == targetThing {
			add(name)
		}
	}
	for _, g := range j.groups {
		things := e.fleet.GroupThings(g)
		if len(out) == 0 && len(j.groups) == 1 {
			out = things // the common case: one group, already distinct
			break
		}
		for _, t := range things {
			add(t)
		}
	}
	return releaseOrder(e.opts.Seed, j.id, out)
}

// releaseOrder returns things ordered by a hash of the seed, job id and
// name (ties by name): a deterministic shuffle. FNV-1a alone leaves names
// that differ in their last characters next to each other (its top bits
// barely move), so the hash goes through a 64-bit finalizer as well.
func releaseOrder(seed uint64, jobID string, things []string) []string {
	keys := make([]uint64, len(things))
	idx := make([]int32, len(things))
	h := uint64(14695981039346656037)
	for i := range 8 {
		h = fnvByte(h, byte(seed>>(8*i)))
	}
	h = fnvByte(fnvString(h, jobID), '/')
	for i, t := range things {
		keys[i] = mix64(fnvString(h, t))
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if keys[a] != keys[b] {
			return cmp.Compare(keys[a], keys[b])
		}
		return strings.Compare(things[a], things[b])
	})
	out := make([]string, len(things))
	for k, i := range idx {
		out[k] = things[i]
	}
	return out
}

// mix64 is MurmurHash3's finalizer: every input bit moves every output bit.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * 1099511628211 }

// wake runs a job's time-driven work at at.
func (e *Engine) wake(at time.Time, j *job) {
	if j.status == JobDeletionInProgress {
		if at.UnixMilli() >= j.deleteAt {
			e.finishDeletion(at, j)
		} else {
			e.armJob(j, time.UnixMilli(j.deleteAt))
		}
		return
	}
	if j.status == JobScheduled && j.windows != nil && !at.Before(j.windows.Start()) {
		e.start(at, j)
		e.sink.Event(Event{Time: at, Kind: EventJobStarted, Job: j.id})
	}
	if j.windows != nil && !j.ended {
		if end, ok := j.windows.End(); ok && !at.Before(end) {
			e.reachEnd(at, j)
		}
	}
	e.release(at, j)
	e.rearm(at, j)
	e.maybeComplete(at, j)
}

// releasing reports whether the rollout may create executions at at.
func (j *job) releasing(at time.Time) bool {
	if j.status != JobInProgress || j.rolloutStopped || !j.limiterLive || j.released >= len(j.targets) {
		return false
	}
	return j.windows == nil || j.windows.Open(at)
}

// release creates the executions the rollout has due by now, each at its
// slot time.
func (e *Engine) release(now time.Time, j *job) {
	if !j.releasing(now) {
		return
	}
	if j.reanchor {
		// A window opened: the rate's grid starts again here, so the
		// closed hours are not released as a burst.
		j.limiter = rollout.NewLimiter(j.plan.Rate, now, j.limiter.Notified(), j.limiter.Succeeded())
		j.reanchor = false
	}
	rate := j.limiter.PerMinute()
	for j.released < len(j.targets) {
		if t := j.targets[j.released]; j.spec.TargetSelection == Continuous && !e.stillTargeted(j, t) {
			// It left the job's groups before its turn: it is no longer a
			// target, and takes no slot of the rate.
			j.released++
			continue
		}
		slot := j.limiter.Next(now)
		if slot.After(now) || (j.windows != nil && !j.windows.Open(slot)) {
			break
		}
		at, ok := j.limiter.Take(now)
		if !ok {
			break
		}
		thing := j.targets[j.released]
		j.released++
		e.releaseTo(at, j, thing)
		if r := j.limiter.PerMinute(); r != rate {
			rate = r
			e.sink.Event(Event{Time: at, Kind: EventRolloutStep, Job: j.id, Detail: rateDetail(&j.limiter)})
		}
	}
	if j.released >= len(j.targets) {
		j.targets, j.released = nil, 0 // done: free the list
		e.sink.Dirty(keyTargets(j.id))
	}
	e.dirtyJob(j)
}

// stillTargeted reports whether a continuous job targets a thing now: by
// name, or through one of its groups.
func (e *Engine) stillTargeted(j *job, thing string) bool {
	if j.directThings[thing] {
		return true
	}
	for _, g := range j.groups {
		if e.fleet.InGroup(thing, g) {
			return true
		}
	}
	return !e.fleet.ThingExists(thing) // deleted: releaseTo accounts for it as removed
}

// releaseTo creates the rollout's execution for one target.
func (e *Engine) releaseTo(at time.Time, j *job, thing string) {
	if _, ok := j.execs[thing]; ok {
		return // already queued as a continuous joiner
	}
	if !e.fleet.ThingExists(thing) {
		// Deleted between resolution and release: the thing is accounted
		// for as removed, so the counters still add up to the targets.
		// Nobody is told (there is no device), but the removal completes
		// an execution, so the abort criteria are evaluated.
		x := e.newExecution(at, j, thing, rollout.Attempt{ExecutionNumber: 1})
		e.setStatus(at, x, Removed)
		e.sink.Event(Event{Time: at, Kind: EventExecutionFinished, Job: j.id, Thing: thing, Status: Removed})
		e.checkAbort(at, j)
		return
	}
	e.queue(at, j, thing, rollout.Attempt{ExecutionNumber: 1})
}

// rearm schedules the job's next wake-up: its next release, its next
// window change, its start or its end, whichever is first.
func (e *Engine) rearm(now time.Time, j *job) {
	var next time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	switch j.status {
	case JobDeletionInProgress:
		earliest(time.UnixMilli(j.deleteAt))
	case JobScheduled:
		earliest(j.windows.Start())
	case JobInProgress:
		if j.windows != nil && !j.ended {
			if end, ok := j.windows.End(); ok {
				earliest(end)
			}
		}
		if !j.rolloutStopped && j.limiterLive && j.released < len(j.targets) {
			if j.windows == nil || j.windows.Open(now) {
				slot := j.limiter.Next(now)
				if j.windows != nil {
					if c := j.windows.NextChange(now); !c.IsZero() && !slot.Before(c) {
						slot = c // the window closes first: wake then, release nothing
					}
				}
				earliest(slot)
			} else if c := j.windows.NextChange(now); !c.IsZero() {
				earliest(c)
				j.reanchor = true
			}
		}
	}
	e.armJob(j, next)
}

func rateDetail(l *rollout.Limiter) string {
	return "step " + itoa(int64(l.Step())) + ": " + itoa(int64(l.PerMinute())) + " per minute"
}

// reachEnd applies schedulingConfig.endBehavior at endTime.
func (e *Engine) reachEnd(at time.Time, j *job) {
	j.ended = true
	if j.status != JobInProgress && j.status != JobScheduled {
		return
	}
	switch j.windows.endBehavior() {
	case schedule.EndCancel:
		e.cancelJob(at, j, false, "", "The job reached its scheduled end time")
	case schedule.EndForceCancel:
		e.cancelJob(at, j, true, "", "The job reached its scheduled end time")
	default: // STOP_ROLLOUT: executions already created run on
		j.rolloutStopped = true
		if j.status == JobScheduled {
			e.cancelJob(at, j, false, "", "The job reached its scheduled end time before it started")
		}
	}
	e.dirtyJob(j)
}

// maybeComplete completes a snapshot job whose rollout is done and whose
// executions are all terminal.
func (e *Engine) maybeComplete(at time.Time, j *job) {
	if j.status != JobInProgress || j.spec.TargetSelection == Continuous || j.pending() > 0 {
		return
	}
	if !j.rolloutStopped && !j.rolloutDone() {
		return
	}
	j.status = JobCompleted
	j.completedAt = at.UnixMilli()
	j.updatedAt = j.completedAt
	e.armJob(j, time.Time{})
	e.dirtyJob(j)
	e.sink.Event(Event{Time: at, Kind: EventJobCompleted, Job: j.id})
}

// cancelJob cancels a job: the rollout stops, QUEUED executions (queued
// retries included) become CANCELED, and with force IN_PROGRESS ones too.
func (e *Engine) cancelJob(at time.Time, j *job, force bool, reasonCode, comment string) {
	j.status = JobCanceled
	j.rolloutStopped = true
	j.forceCanceled = j.forceCanceled || force
	if reasonCode != "" {
		j.reasonCode = reasonCode
	}
	if comment != "" {
		j.comment = comment
	}
	ms := at.UnixMilli()
	j.updatedAt = ms
	j.completedAt = ms
	for _, x := range j.list {
		switch {
		case x.status == Queued:
			e.finish(at, x, Canceled)
		case x.status == InProgress && force:
			x.forceCanceled = true
			e.finish(at, x, Canceled)
		}
	}
	e.armJob(j, time.Time{})
	e.dirtyJob(j)
	e.sink.Event(Event{Time: at, Kind: EventJobCanceled, Job: j.id, Detail: j.comment})
}

// newExecution creates a thing's next execution of a job, QUEUED, as its
// latest, without notifying anyone.
func (e *Engine) newExecution(at time.Time, j *job, thing string, a rollout.Attempt) *execution {
	e.seq++
	ms := at.UnixMilli()
	x := &execution{job: j, thing: thing, status: Queued, number: a.ExecutionNumber, version: 1,
		queuedAt: ms, updatedAt: ms, attempt: a, seq: e.seq}
	tj := e.thing(thing)
	if old := j.execs[thing]; old != nil {
		x.prev = old
		x.slot = old.slot
		j.list[x.slot] = x
		j.counts.count(old.status, -1)
		i := slices.Index(tj.execs, old)
		tj.execs[i] = x
	} else {
		x.slot = int32(len(j.list))
		j.list = append(j.list, x)
		tj.execs = append(tj.execs, x)
	}
	j.execs[thing] = x
	j.counts.count(Queued, 1)
	e.dirtyExec(x)
	return x
}

// queue creates a QUEUED execution and tells the device.
func (e *Engine) queue(at time.Time, j *job, thing string, a rollout.Attempt) *execution {
	x := e.newExecution(at, j, thing, a)
	e.sink.Event(Event{Time: at, Kind: EventExecutionQueued, Job: j.id, Thing: thing})
	e.pendingChanged(at, thing, true)
	return x
}

// setStatus moves an execution to a status, keeping the counters.
func (e *Engine) setStatus(at time.Time, x *execution, s Status) {
	x.job.counts.count(x.status, -1)
	x.job.counts.count(s, 1)
	x.status = s
	x.updatedAt = at.UnixMilli()
	x.version++
	if s.Terminal() {
		x.timerSeq++ // drops its timeout
	}
	e.dirtyExec(x)
}

// finish moves an execution to a terminal status and follows up: a retry,
// the abort criteria, the device's notifications, the job's completion.
func (e *Engine) finish(at time.Time, x *execution, s Status) {
	j := x.job
	e.setStatus(at, x, s)
	e.sink.Event(Event{Time: at, Kind: EventExecutionFinished, Job: j.id, Thing: x.thing, Status: s})
	if s == Succeeded && j.limiterLive && j.status == JobInProgress { // a canceled rollout has no rate to raise
		rate := j.limiter.PerMinute()
		j.limiter.SetSucceeded(at, j.counts.NumberOfSucceededThings)
		if j.limiter.PerMinute() != rate {
			e.sink.Event(Event{Time: at, Kind: EventRolloutStep, Job: j.id, Detail: rateDetail(&j.limiter)})
		}
	}
	retried := false
	if j.status == JobInProgress && (s == Failed || s == TimedOut) {
		if next, ok := j.plan.Retry.Next(x.attempt, s); ok {
			e.newExecution(at, j, x.thing, next)
			e.sink.Event(Event{Time: at, Kind: EventExecutionRetried, Job: j.id, Thing: x.thing, Detail: "executionNumber " + itoa(next.ExecutionNumber)})
			retried = true
		}
	}
	if !retried && j.status == JobInProgress {
		e.pendingChanged(at, x.thing, true)
		if e.checkAbort(at, j) {
			return
		}
	} else {
		e.pendingChanged(at, x.thing, true)
	}
	if j.status == JobInProgress {
		e.rearm(at, j) // a success may have raised the rate
		e.maybeComplete(at, j)
	}
}

// checkAbort evaluates the abort criteria after a final completion and,
// when one is met, cancels the job (ABORT_CRITERIA_MET).
func (e *Engine) checkAbort(at time.Time, j *job) bool {
	if j.status != JobInProgress {
		return false
	}
	v, fire := j.plan.Abort.Evaluate(j.abortCounts())
	if !fire {
		return false
	}
	e.sink.Event(Event{Time: at, Kind: EventJobAborted, Job: j.id, Detail: v.Comment()})
	e.cancelJob(at, j, false, rollout.AbortReasonCode, v.Comment())
	return true
}

// timeout expires an IN_PROGRESS execution at its deadline.
func (e *Engine) timeout(at time.Time, x *execution) {
	if x.status != InProgress {
		return
	}
	e.finish(at, x, TimedOut)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
