package jobs

import (
	"container/heap"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// Fleet is what the engine reads of the registry. The core implements it.
type Fleet interface {
	// ThingExists reports whether a thing is registered.
	ThingExists(name string) bool
	// ThingGroupExists reports whether a thing group (static or dynamic)
	// exists.
	ThingGroupExists(name string) bool
	// GroupThings returns every thing in a group and its descendants,
	// sorted by name, without duplicates.
	GroupThings(name string) []string
	// InGroup reports whether a thing is in a group or one of its
	// descendants.
	InGroup(thing, group string) bool
}

// Sink receives what the engine causes beyond its responses. The core
// implements it with its Ready buffers.
type Sink interface {
	// Publish sends an MQTT message to the topic's subscribers.
	Publish(topic string, payload []byte)
	// Event reports a fact for reports.
	Event(e Event)
	// Dirty marks a record key changed; its value is read back with
	// Engine.Record when the operation ends.
	Dirty(key string)
}

// EventKind names a jobs event.
type EventKind string

// The engine's events.
const (
	EventJobCreated        EventKind = "JobCreated"
	EventJobStarted        EventKind = "JobStarted" // a scheduled job's start time came
	EventJobCompleted      EventKind = "JobCompleted"
	EventJobCanceled       EventKind = "JobCanceled"
	EventJobAborted        EventKind = "JobAborted" // canceled by its abortConfig; Detail says why
	EventJobDeleted        EventKind = "JobDeleted"
	EventRolloutStep       EventKind = "RolloutStepIncreased" // the rate per minute rose (not once it is capped)
	EventExecutionQueued   EventKind = "ExecutionQueued"
	EventExecutionStarted  EventKind = "ExecutionStarted"
	EventExecutionFinished EventKind = "ExecutionFinished" // Status is the terminal status
	EventExecutionRetried  EventKind = "ExecutionRetried"
)

// Event is a fact about a job for reports.
type Event struct {
	Time   time.Time
	Kind   EventKind
	Job    string
	Thing  string
	Status Status
	Detail string
}

// Options configure an Engine.
type Options struct {
	Region  string
	Account string
	// Seed varies the order a rollout reaches its targets in (a shuffle
	// of the fleet, fixed by seed, job id and thing names).
	Seed uint64
	// PendingListCap bounds GetPendingJobExecutions and the notify list:
	// AWS's 10.
	PendingListCap int
	// MinScheduleLead is how far in the future a schedulingConfig.startTime
	// must be: AWS's 30 minutes by default. A rehearsal may lower it.
	MinScheduleLead *time.Duration
}

// DefaultPendingListCap is AWS's limit on the pending list.
const DefaultPendingListCap = 10

// Engine is the jobs state machine. It is not safe for concurrent use.
type Engine struct {
	opts   Options
	fleet  Fleet
	sink   Sink
	jobs   map[string]*job
	order  []*job // creation order, for ListJobs
	things map[string]*thingJobs
	tmpls  map[string]*template
	timers timerHeap
	seq    uint64 // creation order of jobs and executions, for ties
	// restore holds records between Restore and FinishRestore.
	restore *restoring
}

// New returns an empty Engine reading the registry through fleet and
// sending its effects to sink.
func New(o Options, fleet Fleet, sink Sink) *Engine {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.PendingListCap == 0 {
		o.PendingListCap = DefaultPendingListCap
	}
	return &Engine{
		opts: o, fleet: fleet, sink: sink,
		jobs: map[string]*job{}, things: map[string]*thingJobs{}, tmpls: map[string]*template{},
	}
}

func (e *Engine) jobArn(id string) string {
	return "arn:aws:iot:" + e.opts.Region + ":" + e.opts.Account + ":job/" + id
}

func (e *Engine) thingArn(name string) string {
	return "arn:aws:iot:" + e.opts.Region + ":" + e.opts.Account + ":thing/" + name
}

// NextDeadline is when Tick must next be called; zero when nothing is
// scheduled.
func (e *Engine) NextDeadline() time.Time {
	for len(e.timers) > 0 {
		t := e.timers[0]
		if t.live() {
			return time.UnixMilli(t.at).UTC()
		}
		heap.Pop(&e.timers)
	}
	return time.Time{}
}

// Tick does the work due by now, each item at its own time: rollout
// releases at their slots, timeouts at their deadlines, schedule changes
// at their instants. So a late tick and a virtual clock that stops at
// every deadline give the same history.
func (e *Engine) Tick(now time.Time) {
	limit := now.UnixMilli()
	for len(e.timers) > 0 && e.timers[0].at <= limit {
		t := heap.Pop(&e.timers).(timer)
		if !t.live() {
			continue
		}
		at := time.UnixMilli(t.at).UTC()
		if t.exec != nil {
			e.timeout(at, t.exec)
			continue
		}
		t.job.wakeSeq++ // consumed
		e.wake(at, t.job)
	}
}

// timer is one scheduled wake-up: an execution's timeout, or a job's next
// rollout release or schedule change. Entries are invalidated lazily: a
// timer is live while its sequence matches its owner's.
type timer struct {
	at   int64 // epoch ms
	seq  uint32
	job  *job
	exec *execution
}

func (t timer) live() bool {
	if t.exec != nil {
		return t.exec.timerSeq == t.seq && !t.exec.status.Terminal()
	}
	return t.job.wakeSeq == t.seq && !t.job.deleted
}

type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	// Same instant: timeouts before releases, then by owner, so the order
	// never depends on heap internals.
	if (h[i].exec != nil) != (h[j].exec != nil) {
		return h[i].exec != nil
	}
	if h[i].exec != nil {
		return h[i].exec.seq < h[j].exec.seq
	}
	return h[i].job.seq < h[j].job.seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// armExec schedules an execution's timeout from its timer, replacing any
// earlier one.
func (e *Engine) armExec(x *execution) {
	x.timerSeq++
	if d, ok := x.timer.Deadline(); ok {
		heap.Push(&e.timers, timer{at: d.UnixMilli(), seq: x.timerSeq, exec: x})
	}
}

// armJob schedules a job's next wake-up at at (zero: none), replacing any
// earlier one.
func (e *Engine) armJob(j *job, at time.Time) {
	j.wakeSeq++
	if !at.IsZero() {
		heap.Push(&e.timers, timer{at: at.UnixMilli(), seq: j.wakeSeq, job: j})
	}
}

// thingJobs is one thing's executions, the latest of each job, and the
// pending execution it was last told was next.
type thingJobs struct {
	execs    []*execution
	lastNext *execution
}

func (e *Engine) thing(name string) *thingJobs {
	tj := e.things[name]
	if tj == nil {
		tj = &thingJobs{}
		e.things[name] = tj
	}
	return tj
}

// counts returns the job's terminal counts for abort evaluation.
func (j *job) abortCounts() rollout.Counts {
	d := &j.counts
	return rollout.Counts{
		Succeeded: d.NumberOfSucceededThings, Failed: d.NumberOfFailedThings, Rejected: d.NumberOfRejectedThings,
		TimedOut: d.NumberOfTimedOutThings, Removed: d.NumberOfRemovedThings, Canceled: d.NumberOfCanceledThings,
	}
}
