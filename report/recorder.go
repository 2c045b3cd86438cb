package report

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// JobEventKind is what a JobEvent reports.
type JobEventKind uint8

// Job event kinds, as the jobs engine emits them.
const (
	JobCreated JobEventKind = iota + 1
	JobCompleted
	JobCanceled
	JobAborted      // canceled by its abortConfig; Detail is the cause
	RolloutStep     // the exponential rate increased; Detail says to what
	ExecutionQueued // a device was notified
	ExecutionStarted
	ExecutionFinished // Status is the terminal status
	ExecutionRetried
)

// JobEvent is a fact about a job at a simulated time.
type JobEvent struct {
	At     time.Duration // since the start of the run
	Kind   JobEventKind
	Job    string
	Thing  string
	Status string
	Detail string
}

// Minute counts a job's execution events in one simulated minute.
type Minute struct {
	Notified, Started                                        int64
	Succeeded, Failed, Rejected, TimedOut, Canceled, Removed int64
}

// Note is a moment worth a line in the timeline: a rate step, the abort.
type Note struct {
	At   time.Duration
	Text string
}

// JobHistory is what the Recorder learnt about one job.
type JobHistory struct {
	Created, Ended time.Duration
	HasEnded       bool
	Minutes        []Minute // by simulated minute since the start of the run
	Notes          []Note
	Abort          *Note                   // when and why the job was aborted
	QueuedToEnd    *hdrhistogram.Histogram // ms per execution, queued → terminal
	StartedToEnd   *hdrhistogram.Histogram // ms per execution, IN_PROGRESS → terminal
}

func (h *JobHistory) minute(at time.Duration) *Minute {
	m := int(at / time.Minute)
	for len(h.Minutes) <= m {
		h.Minutes = append(h.Minutes, Minute{})
	}
	return &h.Minutes[m]
}

// execKey names an execution attempt's thing within a job.
type execKey struct{ job, thing string }

// Recorder collects job events during a run. It is not safe for concurrent
// use (the simulator is single threaded).
type Recorder struct {
	jobs    map[string]*JobHistory
	queued  map[execKey]time.Duration // a thing's first attempt, until its last ends
	ended   *endedAttempt
	started map[execKey]time.Duration
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{jobs: map[string]*JobHistory{}, queued: map[execKey]time.Duration{}, started: map[execKey]time.Duration{}}
}

const maxLatencyMs = int64(30 * 24 * time.Hour / time.Millisecond)

func (r *Recorder) history(job string, at time.Duration) *JobHistory {
	h := r.jobs[job]
	if h == nil {
		h = &JobHistory{Created: at,
			QueuedToEnd:  hdrhistogram.New(1, maxLatencyMs, 3),
			StartedToEnd: hdrhistogram.New(1, maxLatencyMs, 3)}
		r.jobs[job] = h
	}
	return h
}

// Job records one job event.
func (r *Recorder) Job(e JobEvent) {
	h := r.history(e.Job, e.At)
	k := execKey{e.Job, e.Thing}
	if r.ended != nil && !(e.Kind == ExecutionRetried && r.ended.key == k) {
		r.flush() // no retry: that attempt was the thing's last
	}
	switch e.Kind {
	case ExecutionRetried:
		r.ended = nil // its queued time stays for the retry's end
	case JobCreated:
		h.Created = e.At
	case JobCompleted, JobCanceled:
		h.Ended, h.HasEnded = e.At, true
	case JobAborted:
		h.Ended, h.HasEnded = e.At, true
		h.Abort = &Note{e.At, e.Detail}
		h.Notes = append(h.Notes, Note{e.At, "aborted: " + e.Detail})
	case RolloutStep:
		h.Notes = append(h.Notes, Note{e.At, "rollout rate: " + e.Detail})
	case ExecutionQueued:
		h.minute(e.At).Notified++
		r.queued[k] = e.At
	case ExecutionStarted:
		h.minute(e.At).Started++
		r.started[k] = e.At
	case ExecutionFinished:
		m := h.minute(e.At)
		switch e.Status {
		case "SUCCEEDED":
			m.Succeeded++
		case "FAILED":
			m.Failed++
		case "REJECTED":
			m.Rejected++
		case "TIMED_OUT":
			m.TimedOut++
		case "CANCELED":
			m.Canceled++
		case "REMOVED":
			m.Removed++
		}
		if q, ok := r.queued[k]; ok {
			// Queued → terminal is the thing's: from its first attempt's
			// queueing to its last attempt's end. A retry follows its
			// attempt's end as the very next event of the job.
			r.flush()
			r.ended = &endedAttempt{key: k, queued: q, at: e.At, history: h}
		}
		if s, ok := r.started[k]; ok {
			_ = h.StartedToEnd.RecordValue(max(1, int64((e.At-s)/time.Millisecond)))
			delete(r.started, k)
		}
	}
}

// flush records the queued → terminal time of the attempt that ended last
// now that no retry follows it.
func (r *Recorder) flush() {
	if a := r.ended; a != nil {
		_ = a.history.QueuedToEnd.RecordValue(max(1, int64((a.at-a.queued)/time.Millisecond)))
		delete(r.queued, a.key)
		r.ended = nil
	}
}

// endedAttempt is the attempt that ended last, held until the next event
// says whether a retry follows it.
type endedAttempt struct {
	key     execKey
	queued  time.Duration
	at      time.Duration
	history *JobHistory
}

// Histories returns what was recorded, by job id.
func (r *Recorder) Histories() map[string]*JobHistory {
	r.flush()
	return r.jobs
}

// Latency summarises a job's latency histograms, in seconds.
type Latency struct {
	QueuedToTerminal  *Percentiles `json:"queuedToTerminal,omitempty"`
	StartedToTerminal *Percentiles `json:"startedToTerminal,omitempty"`
}

// Percentiles of a latency distribution, in seconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func percentiles(h *hdrhistogram.Histogram) *Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	s := func(ms int64) float64 { return float64(ms) / 1000 }
	return &Percentiles{Count: h.TotalCount(), P50: s(h.ValueAtQuantile(50)), P90: s(h.ValueAtQuantile(90)),
		P99: s(h.ValueAtQuantile(99)), Max: s(h.Max())}
}

// LatencyOf returns the job's latency summary, nil when nothing finished.
func (h *JobHistory) LatencyOf() *Latency {
	l := &Latency{QueuedToTerminal: percentiles(h.QueuedToEnd), StartedToTerminal: percentiles(h.StartedToEnd)}
	if l.QueuedToTerminal == nil && l.StartedToTerminal == nil {
		return nil
	}
	return l
}
