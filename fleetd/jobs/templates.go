package jobs

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// template is a job template: a document and the settings jobs created
// from it inherit.
type template struct {
	ID        string `json:"jobTemplateId"`
	createdAt int64
	req       CreateJobTemplateRequest
	document  string
}

// CreateJobTemplateRequest is CreateJobTemplate's input
// (PUT /job-templates/{jobTemplateId}).
type CreateJobTemplateRequest struct {
	JobTemplateID      string              `json:"-" uri:"jobTemplateId"`
	JobArn             string              `json:"jobArn,omitempty"`
	DocumentSource     string              `json:"documentSource,omitempty"`
	Document           *string             `json:"document,omitempty"`
	Description        string              `json:"description"`
	PresignedURLConfig *PresignedURLConfig `json:"presignedUrlConfig,omitempty"`
	rollout.Config
	Tags                       []Tag               `json:"tags,omitempty"`
	MaintenanceWindows         []MaintenanceWindow `json:"maintenanceWindows,omitempty"`
	DestinationPackageVersions []string            `json:"destinationPackageVersions,omitempty"`
	SourceDocument             *string             `json:"-"` // documentSource's content, read by the adapter
}

// CreateJobTemplateResponse is CreateJobTemplate's output.
type CreateJobTemplateResponse struct {
	JobTemplateArn string `json:"jobTemplateArn"`
	JobTemplateID  string `json:"jobTemplateId"`
}

func (e *Engine) templateArn(id string) string {
	return "arn:aws:iot:" + e.opts.Region + ":" + e.opts.Account + ":jobtemplate/" + id
}

// CreateJobTemplate stores a template. With jobArn, the document and the
// settings are copied from that job.
func (e *Engine) CreateJobTemplate(now time.Time, req CreateJobTemplateRequest) (CreateJobTemplateResponse, error) {
	var p problems
	if !idPattern.MatchString(req.JobTemplateID) {
		p.addf("jobTemplateId must be 1 to 64 characters of [a-zA-Z0-9_-], got %q", req.JobTemplateID)
	}
	if req.Description == "" {
		p.addf("description is required")
	} else if utf8.RuneCountInString(req.Description) > MaxDescriptionChars {
		p.addf("description must be at most %d characters", MaxDescriptionChars)
	}
	var doc string
	if req.JobArn != "" {
		id := req.JobArn[strings.LastIndex(req.JobArn, "/")+1:]
		j := e.jobs[id]
		if j == nil || j.deleted {
			return CreateJobTemplateResponse{}, awserr.New(awserr.ResourceNotFound, "Job %s cannot be found", req.JobArn)
		}
		doc = j.document
		if req.JobExecutionsRolloutConfig == nil {
			req.JobExecutionsRolloutConfig = j.spec.JobExecutionsRolloutConfig
		}
		if req.AbortConfig == nil {
			req.AbortConfig = j.spec.AbortConfig
		}
		if req.TimeoutConfig == nil {
			req.TimeoutConfig = j.spec.TimeoutConfig
		}
		if req.JobExecutionsRetryConfig == nil {
			req.JobExecutionsRetryConfig = j.spec.JobExecutionsRetryConfig
		}
		if req.PresignedURLConfig == nil {
			req.PresignedURLConfig = j.spec.PresignedURLConfig
		}
	} else {
		d, _, dp := e.jobDocument(CreateJobRequest{Document: req.Document, DocumentSource: req.DocumentSource, SourceDocument: req.SourceDocument})
		doc = d
		p = append(p, dp...)
	}
	if c := req.PresignedURLConfig; c != nil && c.ExpiresInSec != nil && (*c.ExpiresInSec < 60 || *c.ExpiresInSec > 3600) {
		p.addf("presignedUrlConfig.expiresInSec must be between 60 and 3600, got %d", *c.ExpiresInSec)
	}
	if _, err := rollout.Compile(req.Config); err != nil {
		if ae, ok := awserr.As(err); ok {
			p = append(p, ae.Message)
		}
	}
	p = append(p, e.validateWindows(now, req.MaintenanceWindows)...)
	p = append(p, validateTags(req.Tags)...)
	if err := p.err(); err != nil {
		return CreateJobTemplateResponse{}, err
	}
	if _, ok := e.tmpls[req.JobTemplateID]; ok {
		return CreateJobTemplateResponse{}, awserr.New(awserr.Conflict, "Job template %s already exists", req.JobTemplateID)
	}
	req.SourceDocument = nil
	e.tmpls[req.JobTemplateID] = &template{ID: req.JobTemplateID, createdAt: now.UnixMilli(), req: req, document: doc}
	e.sink.Dirty(keyTemplate(req.JobTemplateID))
	return CreateJobTemplateResponse{JobTemplateArn: e.templateArn(req.JobTemplateID), JobTemplateID: req.JobTemplateID}, nil
}

