package report

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Report is a finished run: the content of report.json.
type Report struct {
	Scenario         string                 `json:"scenario"`
	Seed             uint64                 `json:"seed"`
	Shard            string                 `json:"shard,omitempty"`        // "i/n" for one shard of a run
	FleetDevices     int                    `json:"fleetDevices,omitempty"` // a shard's: the devices of the whole run
	SimulatedSeconds float64                `json:"simulatedSeconds"`
	Devices          int                    `json:"devices"`
	Events           uint64                 `json:"events"`
	Jobs             map[string]Job         `json:"jobs"`
	Queries          map[string]Query       `json:"queries"`
	Provisioning     Provisioning           `json:"provisioning"`
	Expectations     []ExpectationResult    `json:"expectations"`
	Passed           bool                   `json:"passed"`
	Wall             Wall                   `json:"wall"`
	Timeline         map[string]*JobHistory `json:"-"`                  // per job, for the human report
	Warnings         []string               `json:"warnings,omitempty"` // the scenario's and the run's
}

// Job is a job as DescribeJob shows it at the end of the run.
type Job struct {
	Status            string            `json:"status"`
	ReasonCode        string            `json:"reasonCode"` // "" when none: the key is part of the contract
	Comment           string            `json:"comment,omitempty"`
	Error             string            `json:"error,omitempty"` // CreateJob refused the job
	CreatedAt         *float64          `json:"createdAt"`
	CompletedAt       *float64          `json:"completedAt"`
	JobProcessDetails JobProcessDetails `json:"jobProcessDetails"`
	Latency           *Latency          `json:"latency,omitempty"`
	History           *HistoryRecord    `json:"history,omitempty"` // the timeline, for merging shards
}

// JobProcessDetails are the AWS counters.
type JobProcessDetails struct {
	NumberOfCanceledThings   int64 `json:"numberOfCanceledThings"`
	NumberOfSucceededThings  int64 `json:"numberOfSucceededThings"`
	NumberOfFailedThings     int64 `json:"numberOfFailedThings"`
	NumberOfRejectedThings   int64 `json:"numberOfRejectedThings"`
	NumberOfQueuedThings     int64 `json:"numberOfQueuedThings"`
	NumberOfInProgressThings int64 `json:"numberOfInProgressThings"`
	NumberOfRemovedThings    int64 `json:"numberOfRemovedThings"`
	NumberOfTimedOutThings   int64 `json:"numberOfTimedOutThings"`
}

// Counter returns a counter by its AWS member name.
func (d JobProcessDetails) Counter(name string) (int64, bool) {
	switch name {
	case "numberOfCanceledThings":
		return d.NumberOfCanceledThings, true
	case "numberOfSucceededThings":
		return d.NumberOfSucceededThings, true
	case "numberOfFailedThings":
		return d.NumberOfFailedThings, true
	case "numberOfRejectedThings":
		return d.NumberOfRejectedThings, true
	case "numberOfQueuedThings":
		return d.NumberOfQueuedThings, true
	case "numberOfInProgressThings":
		return d.NumberOfInProgressThings, true
	case "numberOfRemovedThings":
		return d.NumberOfRemovedThings, true
	case "numberOfTimedOutThings":
		return d.NumberOfTimedOutThings, true
	}
	return 0, false
}

// Query is a timeline query's answer: Count from the fleet index, Truth from
// the simulator's own state.
type Query struct {
	At          float64  `json:"at"` // simulated seconds
	Count       int64    `json:"count"`
	Truth       int64    `json:"truth"`
	SameThings  bool     `json:"sameThings"`
	Differences []string `json:"differences,omitempty"` // "+name" index only, "-name" truth only; at most 10
	Error       string   `json:"error,omitempty"`
}

// ExpectationResult is one checked expectation.
type ExpectationResult struct {
	Expect string `json:"expect"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Wall is what the run cost on the machine; the only part of a report that
// differs between two runs of one scenario and seed.
type Wall struct {
	Seconds         float64 `json:"seconds"`
	EventsPerSecond float64 `json:"eventsPerSecond"`
	PeakRSSBytes    int64   `json:"peakRSSBytes"`
}

// JSON renders report.json, indented, with a final newline.
func (r *Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // expectations read "count >= 13", not "\u003e="
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encoding report: %w", err)
	}
	return b.Bytes(), nil
}

// Deterministic renders report.json with its wall section zeroed: the
// bytes two runs of one scenario and seed agree on.
func (r *Report) Deterministic() ([]byte, error) {
	c := *r
	c.Wall = Wall{}
	return c.JSON()
}

// Seconds returns a time in simulated seconds for the JSON report.
func Seconds(s float64) *float64 { return &s }
