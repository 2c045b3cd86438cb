package scenario

import (
	"encoding/json"
	"time"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// Scenario is a compiled scenario file. Load returns it fully validated;
// nothing in it changes afterwards (Scaled and WithSeed return copies), so
// it may be shared by the shards and goroutines of a run. Its slices and
// maps are not to be modified by the caller.
type Scenario struct {
	File     string        // the path it was loaded from
	Name     string        // name:
	Seed     uint64        // seed: (default 1)
	Duration time.Duration // duration: the simulated time limit
	Indexing Indexing      // indexing: (thing indexing OFF when absent)
	IndexLag time.Duration // indexLag: (default 0: the index is fresh at once)

	ThingTypes  []ThingType  // thingTypes:, in file order
	ThingGroups []ThingGroup // thingGroups:, in file order (a parent before its children)
	Templates   []Template   // provisioningTemplates:, in file order
	Cohorts     []Cohort     // devices:, in file order, like: resolved
	Timeline    []Event      // timeline:, ordered by At (entries at one time in file order)
	Expect      []Expectation

	// Warnings are problems that do not stop a run, such as a query that
	// compares version strings lexically.
	Warnings []Error
}

// Devices returns the number of devices of all cohorts.
func (s *Scenario) Devices() int {
	n := 0
	for _, c := range s.Cohorts {
		n += c.Count
	}
	return n
}

// Indexing is the fleet-indexing configuration: the AWS
// ThingIndexingConfiguration as written, and its typed reading.
type Indexing struct {
	// Body is the ThingIndexingConfiguration as written (JSON-compatible,
	// numbers as json.Number), nil when the scenario has no indexing:.
	// Marshalled under "thingIndexingConfiguration" it is an
	// UpdateIndexingConfiguration request body.
	Body map[string]any
	// Config holds the validated modes and custom fields.
	Config index.Config
	Pos    Pos
}

// On reports whether things are indexed at all.
func (i Indexing) On() bool {
	return i.Config.ThingIndexingMode != "" && i.Config.ThingIndexingMode != "OFF"
}

// ThingType is a thingTypes: entry (CreateThingType).
type ThingType struct {
	Name                 string
	Description          string
	SearchableAttributes []string
	Pos                  Pos
}

// ThingGroup is a thingGroups: entry: static (CreateThingGroup) or, with a
// query, dynamic (CreateDynamicThingGroup).
type ThingGroup struct {
	Name        string
	Description string
	Parent      string            // static groups only
	Attributes  map[string]string // the group's attributePayload
	QueryString string            // dynamic groups only
	Query       query.Node        // QueryString parsed
	Pos         Pos
}

// Dynamic reports whether the group is defined by a query.
func (g ThingGroup) Dynamic() bool { return g.QueryString != "" }

// Template is a provisioningTemplates: entry (CreateProvisioningTemplate).
type Template struct {
	Name                string
	Description         string
	Type                string // FLEET_PROVISIONING (default) or JITP
	Enabled             bool   // default true
	ProvisioningRoleArn string // default arn:aws:iam::123456789012:role/FleetLabProvisioning
	// Body is the templateBody as AWS receives it: the file's bytes as
	// they are, or inline YAML converted to JSON.
	Body       json.RawMessage
	File       string              // the file Body came from, "" when inline
	Parameters []TemplateParameter // declared parameters, sorted by name
	Resources  map[string]string   // logical name → resource type
	// Safeguards limit fleet provisioning by claim; nil: none.
	Safeguards *Safeguards
	Pos        Pos
}

// TemplateParameter is a parameter a template declares.
type TemplateParameter struct {
	Name       string
	Default    string
	HasDefault bool
}

// Method is how a cohort's devices come to exist.
type Method uint8

const (
	Registry Method = iota // the things exist at time 0; no provisioning traffic
	Claim                  // fleet provisioning by claim: CreateKeysAndCertificate + RegisterThing over MQTT
	JITP                   // just-in-time provisioning: first connect with a CA-signed certificate
	Bulk                   // bulk registration (StartThingRegistrationTask)
)

var methodNames = []string{"registry", "claim", "jitp", "bulk"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "?"
}

// Provisioning says how and when a cohort is provisioned.
type Provisioning struct {
	Method   Method
	Template string        // the provisioning template (claim, jitp, bulk)
	Start    time.Duration // when the first device provisions
	Over     time.Duration // devices provision evenly over [Start, Start+Over)
	// Parameters are RegisterThing parameters (claim, bulk) or, for jitp,
	// the certificate subject fields; sorted by name.
	Parameters []Field
}

// Cohort is a devices: entry: Count devices that behave alike. Fields are
// sorted by name; the samplers take the caller's generator.
type Cohort struct {
	Name         string
	Like         string // the cohort it inherited from, "" if none
	Count        int
	ThingType    string
	Groups       []string // static groups the things are added to
	Provisioning Provisioning
	Attributes   []Field       // registry attributes (sampled values become strings)
	Shadow       State         // the classic shadow at provisioning
	Churn        *Churn        // nil: the shadow never changes by itself
	Connectivity *Connectivity // nil: connected from provisioning on
	Jobs         JobAgent
	Pos          Pos
}

// DeviceName returns the ${device.id} of the cohort's i-th device.
func (c *Cohort) DeviceName(i int) string { return DeviceName(c.Name, i) }

// State is a shadow's reported and desired sections.
type State struct {
	Reported []Field
	Desired  []Field
}

// Empty reports whether the state sets nothing.
func (s State) Empty() bool { return len(s.Reported) == 0 && len(s.Desired) == 0 }

// Churn is a device updating its shadow by itself: every Every it reports
// a fresh sample of Reported (and Desired).
type Churn struct {
	Every DurationDist
	State
}

// Connectivity alternates connected periods (Up) and disconnected ones
// (Down), starting connected.
type Connectivity struct {
	Up, Down DurationDist
}

// JobAgent is how a device's job agent behaves: on a notification it
// starts the next pending execution (IN_PROGRESS, with StepTimeout when
// set), downloads, installs, then ends it with a sampled Outcome; on
// SUCCEEDED it reports OnSuccess.
type JobAgent struct {
	Download    DurationDist
	Install     DurationDist
	StepTimeout time.Duration // 0: none
	Outcome     Choice[Outcome]
	OnSuccess   State // may use ${job.document.X} and ${job.id}
	// Rules change Download, Install and Outcome for the executions whose
	// device matches a rule when the execution starts; the first match
	// wins.
	Rules []AgentRule
}

// AgentRule is one jobs.rules entry: for the devices whose true state
// matches When (a fleet-index query) at the start of an execution, and
// only for job JobID when set, the agent downloads, installs and ends the
// execution as the rule says; what the rule leaves out comes from the
// cohort.
type AgentRule struct {
	When     string
	Query    query.Node
	JobID    string           // "": every job
	Download *DurationDist    // nil: the cohort's
	Install  *DurationDist    // nil: the cohort's
	Outcome  *Choice[Outcome] // nil: the cohort's
	Pos      Pos
}

// Event is a timeline: entry: an action at a simulated time.
type Event struct {
	At     time.Duration
	Action Action
	Pos    Pos
}

// Action is what a timeline entry does: *CreateJob, *CancelJob or *Query.
type Action interface {
	// Kind is the action's key in the scenario: "createJob", ...
	Kind() string
}

// CreateJob submits a job (CreateJob).
type CreateJob struct {
	JobID string
	// Body is the CreateJob request body: a file's bytes as they are (the
	// `aws iot create-job --cli-input-json` input), or inline YAML
	// converted to JSON. The jobs engine decodes it; the scenario has
	// checked it against AWS's shape and limits.
	Body       json.RawMessage
	File       string         // the file Body came from, "" when inline
	Targets    []Target       // parsed targets
	Continuous bool           // targetSelection CONTINUOUS
	Document   map[string]any // the job document, parsed
	// SourceDocument is the text documentSource names, read from the
	// scenario's directory (s3://bucket/key is s3/bucket/key there, as
	// fleetd maps it to its data directory); "" when the body has document.
	SourceDocument string
}

// Epoch is when a simulation's virtual clock starts: the instant at: 0s
// means, and what a job's absolute schedulingConfig times are read
// against.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Target is one ARN of a job's targets.
type Target struct {
	ARN  string
	Kind string // "thing" or "thinggroup"
	Name string
}

// CancelJob cancels a job (CancelJob).
type CancelJob struct {
	JobID      string
	Force      bool
	ReasonCode string
	Comment    string
}

// Query runs a fleet-index query and records its count (and the
// simulator's ground truth) under Name.
type Query struct {
	Name        string
	QueryString string
	Node        query.Node
}

func (*CreateJob) Kind() string { return "createJob" }
func (*CancelJob) Kind() string { return "cancelJob" }
func (*Query) Kind() string     { return "query" }

// ExpectKind is the form of an expectation.
type ExpectKind uint8

const (
	JobStatus   ExpectKind = iota + 1 // {job, status, reasonCode?}
	JobCounter                        // {job, counter, min?, max?}
	QueryTruth                        // {query, equalsTruth}
	QueryCount                        // {query, count}
	Provisioned                       // {provisioned: N | {min?, max?}}
	Refused                           // {refused: N | {reason?, min?, max?}}
	TaskStatus                        // {registrationTask, status}
	TaskCounter                       // {registrationTask, counter, min?, max?}
)

// Expectation is an expect: entry, checked at the end of the run.
type Expectation struct {
	Kind        ExpectKind
	Job         string // JobStatus, JobCounter
	Status      string // JobStatus; TaskStatus: a registration task status
	ReasonCode  string // JobStatus, optional
	Counter     string // JobCounter: a jobProcessDetails counter; TaskCounter: successCount or failureCount
	Query       string // QueryTruth, QueryCount
	EqualsTruth bool   // QueryTruth
	Reason      string // Refused, optional: only refusals for this safeguard
	Cohort      string // TaskStatus, TaskCounter: the bulk cohort whose task it is
	Min, Max    int64  // JobCounter, QueryCount, Provisioned, Refused, TaskCounter: bounds, when HasMin/HasMax
	HasMin      bool
	HasMax      bool
	Pos         Pos
}
