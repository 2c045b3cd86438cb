package jobs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// Limits from the botocore model and the AWS jobs quotas.
const (
	MaxDocumentChars     = 32768
	MaxDescriptionChars  = 2028
	MaxCommentChars      = 2028
	MaxReasonCodeChars   = 128
	MaxTargetArnChars    = 2048
	MaxDocumentSource    = 1350
	MaxStatusDetails     = 10
	MaxTargetsPerJob     = 100 // AssociateTargetsWithJob's total
	MaxDeletionsInFlight = 10
)

var (
	idPattern        = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	reasonPattern    = regexp.MustCompile(`^[\p{Lu}\p{N}_]*$`)
	detailKeyPattern = regexp.MustCompile(`^[a-zA-Z0-9:_-]{1,128}$`)
	namespacePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// hasControl reports whether s holds a character of Unicode category C
// (controls, format characters, surrogates, private use), which the
// model's [^\p{C}] patterns exclude from descriptions and comments.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.In(r, unicode.C) }) >= 0
}

// CreateJobRequest is CreateJob's input (PUT /jobs/{jobId}).
type CreateJobRequest struct {
	JobID              string              `json:"-" uri:"jobId"`
	Targets            []string            `json:"targets"`
	DocumentSource     string              `json:"documentSource,omitempty"`
	Document           *string             `json:"document,omitempty"`
	Description        string              `json:"description,omitempty"`
	PresignedURLConfig *PresignedURLConfig `json:"presignedUrlConfig,omitempty"`
	TargetSelection    string              `json:"targetSelection,omitempty"`
	rollout.Config
	Tags                       []Tag             `json:"tags,omitempty"`
	NamespaceID                string            `json:"namespaceId,omitempty"`
	JobTemplateArn             string            `json:"jobTemplateArn,omitempty"`
	DocumentParameters         map[string]string `json:"documentParameters,omitempty"`
	SchedulingConfig           *SchedulingConfig `json:"schedulingConfig,omitempty"`
	DestinationPackageVersions []string          `json:"destinationPackageVersions,omitempty"`
	// SourceDocument is the content documentSource names, read by the
	// adapter: the engine does no I/O (DECISIONS.md maps s3://bucket/key
	// to the data directory).
	SourceDocument *string `json:"-"`
}

// CreateJobResponse is CreateJob's output.
type CreateJobResponse struct {
	JobArn      string `json:"jobArn"`
	JobID       string `json:"jobId"`
	Description string `json:"description,omitempty"`
}

type targetKind int

const (
	targetInvalid targetKind = iota
	targetThing
	targetGroup
)

// parseTargetArn reads arn:aws:iot:{region}:{account}:thing/{name} or
// …:thinggroup/{name}. Any region and account are accepted: a rehearsal
// uses the exact JSON meant for the real account.
func parseTargetArn(arn string) (targetKind, string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iot" {
		return targetInvalid, "", false
	}
	res := parts[5]
	switch {
	case strings.HasPrefix(res, "thing/"):
		return targetThing, res[len("thing/"):], true
	case strings.HasPrefix(res, "thinggroup/"):
		return targetGroup, res[len("thinggroup/"):], true
	}
	return targetInvalid, "", false
}

// problems collects validation failures so a request reports all at once.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return awserr.New(awserr.InvalidRequest, "%s", strings.Join(p, "; "))
}