// applyTo fills what a CreateJob request leaves out from the template.
func (t *template) applyTo(req CreateJobRequest) CreateJobRequest {
	if req.Document == nil && req.DocumentSource == "" {
		d := t.document
		req.Document = &d
	}
	if req.JobExecutionsRolloutConfig == nil {
		req.JobExecutionsRolloutConfig = t.req.JobExecutionsRolloutConfig
	}
	if req.AbortConfig == nil {
		req.AbortConfig = t.req.AbortConfig
	}
	if req.TimeoutConfig == nil {
		req.TimeoutConfig = t.req.TimeoutConfig
	}
	if req.JobExecutionsRetryConfig == nil {
		req.JobExecutionsRetryConfig = t.req.JobExecutionsRetryConfig
	}
	if req.PresignedURLConfig == nil {
		req.PresignedURLConfig = t.req.PresignedURLConfig
	}
	if len(t.req.MaintenanceWindows) > 0 && (req.SchedulingConfig == nil || len(req.SchedulingConfig.MaintenanceWindows) == 0) {
		sc := SchedulingConfig{}
		if req.SchedulingConfig != nil {
			sc = *req.SchedulingConfig
		}
		sc.MaintenanceWindows = t.req.MaintenanceWindows
		req.SchedulingConfig = &sc
	}
	return req
}

// JobTemplateRequest names a template (GET or DELETE /job-templates/{id}).
type JobTemplateRequest struct {
	JobTemplateID string `json:"-" uri:"jobTemplateId"`
}

// DescribeJobTemplateResponse is DescribeJobTemplate's output.
type DescribeJobTemplateResponse struct {
	JobTemplateArn     string              `json:"jobTemplateArn"`
	JobTemplateID      string              `json:"jobTemplateId"`
	Description        string              `json:"description,omitempty"`
	DocumentSource     string              `json:"documentSource,omitempty"`
	Document           string              `json:"document,omitempty"`
	CreatedAt          Timestamp           `json:"createdAt,omitzero"`
	PresignedURLConfig *PresignedURLConfig `json:"presignedUrlConfig,omitempty"`
	rollout.Config
	MaintenanceWindows         []MaintenanceWindow `json:"maintenanceWindows,omitempty"`
	DestinationPackageVersions []string            `json:"destinationPackageVersions,omitempty"`
}

// DescribeJobTemplate returns a template.
func (e *Engine) DescribeJobTemplate(req JobTemplateRequest) (DescribeJobTemplateResponse, error) {
	t := e.tmpls[req.JobTemplateID]
	if t == nil {
		return DescribeJobTemplateResponse{}, awserr.New(awserr.ResourceNotFound, "Job template %s cannot be found", req.JobTemplateID)
	}
	return DescribeJobTemplateResponse{
		JobTemplateArn: e.templateArn(t.ID), JobTemplateID: t.ID, Description: t.req.Description,
		DocumentSource: t.req.DocumentSource, Document: t.document, CreatedAt: ts(t.createdAt),
		PresignedURLConfig: t.req.PresignedURLConfig, Config: t.req.Config,
		MaintenanceWindows: t.req.MaintenanceWindows, DestinationPackageVersions: t.req.DestinationPackageVersions,
	}, nil
}

// DeleteJobTemplate deletes a template; jobs created from it keep their
// settings.
func (e *Engine) DeleteJobTemplate(now time.Time, req JobTemplateRequest) (struct{}, error) {
	if e.tmpls[req.JobTemplateID] == nil {
		return struct{}{}, awserr.New(awserr.ResourceNotFound, "Job template %s cannot be found", req.JobTemplateID)
	}
	delete(e.tmpls, req.JobTemplateID)
	e.sink.Dirty(keyTemplate(req.JobTemplateID))
	return struct{}{}, nil
}

// ListJobTemplatesRequest is ListJobTemplates' input.
type ListJobTemplatesRequest struct {
	MaxResults int    `json:"-" query:"maxResults"`
	NextToken  string `json:"-" query:"nextToken"`
}

// JobTemplateSummary is one entry of ListJobTemplates.
type JobTemplateSummary struct {
	JobTemplateArn string    `json:"jobTemplateArn"`
	JobTemplateID  string    `json:"jobTemplateId"`
	Description    string    `json:"description,omitempty"`
	CreatedAt      Timestamp `json:"createdAt,omitzero"`
}

// ListJobTemplatesResponse is ListJobTemplates' output.
type ListJobTemplatesResponse struct {
	JobTemplates []JobTemplateSummary `json:"jobTemplates"`
	NextToken    string               `json:"nextToken,omitempty"`
}

// ListJobTemplates lists templates in id order.
func (e *Engine) ListJobTemplates(req ListJobTemplatesRequest) (ListJobTemplatesResponse, error) {
	ids := make([]string, 0, len(e.tmpls))
	for id := range e.tmpls {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	page, next, err := paginate(ids, req.NextToken, req.MaxResults)
	if err != nil {
		return ListJobTemplatesResponse{}, err
	}
	out := ListJobTemplatesResponse{JobTemplates: []JobTemplateSummary{}, NextToken: next}
	for _, id := range page {
		t := e.tmpls[id]
		out.JobTemplates = append(out.JobTemplates, JobTemplateSummary{JobTemplateArn: e.templateArn(id), JobTemplateID: id, Description: t.req.Description, CreatedAt: ts(t.createdAt)})
	}
	return out, nil
}
