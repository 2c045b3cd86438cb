package jobs

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// Timestamp is an AWS rest-json timestamp: epoch seconds as a JSON number,
// millisecond precision. The zero Timestamp is omitted by omitzero fields.
type Timestamp struct{ time.Time }

func ts(ms int64) Timestamp {
	if ms == 0 {
		return Timestamp{}
	}
	return Timestamp{time.UnixMilli(ms).UTC()}
}

// MarshalJSON writes epoch seconds with up to three decimals.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	b := strconv.AppendInt(nil, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = bytes.TrimRight(fmt.Appendf(b, ".%03d", frac), "0")
	}
	return b, nil
}

// UnmarshalJSON reads epoch seconds.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	t.Time = time.UnixMilli(int64(f * 1000)).UTC()
	return nil
}

// Status is a job execution's status.
type Status = rollout.Status

// Execution statuses, as AWS spells them.
const (
	Queued     = rollout.StatusQueued
	InProgress = rollout.StatusInProgress
	Succeeded  = rollout.StatusSucceeded
	Failed     = rollout.StatusFailed
	TimedOut   = rollout.StatusTimedOut
	Rejected   = rollout.StatusRejected
	Removed    = rollout.StatusRemoved
	Canceled   = rollout.StatusCanceled
)

// JobStatus is a job's status.
type JobStatus string

// Job statuses.
const (
	JobScheduled          JobStatus = "SCHEDULED"
	JobInProgress         JobStatus = "IN_PROGRESS"
	JobCompleted          JobStatus = "COMPLETED"
	JobCanceled           JobStatus = "CANCELED"
	JobDeletionInProgress JobStatus = "DELETION_IN_PROGRESS"
)

// Target selections.
const (
	Snapshot   = "SNAPSHOT"
	Continuous = "CONTINUOUS"
)

// Tag is an AWS resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// PresignedURLConfig is CreateJob's presignedUrlConfig. FleetLab keeps it
// and substitutes no URLs (there is no S3 to sign for).
type PresignedURLConfig struct {
	RoleArn      string `json:"roleArn,omitempty"`
	ExpiresInSec *int64 `json:"expiresInSec,omitempty"`
}

// JobProcessDetails are DescribeJob's counters: per thing, the status of
// its latest execution.
type JobProcessDetails struct {
	ProcessingTargets        []string `json:"processingTargets,omitempty"`
	NumberOfCanceledThings   int64    `json:"numberOfCanceledThings"`
	NumberOfSucceededThings  int64    `json:"numberOfSucceededThings"`
	NumberOfFailedThings     int64    `json:"numberOfFailedThings"`
	NumberOfRejectedThings   int64    `json:"numberOfRejectedThings"`
	NumberOfQueuedThings     int64    `json:"numberOfQueuedThings"`
	NumberOfInProgressThings int64    `json:"numberOfInProgressThings"`
	NumberOfRemovedThings    int64    `json:"numberOfRemovedThings"`
	NumberOfTimedOutThings   int64    `json:"numberOfTimedOutThings"`
}

// Counter returns a counter by its AWS member name (numberOfFailedThings,
// …), for expectations that name one.
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

// Total is the number of things with an execution.
func (d JobProcessDetails) Total() int64 {
	return d.NumberOfCanceledThings + d.NumberOfSucceededThings + d.NumberOfFailedThings +
		d.NumberOfRejectedThings + d.NumberOfQueuedThings + d.NumberOfInProgressThings +
		d.NumberOfRemovedThings + d.NumberOfTimedOutThings
}

// ScheduledJobRollout is one upcoming maintenance-window start.
type ScheduledJobRollout struct {
	StartTime string `json:"startTime"`
}