// CreateJob validates a job, resolves its targets and starts its rollout
// (or schedules it).
func (e *Engine) CreateJob(now time.Time, req CreateJobRequest) (CreateJobResponse, error) {
	e.Tick(now)
	var p problems
	if !idPattern.MatchString(req.JobID) {
		p.addf("jobId must be 1 to 64 characters of [a-zA-Z0-9_-], got %q", req.JobID)
	}
	var tmpl *template
	if req.JobTemplateArn != "" {
		id := req.JobTemplateArn
		if i := strings.LastIndex(id, ":jobtemplate/"); i >= 0 {
			id = id[i+len(":jobtemplate/"):]
		}
		if tmpl = e.tmpls[id]; tmpl == nil {
			return CreateJobResponse{}, awserr.New(awserr.ResourceNotFound, "Job template %s does not exist", req.JobTemplateArn)
		}
		req = tmpl.applyTo(req)
	}
	doc, rawDoc, docProblems := e.jobDocument(req)
	p = append(p, docProblems...)
	if len(req.Targets) == 0 {
		p.addf("targets must hold at least one thing or thing group ARN")
	}
	var groups []string
	direct := map[string]bool{}
	for i, arn := range req.Targets {
		kind, name, ok := parseTargetArn(arn)
		switch {
		case len(arn) > MaxTargetArnChars:
			p.addf("targets[%d] is longer than %d characters", i, MaxTargetArnChars)
		case !ok || name == "":
			p.addf("targets[%d] must be a thing or thing group ARN (arn:aws:iot:region:account:thing/name or …:thinggroup/name), got %q", i, arn)
		case kind == targetThing:
			direct[name] = true
		default:
			groups = append(groups, name)
		}
	}
	switch req.TargetSelection {
	case "":
		req.TargetSelection = Snapshot
	case Snapshot, Continuous:
	default:
		p.addf("targetSelection must be SNAPSHOT or CONTINUOUS, got %q", req.TargetSelection)
	}
	if utf8.RuneCountInString(req.Description) > MaxDescriptionChars {
		p.addf("description must be at most %d characters", MaxDescriptionChars)
	}
	if hasControl(req.Description) {
		p.addf("description must not contain control characters")
	}
	if req.NamespaceID != "" && !namespacePattern.MatchString(req.NamespaceID) {
		p.addf("namespaceId must match [a-zA-Z0-9_-]+, got %q", req.NamespaceID)
	}
	if c := req.PresignedURLConfig; c != nil && c.ExpiresInSec != nil && (*c.ExpiresInSec < 60 || *c.ExpiresInSec > 3600) {
		p.addf("presignedUrlConfig.expiresInSec must be between 60 and 3600, got %d", *c.ExpiresInSec)
	}
	p = append(p, validateTags(req.Tags)...)
	for k, v := range req.DocumentParameters {
		if len(k) < 1 || len(k) > 128 || len(v) < 1 || len(v) > 30720 {
			p.addf("documentParameters: keys must be 1 to 128 characters and values 1 to 30720, got %q", k)
		}
	}
	plan, err := rollout.Compile(req.Config)
	if err != nil {
		if ae, ok := awserr.As(err); ok {
			p = append(p, ae.Message)
		}
	}
	sched, schedProblems := e.compileSchedule(now, req.SchedulingConfig)
	p = append(p, schedProblems...)
	if err := p.err(); err != nil {
		return CreateJobResponse{}, err
	}
	if _, exists := e.jobs[req.JobID]; exists {
		return CreateJobResponse{}, awserr.AlreadyExists(req.JobID, e.jobArn(req.JobID), "Job %s already exists", req.JobID)
	}
	for name := range direct {
		if !e.fleet.ThingExists(name) {
			return CreateJobResponse{}, awserr.New(awserr.ResourceNotFound, "Thing %s cannot be found", name)
		}
	}
	for _, g := range groups {
		if !e.fleet.ThingGroupExists(g) {
			return CreateJobResponse{}, awserr.New(awserr.ResourceNotFound, "Thing group %s cannot be found", g)
		}
	}

	e.seq++
	j := &job{
		seq: e.seq, id: req.JobID, arn: e.jobArn(req.JobID), document: doc, plan: plan, windows: sched,
		spec: spec{
			Targets: req.Targets, Description: req.Description, PresignedURLConfig: req.PresignedURLConfig,
			TargetSelection: req.TargetSelection, Config: req.Config, Tags: req.Tags, NamespaceID: req.NamespaceID,
			JobTemplateArn: req.JobTemplateArn, DocumentParameters: req.DocumentParameters,
			SchedulingConfig: req.SchedulingConfig, DestinationPackageVersions: req.DestinationPackageVersions,
			DocumentSource: req.DocumentSource,
		},
		createdAt: now.UnixMilli(), updatedAt: now.UnixMilli(),
		directThings: direct, groups: groups, execs: map[string]*execution{},
	}
	if rawDoc != doc {
		j.spec.DocumentBeforeSubstitution = rawDoc
	}
	e.jobs[j.id] = j
	e.order = append(e.order, j)
	e.sink.Event(Event{Time: now, Kind: EventJobCreated, Job: j.id})
	if sched != nil && now.Before(sched.Start()) {
		j.status = JobScheduled
		e.dirtyJob(j)
	} else {
		e.start(now, j)
	}
	e.wake(now, j)
	return CreateJobResponse{JobArn: j.arn, JobID: j.id, Description: req.Description}, nil
}

// jobDocument returns the job document: inline, or read from
// documentSource by the adapter, with documentParameters substituted; and
// the document before the substitution.
func (e *Engine) jobDocument(req CreateJobRequest) (doc, raw string, p problems) {
	switch {
	case req.Document != nil && req.DocumentSource != "":
		p.addf("specify either document or documentSource, not both")
		return "", "", p
	case req.Document != nil:
		doc = *req.Document
	case req.DocumentSource != "":
		if len(req.DocumentSource) > MaxDocumentSource {
			p.addf("documentSource must be at most %d characters", MaxDocumentSource)
			return "", "", p
		}
		if req.SourceDocument == nil {
			p.addf("documentSource %s could not be read", req.DocumentSource)
			return "", "", p
		}
		doc = *req.SourceDocument
	default:
		p.addf("either document or documentSource is required")
		return "", "", p
	}
	raw = doc
	for k, v := range req.DocumentParameters {
		doc = strings.ReplaceAll(doc, "${aws:iot:parameter:"+k+"}", v)
	}
	if utf8.RuneCountInString(doc) > MaxDocumentChars {
		p.addf("document must be at most %d characters, got %d", MaxDocumentChars, utf8.RuneCountInString(doc))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &obj); err != nil {
		p.addf("the job document must be a JSON object: %v", err)
	}
	return doc, raw, p
}

func validateTags(tags []Tag) problems {
	var p problems
	for i, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 {
			p.addf("tags[%d].Key must be 1 to 128 characters", i)
		}
		if len(t.Value) > 256 {
			p.addf("tags[%d].Value must be at most 256 characters", i)
		}
	}
	return p
}
