package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// HistoryRecord is a JobHistory as report.json carries it, so that shard
// reports can be merged into one with its timeline and latencies.
type HistoryRecord struct {
	// Minutes are, per simulated minute: notified, started, succeeded,
	// failed, rejected, timed out, canceled, removed.
	Minutes           [][8]int64   `json:"minutes"`
	Notes             []NoteRecord `json:"notes,omitempty"`
	Abort             *NoteRecord  `json:"abort,omitempty"`
	QueuedToTerminal  string       `json:"queuedToTerminalHdr,omitempty"` // HdrHistogram V2 compressed, base64
	StartedToTerminal string       `json:"startedToTerminalHdr,omitempty"`
}

// NoteRecord is a Note with its time in simulated seconds.
type NoteRecord struct {
	At   float64 `json:"at"`
	Text string  `json:"text"`
}

func noteRecord(n Note) NoteRecord {
	return NoteRecord{At: n.At.Seconds(), Text: n.Text}
}

func (n NoteRecord) note() Note {
	return Note{At: time.Duration(n.At * float64(time.Second)), Text: n.Text}
}

func encodeHist(h *hdrhistogram.Histogram) string {
	if h == nil || h.TotalCount() == 0 {
		return ""
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return string(b)
}

func decodeHist(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return hdrhistogram.New(1, maxLatencyMs, 3), nil
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return nil, fmt.Errorf("latency histogram: %w", err)
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("latency histogram: %w", err)
	}
	return h, nil
}

// Record returns the history as report.json carries it.
func (h *JobHistory) Record() *HistoryRecord {
	r := &HistoryRecord{Minutes: make([][8]int64, len(h.Minutes)),
		QueuedToTerminal: encodeHist(h.QueuedToEnd), StartedToTerminal: encodeHist(h.StartedToEnd)}
	for i, m := range h.Minutes {
		r.Minutes[i] = [8]int64{m.Notified, m.Started, m.Succeeded, m.Failed, m.Rejected, m.TimedOut, m.Canceled, m.Removed}
	}
	for _, n := range h.Notes {
		r.Notes = append(r.Notes, noteRecord(n))
	}
	if h.Abort != nil {
		a := noteRecord(*h.Abort)
		r.Abort = &a
	}
	return r
}

// History reads a history back from report.json.
func (r *HistoryRecord) History() (*JobHistory, error) {
	h := &JobHistory{Minutes: make([]Minute, len(r.Minutes))}
	for i, m := range r.Minutes {
		h.Minutes[i] = Minute{m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]}
	}
	for _, n := range r.Notes {
		h.Notes = append(h.Notes, n.note())
	}
	if r.Abort != nil {
		a := r.Abort.note()
		h.Abort = &a
	}
	var err error
	if h.QueuedToEnd, err = decodeHist(r.QueuedToTerminal); err != nil {
		return nil, err
	}
	if h.StartedToEnd, err = decodeHist(r.StartedToTerminal); err != nil {
		return nil, err
	}
	return h, nil
}

// Read parses a report.json, histories included.
func Read(data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	r.Timeline = map[string]*JobHistory{}
	for id, j := range r.Jobs {
		if j.History == nil {
			continue
		}
		h, err := j.History.History()
		if err != nil {
			return nil, fmt.Errorf("reading report: job %s: %w", id, err)
		}
		r.Timeline[id] = h
	}
	return &r, nil
}

// statusRank orders job statuses for a merge: a job canceled in one shard
// (an abort) is canceled; one still running anywhere is running.
var statusRank = map[string]int{"CANCELED": 4, "DELETION_IN_PROGRESS": 3, "IN_PROGRESS": 2, "SCHEDULED": 1, "COMPLETED": 0}

// Merge combines the reports of the shards of one run (--shard i/n):
// counters, counts and truths add, histograms merge, a job's status is the
// most severe among the shards, completedAt the latest (none if a shard's
// job is not done). Expectations are not merged: Evaluate the result.
func Merge(shards []*Report) (*Report, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("merging reports: no reports")
	}
	if err := checkShards(shards); err != nil {
		return nil, err
	}
	// In shard order, whatever the order of the arguments: the merged
	// report is the same for the same shards.
	shards = slices.Clone(shards)
	slices.SortFunc(shards, func(a, b *Report) int { return shardIndex(a) - shardIndex(b) })
	return merge(shards)
}

// shardIndex is i of a report's shard i/n, which checkShards has checked.
func shardIndex(r *Report) int {
	var i, n int
	_, _ = fmt.Sscanf(r.Shard, "%d/%d", &i, &n)
	return i
}

// checkShards makes sure the reports are the shards of one run, each once:
// i/n with one n, every i from 0 to n-1, the same fleet.
func checkShards(shards []*Report) error {
	n, fleet := -1, -1
	seen := map[int]bool{}
	devices := 0
	for k, r := range shards {
		var i, count int
		if _, err := fmt.Sscanf(r.Shard, "%d/%d", &i, &count); err != nil || count < 1 || i < 0 || i >= count {
			return fmt.Errorf("merging reports: report %d is not a shard (run with --shard i/n), shard %q", k+1, r.Shard)
		}
		switch {
		case n == -1:
			n, fleet = count, r.FleetDevices
		case count != n:
			return fmt.Errorf("merging reports: report %d is shard %s of a run in %d shards, report 1 of one in %d", k+1, r.Shard, count, n)
		case r.FleetDevices != fleet:
			return fmt.Errorf("merging reports: report %d is of a fleet of %d devices, report 1 of %d (another --scale?)", k+1, r.FleetDevices, fleet)
		}
		if seen[i] {
			return fmt.Errorf("merging reports: shard %d/%d is given twice", i, n)
		}
		seen[i] = true
		devices += r.Devices
	}
	for i := range n {
		if !seen[i] {
			return fmt.Errorf("merging reports: shard %d/%d is missing", i, n)
		}
	}
	if fleet > 0 && devices != fleet {
		return fmt.Errorf("merging reports: the shards hold %d devices, the run %d", devices, fleet)
	}
	return nil
}