// Job is DescribeJob's job.
type Job struct {
	JobArn                     string                              `json:"jobArn"`
	JobID                      string                              `json:"jobId"`
	TargetSelection            string                              `json:"targetSelection"`
	Status                     JobStatus                           `json:"status"`
	ForceCanceled              bool                                `json:"forceCanceled,omitempty"`
	ReasonCode                 string                              `json:"reasonCode,omitempty"`
	Comment                    string                              `json:"comment,omitempty"`
	Targets                    []string                            `json:"targets"`
	Description                string                              `json:"description,omitempty"`
	PresignedURLConfig         *PresignedURLConfig                 `json:"presignedUrlConfig,omitempty"`
	JobExecutionsRolloutConfig *rollout.JobExecutionsRolloutConfig `json:"jobExecutionsRolloutConfig,omitempty"`
	AbortConfig                *rollout.AbortConfig                `json:"abortConfig,omitempty"`
	CreatedAt                  Timestamp                           `json:"createdAt,omitzero"`
	LastUpdatedAt              Timestamp                           `json:"lastUpdatedAt,omitzero"`
	CompletedAt                Timestamp                           `json:"completedAt,omitzero"`
	JobProcessDetails          JobProcessDetails                   `json:"jobProcessDetails"`
	TimeoutConfig              *rollout.TimeoutConfig              `json:"timeoutConfig,omitempty"`
	NamespaceID                string                              `json:"namespaceId,omitempty"`
	JobTemplateArn             string                              `json:"jobTemplateArn,omitempty"`
	JobExecutionsRetryConfig   *rollout.JobExecutionsRetryConfig   `json:"jobExecutionsRetryConfig,omitempty"`
	DocumentParameters         map[string]string                   `json:"documentParameters,omitempty"`
	IsConcurrent               bool                                `json:"isConcurrent"`
	SchedulingConfig           *SchedulingConfig                   `json:"schedulingConfig,omitempty"`
	ScheduledJobRollouts       []ScheduledJobRollout               `json:"scheduledJobRollouts,omitempty"`
	DestinationPackageVersions []string                            `json:"destinationPackageVersions,omitempty"`
}

// JobSummary is one entry of ListJobs.
type JobSummary struct {
	JobArn          string    `json:"jobArn"`
	JobID           string    `json:"jobId"`
	ThingGroupID    string    `json:"thingGroupId,omitempty"`
	TargetSelection string    `json:"targetSelection"`
	Status          JobStatus `json:"status"`
	CreatedAt       Timestamp `json:"createdAt,omitzero"`
	LastUpdatedAt   Timestamp `json:"lastUpdatedAt,omitzero"`
	CompletedAt     Timestamp `json:"completedAt,omitzero"`
	IsConcurrent    bool      `json:"isConcurrent"`
}

// StatusDetails is the control plane's JobExecutionStatusDetails.
type StatusDetails struct {
	DetailsMap map[string]string `json:"detailsMap,omitempty"`
}

// JobExecution is the control plane's DescribeJobExecution execution.
type JobExecution struct {
	JobID                            string         `json:"jobId"`
	Status                           Status         `json:"status"`
	ForceCanceled                    bool           `json:"forceCanceled,omitempty"`
	StatusDetails                    *StatusDetails `json:"statusDetails,omitempty"`
	ThingArn                         string         `json:"thingArn"`
	QueuedAt                         Timestamp      `json:"queuedAt,omitzero"`
	StartedAt                        Timestamp      `json:"startedAt,omitzero"`
	LastUpdatedAt                    Timestamp      `json:"lastUpdatedAt,omitzero"`
	ExecutionNumber                  int64          `json:"executionNumber"`
	VersionNumber                    int64          `json:"versionNumber"`
	ApproximateSecondsBeforeTimedOut *int64         `json:"approximateSecondsBeforeTimedOut,omitempty"`
}

// JobExecutionSummary is the control plane's execution summary.
type JobExecutionSummary struct {
	Status          Status    `json:"status"`
	QueuedAt        Timestamp `json:"queuedAt,omitzero"`
	StartedAt       Timestamp `json:"startedAt,omitzero"`
	LastUpdatedAt   Timestamp `json:"lastUpdatedAt,omitzero"`
	ExecutionNumber int64     `json:"executionNumber"`
	RetryAttempt    int       `json:"retryAttempt"`
}

// JobExecutionSummaryForJob is one entry of ListJobExecutionsForJob.
type JobExecutionSummaryForJob struct {
	ThingArn            string              `json:"thingArn"`
	JobExecutionSummary JobExecutionSummary `json:"jobExecutionSummary"`
}

// JobExecutionSummaryForThing is one entry of ListJobExecutionsForThing.
type JobExecutionSummaryForThing struct {
	JobID               string              `json:"jobId"`
	JobExecutionSummary JobExecutionSummary `json:"jobExecutionSummary"`
}