// merge combines shards Merge has checked.
func merge(shards []*Report) (*Report, error) {
	first := shards[0]
	out := &Report{Scenario: first.Scenario, Seed: first.Seed, Jobs: map[string]Job{}, Queries: map[string]Query{},
		Timeline: map[string]*JobHistory{}, Provisioning: NewProvisioning()}
	warned := map[string]bool{}
	for i, r := range shards {
		if r.Scenario != first.Scenario || r.Seed != first.Seed {
			return nil, fmt.Errorf("merging reports: shard %s is of %s seed %d, shard %s of %s seed %d", r.Shard, r.Scenario, r.Seed, first.Shard, first.Scenario, first.Seed)
		}
		// The scenario's warnings are in every shard's report, the run's
		// (a device that failed to provision) in its shard's only.
		for _, w := range r.Warnings {
			if !warned[w] {
				warned[w] = true
				out.Warnings = append(out.Warnings, w)
			}
		}
		out.Devices += r.Devices
		out.Events += r.Events
		out.SimulatedSeconds = max(out.SimulatedSeconds, r.SimulatedSeconds)
		out.Wall.Seconds = max(out.Wall.Seconds, r.Wall.Seconds)
		out.Wall.EventsPerSecond += r.Wall.EventsPerSecond
		out.Wall.PeakRSSBytes = max(out.Wall.PeakRSSBytes, r.Wall.PeakRSSBytes)
		mergeProvisioning(&out.Provisioning, r.Provisioning)
		for id, j := range r.Jobs {
			out.Jobs[id] = mergeJob(out.Jobs[id], j, i == 0 || !hasJob(shards[:i], id))
			if h := r.Timeline[id]; h != nil {
				out.Timeline[id] = mergeHistory(out.Timeline[id], h)
			}
		}
		for name, q := range r.Queries {
			m, seen := out.Queries[name]
			if !seen {
				out.Queries[name] = q
				continue
			}
			m.Count += q.Count
			m.Truth += q.Truth
			m.SameThings = m.SameThings && q.SameThings
			// Each shard lists its first ten by name; the first ten of
			// the whole are among them.
			m.Differences = append(m.Differences, q.Differences...)
			slices.SortStableFunc(m.Differences, func(a, b string) int { return strings.Compare(a[1:], b[1:]) })
			m.Differences = m.Differences[:min(10, len(m.Differences))]
			if m.Error == "" {
				m.Error = q.Error
			}
			out.Queries[name] = m
		}
	}
	for id, j := range out.Jobs {
		if h := out.Timeline[id]; h != nil {
			j.Latency = h.LatencyOf()
			j.History = h.Record()
			out.Jobs[id] = j
		}
	}
	return out, nil
}

func hasJob(rs []*Report, id string) bool {
	for _, r := range rs {
		if _, ok := r.Jobs[id]; ok {
			return true
		}
	}
	return false
}

func mergeJob(m, j Job, firstSeen bool) Job {
	if firstSeen {
		return j
	}
	if statusRank[j.Status] > statusRank[m.Status] {
		m.Status, m.ReasonCode, m.Comment = j.Status, j.ReasonCode, j.Comment
	}
	if m.Error == "" {
		m.Error = j.Error
	}
	if j.CreatedAt != nil && (m.CreatedAt == nil || *j.CreatedAt < *m.CreatedAt) {
		m.CreatedAt = j.CreatedAt
	}
	if m.CompletedAt == nil || j.CompletedAt == nil {
		m.CompletedAt = nil
	} else if *j.CompletedAt > *m.CompletedAt {
		m.CompletedAt = j.CompletedAt
	}
	a, b := &m.JobProcessDetails, j.JobProcessDetails
	a.NumberOfCanceledThings += b.NumberOfCanceledThings
	a.NumberOfSucceededThings += b.NumberOfSucceededThings
	a.NumberOfFailedThings += b.NumberOfFailedThings
	a.NumberOfRejectedThings += b.NumberOfRejectedThings
	a.NumberOfQueuedThings += b.NumberOfQueuedThings
	a.NumberOfInProgressThings += b.NumberOfInProgressThings
	a.NumberOfRemovedThings += b.NumberOfRemovedThings
	a.NumberOfTimedOutThings += b.NumberOfTimedOutThings
	return m
}

func mergeHistory(m, h *JobHistory) *JobHistory {
	if m == nil {
		m = &JobHistory{QueuedToEnd: hdrhistogram.New(1, maxLatencyMs, 3), StartedToEnd: hdrhistogram.New(1, maxLatencyMs, 3)}
	}
	for i, x := range h.Minutes {
		y := m.minute(time.Duration(i) * time.Minute)
		y.Notified += x.Notified
		y.Started += x.Started
		y.Succeeded += x.Succeeded
		y.Failed += x.Failed
		y.Rejected += x.Rejected
		y.TimedOut += x.TimedOut
		y.Canceled += x.Canceled
		y.Removed += x.Removed
	}
	m.Notes = append(m.Notes, h.Notes...)
	slices.SortStableFunc(m.Notes, func(a, b Note) int { return int(a.At - b.At) })
	if h.Abort != nil && (m.Abort == nil || h.Abort.At < m.Abort.At) {
		m.Abort = h.Abort
	}
	m.QueuedToEnd.Merge(h.QueuedToEnd)
	m.StartedToEnd.Merge(h.StartedToEnd)
	return m
}
