package provision

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Template types (TemplateType).
const (
	TypeFleetProvisioning = string(template.FleetProvisioning)
	TypeJITP              = string(template.JITP)
)

// DefaultHookPayloadVersion is the payloadVersion AWS documents for the
// pre-provisioning hook input.
const DefaultHookPayloadVersion = "2020-04-01"

// provTemplate is a provisioning template with its versions.
type provTemplate struct {
	name        string
	description string
	kind        string
	enabled     bool
	roleArn     string
	hook        *ProvisioningHook
	tags        []registry.Tag
	safeguards  Safeguards
	created     time.Time
	modified    time.Time
	defaultID   int
	nextID      int
	versions    []*templateVersion // ascending id
}

type templateVersion struct {
	id      int
	body    string
	parsed  *template.Template
	created time.Time
}

func (t *provTemplate) version(id int) *templateVersion {
	for _, v := range t.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (t *provTemplate) defaultVersion() *templateVersion { return t.version(t.defaultID) }

// ProvisioningHook is a template's pre-provisioning hook. fleetd calls
// TargetArn through the HookCaller (an HTTP endpoint rather than a
// Lambda, see doc.go).
type ProvisioningHook struct {
	PayloadVersion string `json:"payloadVersion,omitempty"`
	TargetArn      string `json:"targetArn"`
}

func (c *checker) hook(h *ProvisioningHook) {
	if h == nil {
		return
	}
	if c.required("preProvisioningHook.targetArn", h.TargetArn) {
		c.str("preProvisioningHook.targetArn", h.TargetArn, 0, 2048, nil, "")
	}
	if h.PayloadVersion != "" {
		c.str("preProvisioningHook.payloadVersion", h.PayloadVersion, 10, 32, isDigitOrDash, patPayloadVersion)
	}
}

func (c *checker) roleArn(field, v string, required bool) {
	if v == "" && !required {
		return
	}
	if c.required(field, v) {
		c.str(field, v, minRoleArn, maxRoleArn, nil, "")
	}
}

func (c *checker) description(v string) {
	c.str("description", v, 0, maxDescription, isNotControl, `[^\p{C}]*`)
}

func (c *checker) tags(tags []registry.Tag) {
	for i, t := range tags {
		f := fmt.Sprintf("tags.%d.member", i+1)
		c.str(f+".Key", t.Key, 1, 128, nil, patTagKey)
		c.str(f+".Value", t.Value, 0, 256, nil, "")
	}
	if len(tags) > maxTags {
		c.Fail(fmt.Sprint(len(tags)), "tags", fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
}

// parseBody parses and checks a template body for its type.
func parseBody(body, kind string) (*template.Template, error) {
	t, err := template.Parse([]byte(body))
	if err != nil {
		return nil, err
	}
	if err := t.CheckKind(template.Kind(kind)); err != nil {
		return nil, err
	}
	return t, nil
}

func templateNotFound(name string) error {
	return awserr.New(awserr.ResourceNotFound, "The provisioning template %s does not exist.", name)
}

// CheckJITPTemplate returns ResourceNotFoundException when no provisioning
// template has the name and InvalidRequestException when it is not a JITP
// template: what a CA certificate's registrationConfig may name.
func (e *Engine) CheckJITPTemplate(name string) error {
	t, err := e.template(name)
	if err != nil {
		return err
	}
	if t.kind != TypeJITP {
		return awserr.New(awserr.InvalidRequest, "Provisioning template %s is of type %s; a CA certificate's registrationConfig needs a %s template.", name, t.kind, TypeJITP)
	}
	return nil
}

func (e *Engine) template(name string) (*provTemplate, error) {
	var c checker
	c.templateName("templateName", name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	t := e.templates[name]
	if t == nil {
		return nil, templateNotFound(name)
	}
	return t, nil
}

func (e *Engine) dirtyTemplate(t *provTemplate) { e.sink.Dirty(keyTemplate(t.name)) }

// CreateProvisioningTemplateRequest is the input of
// CreateProvisioningTemplate (POST /provisioning-templates). Tags whose
// keys start with "fleetlab:" configure the claim safeguards (see
// Safeguards).
type CreateProvisioningTemplateRequest struct {
	TemplateName        string            `json:"templateName"`
	Description         string            `json:"description,omitempty"`
	TemplateBody        string            `json:"templateBody"`
	Enabled             bool              `json:"enabled,omitempty"`
	ProvisioningRoleArn string            `json:"provisioningRoleArn"`
	PreProvisioningHook *ProvisioningHook `json:"preProvisioningHook,omitempty"`
	Tags                []registry.Tag    `json:"tags,omitempty"`
	Type                string            `json:"type,omitempty"`
}

// CreateProvisioningTemplateResponse is its output.
type CreateProvisioningTemplateResponse struct {
	TemplateArn      string `json:"templateArn"`
	TemplateName     string `json:"templateName"`
	DefaultVersionId int    `json:"defaultVersionId"`
}

// CreateProvisioningTemplate creates a template whose version 1 is the
// default. type defaults to FLEET_PROVISIONING and enabled to false. A JITP
// template takes no pre-provisioning hook (InvalidRequestException): AWS
// calls hooks only for fleet provisioning.
func (e *Engine) CreateProvisioningTemplate(now time.Time, req CreateProvisioningTemplateRequest) (CreateProvisioningTemplateResponse, error) {
	var c checker
	c.templateName("templateName", req.TemplateName)
	c.description(req.Description)
	c.str("templateBody", req.TemplateBody, 0, template.MaxBodyChars, nil, "")
	c.roleArn("provisioningRoleArn", req.ProvisioningRoleArn, true)
	c.hook(req.PreProvisioningHook)
	c.tags(req.Tags)
	c.enum("type", req.Type, TypeFleetProvisioning, TypeJITP)
	if err := c.Err(); err != nil {
		return CreateProvisioningTemplateResponse{}, err
	}
	kind := req.Type
	if kind == "" {
		kind = TypeFleetProvisioning
	}
	if kind == TypeJITP && req.PreProvisioningHook != nil {
		return CreateProvisioningTemplateResponse{}, awserr.New(awserr.InvalidRequest,
			"A pre-provisioning hook is only supported for FLEET_PROVISIONING templates.")
	}
	guards, err := safeguardsFromTags(req.Tags)
	if err != nil {
		return CreateProvisioningTemplateResponse{}, err
	}
	if _, ok := e.templates[req.TemplateName]; ok {
		return CreateProvisioningTemplateResponse{}, awserr.AlreadyExists(req.TemplateName, e.templateArn(req.TemplateName),
			"The provisioning template %s already exists.", req.TemplateName)
	}
	parsed, err := parseBody(req.TemplateBody, kind)
	if err != nil {
		return CreateProvisioningTemplateResponse{}, err
	}
	now = now.UTC().Round(0)
	t := &provTemplate{name: req.TemplateName, description: req.Description, kind: kind, enabled: req.Enabled,
		roleArn: req.ProvisioningRoleArn, hook: withHookDefaults(req.PreProvisioningHook), tags: slices.Clone(req.Tags),
		safeguards: guards, created: now, modified: now, defaultID: 1, nextID: 2,
		versions: []*templateVersion{{id: 1, body: req.TemplateBody, parsed: parsed, created: now}}}
	e.templates[t.name] = t
	e.dirtyTemplate(t)
	return CreateProvisioningTemplateResponse{TemplateArn: e.templateArn(t.name), TemplateName: t.name, DefaultVersionId: 1}, nil
}

func withHookDefaults(h *ProvisioningHook) *ProvisioningHook {
	if h == nil {
		return nil
	}
	out := *h
	if out.PayloadVersion == "" {
		out.PayloadVersion = DefaultHookPayloadVersion
	}
	return &out
}

// DescribeProvisioningTemplateRequest is the input of
// DescribeProvisioningTemplate (GET /provisioning-templates/{templateName}).
type DescribeProvisioningTemplateRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
}

// DescribeProvisioningTemplateResponse is its output.
type DescribeProvisioningTemplateResponse struct {
	TemplateArn         string             `json:"templateArn"`
	TemplateName        string             `json:"templateName"`
	Description         string             `json:"description,omitempty"`
	CreationDate        registry.Timestamp `json:"creationDate"`
	LastModifiedDate    registry.Timestamp `json:"lastModifiedDate"`
	DefaultVersionId    int                `json:"defaultVersionId"`
	TemplateBody        string             `json:"templateBody"`
	Enabled             bool               `json:"enabled"`
	ProvisioningRoleArn string             `json:"provisioningRoleArn"`
	PreProvisioningHook *ProvisioningHook  `json:"preProvisioningHook,omitempty"`
	Type                string             `json:"type"`
}

// DescribeProvisioningTemplate describes a template with its default
// version's body.
func (e *Engine) DescribeProvisioningTemplate(req DescribeProvisioningTemplateRequest) (DescribeProvisioningTemplateResponse, error) {
	t, err := e.template(req.TemplateName)
	if err != nil {
		return DescribeProvisioningTemplateResponse{}, err
	}
	var hook *ProvisioningHook
	if t.hook != nil {
		h := *t.hook
		hook = &h
	}
	return DescribeProvisioningTemplateResponse{
		TemplateArn: e.templateArn(t.name), TemplateName: t.name, Description: t.description,
		CreationDate: registry.Timestamp{Time: t.created}, LastModifiedDate: registry.Timestamp{Time: t.modified},
		DefaultVersionId: t.defaultID, TemplateBody: t.defaultVersion().body, Enabled: t.enabled,
		ProvisioningRoleArn: t.roleArn, PreProvisioningHook: hook, Type: t.kind,
	}, nil
}

// ListProvisioningTemplatesRequest is the input of ListProvisioningTemplates
// (GET /provisioning-templates).
type ListProvisioningTemplatesRequest struct {
	MaxResults int    `json:"-" query:"maxResults"`
	NextToken  string `json:"-" query:"nextToken"`
}

// ProvisioningTemplateSummary is one ListProvisioningTemplates item.
type ProvisioningTemplateSummary struct {
	TemplateArn      string             `json:"templateArn"`
	TemplateName     string             `json:"templateName"`
	Description      string             `json:"description,omitempty"`
	CreationDate     registry.Timestamp `json:"creationDate"`
	LastModifiedDate registry.Timestamp `json:"lastModifiedDate"`
	Enabled          bool               `json:"enabled"`
	Type             string             `json:"type"`
}

// ListProvisioningTemplatesResponse is its output.
type ListProvisioningTemplatesResponse struct {
	Templates []ProvisioningTemplateSummary `json:"templates"`
	NextToken string                        `json:"nextToken,omitempty"`
}

// ListProvisioningTemplates lists templates in name order.
func (e *Engine) ListProvisioningTemplates(req ListProvisioningTemplatesRequest) (ListProvisioningTemplatesResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListProvisioningTemplatesResponse{}, err
	}
	after, err := decodeToken("templates", req.NextToken)
	if err != nil {
		return ListProvisioningTemplatesResponse{}, err
	}
	names := slices.Sorted(maps.Keys(e.templates))
	items, next := page("templates", names, after, limit(req.MaxResults), func(n string) ProvisioningTemplateSummary {
		t := e.templates[n]
		return ProvisioningTemplateSummary{TemplateArn: e.templateArn(n), TemplateName: n, Description: t.description,
			CreationDate: registry.Timestamp{Time: t.created}, LastModifiedDate: registry.Timestamp{Time: t.modified},
			Enabled: t.enabled, Type: t.kind}
	})
	return ListProvisioningTemplatesResponse{Templates: items, NextToken: next}, nil
}

// UpdateProvisioningTemplateRequest is the input of
// UpdateProvisioningTemplate (PATCH /provisioning-templates/{templateName}).
type UpdateProvisioningTemplateRequest struct {
	TemplateName              string            `json:"-" uri:"templateName"`
	Description               *string           `json:"description,omitempty"`
	Enabled                   *bool             `json:"enabled,omitempty"`
	DefaultVersionId          *int              `json:"defaultVersionId,omitempty"`
	ProvisioningRoleArn       string            `json:"provisioningRoleArn,omitempty"`
	PreProvisioningHook       *ProvisioningHook `json:"preProvisioningHook,omitempty"`
	RemovePreProvisioningHook bool              `json:"removePreProvisioningHook,omitempty"`
}

// UpdateProvisioningTemplate changes the members given. A defaultVersionId
// that names no version is ResourceNotFoundException; a hook together with
// removePreProvisioningHook, or a hook on a JITP template, is
// InvalidRequestException.
func (e *Engine) UpdateProvisioningTemplate(now time.Time, req UpdateProvisioningTemplateRequest) error {
	var c checker
	c.templateName("templateName", req.TemplateName)
	if req.Description != nil {
		c.description(*req.Description)
	}
	c.roleArn("provisioningRoleArn", req.ProvisioningRoleArn, false)
	c.hook(req.PreProvisioningHook)
	if err := c.Err(); err != nil {
		return err
	}
	t, err := e.template(req.TemplateName)
	if err != nil {
		return err
	}
	if req.PreProvisioningHook != nil && req.RemovePreProvisioningHook {
		return awserr.New(awserr.InvalidRequest, "preProvisioningHook and removePreProvisioningHook cannot be used together.")
	}
	if req.PreProvisioningHook != nil && t.kind == TypeJITP {
		return awserr.New(awserr.InvalidRequest, "A pre-provisioning hook is only supported for FLEET_PROVISIONING templates.")
	}
	if req.DefaultVersionId != nil && t.version(*req.DefaultVersionId) == nil {
		return awserr.New(awserr.ResourceNotFound, "Version %d of provisioning template %s does not exist.",
			*req.DefaultVersionId, t.name)
	}
	if req.Description != nil {
		t.description = *req.Description
	}
	if req.Enabled != nil {
		t.enabled = *req.Enabled
	}
	if req.DefaultVersionId != nil {
		t.defaultID = *req.DefaultVersionId
	}
	if req.ProvisioningRoleArn != "" {
		t.roleArn = req.ProvisioningRoleArn
	}
	if req.PreProvisioningHook != nil {
		t.hook = withHookDefaults(req.PreProvisioningHook)
	}
	if req.RemovePreProvisioningHook {
		t.hook = nil
	}
	t.modified = now.UTC().Round(0)
	e.dirtyTemplate(t)
	return nil
}

// DeleteProvisioningTemplateRequest is the input of
// DeleteProvisioningTemplate (DELETE /provisioning-templates/{templateName}).
type DeleteProvisioningTemplateRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
}

// DeleteProvisioningTemplate deletes a template, its versions and its
// safeguard counters. Registrations waiting for its hook are answered
// ResourceNotFound when the hook answers.
func (e *Engine) DeleteProvisioningTemplate(now time.Time, req DeleteProvisioningTemplateRequest) error {
	t, err := e.template(req.TemplateName)
	if err != nil {
		return err
	}
	if cas := e.id.CAsUsingTemplate(t.name); len(cas) > 0 {
		return awserr.New(awserr.DeleteConflict, "Provisioning template %s is used by CA certificate %s; remove it from the CA's registrationConfig first.", t.name, strings.Join(cas, ", "))
	}
	delete(e.templates, t.name)
	e.dirtyTemplate(t)
	if _, ok := e.counters[t.name]; ok {
		delete(e.counters, t.name)
		e.sink.Dirty(keyCounters(t.name))
	}
	return nil
}

// CreateProvisioningTemplateVersionRequest is the input of
// CreateProvisioningTemplateVersion
// (POST /provisioning-templates/{templateName}/versions?setAsDefault=).
type CreateProvisioningTemplateVersionRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
	TemplateBody string `json:"templateBody"`
	SetAsDefault bool   `json:"-" query:"setAsDefault"`
}

// CreateProvisioningTemplateVersionResponse is its output.
type CreateProvisioningTemplateVersionResponse struct {
	TemplateArn      string `json:"templateArn"`
	TemplateName     string `json:"templateName"`
	VersionId        int    `json:"versionId"`
	IsDefaultVersion bool   `json:"isDefaultVersion"`
}

// CreateProvisioningTemplateVersion adds a version (ids increase and are
// never reused); at MaxTemplateVersions it is
// VersionsLimitExceededException.
func (e *Engine) CreateProvisioningTemplateVersion(now time.Time, req CreateProvisioningTemplateVersionRequest) (CreateProvisioningTemplateVersionResponse, error) {
	var c checker
	c.templateName("templateName", req.TemplateName)
	c.str("templateBody", req.TemplateBody, 0, template.MaxBodyChars, nil, "")
	if err := c.Err(); err != nil {
		return CreateProvisioningTemplateVersionResponse{}, err
	}
	t, err := e.template(req.TemplateName)
	if err != nil {
		return CreateProvisioningTemplateVersionResponse{}, err
	}
	if len(t.versions) >= MaxTemplateVersions {
		return CreateProvisioningTemplateVersionResponse{}, awserr.New(awserr.VersionsLimitExceeded,
			"The provisioning template %s already has the maximum number of versions (%d); delete one first.",
			t.name, MaxTemplateVersions)
	}
	parsed, err := parseBody(req.TemplateBody, t.kind)
	if err != nil {
		return CreateProvisioningTemplateVersionResponse{}, err
	}
	now = now.UTC().Round(0)
	v := &templateVersion{id: t.nextID, body: req.TemplateBody, parsed: parsed, created: now}
	t.nextID++
	t.versions = append(t.versions, v)
	if req.SetAsDefault {
		t.defaultID = v.id
	}
	t.modified = now
	e.dirtyTemplate(t)
	return CreateProvisioningTemplateVersionResponse{TemplateArn: e.templateArn(t.name), TemplateName: t.name,
		VersionId: v.id, IsDefaultVersion: req.SetAsDefault}, nil
}

// TemplateVersionRequest names one version
// (/provisioning-templates/{templateName}/versions/{versionId}).
type TemplateVersionRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
	VersionId    int    `json:"-" uri:"versionId"`
}

// DescribeProvisioningTemplateVersionRequest is the input of
// DescribeProvisioningTemplateVersion (GET …/versions/{versionId}).
type DescribeProvisioningTemplateVersionRequest = TemplateVersionRequest

// DeleteProvisioningTemplateVersionRequest is the input of
// DeleteProvisioningTemplateVersion (DELETE …/versions/{versionId}).
type DeleteProvisioningTemplateVersionRequest = TemplateVersionRequest

// DescribeProvisioningTemplateVersionResponse is its output.
type DescribeProvisioningTemplateVersionResponse struct {
	VersionId        int                `json:"versionId"`
	CreationDate     registry.Timestamp `json:"creationDate"`
	TemplateBody     string             `json:"templateBody"`
	IsDefaultVersion bool               `json:"isDefaultVersion"`
}

func (e *Engine) templateVersion(req TemplateVersionRequest) (*provTemplate, *templateVersion, error) {
	t, err := e.template(req.TemplateName)
	if err != nil {
		return nil, nil, err
	}
	v := t.version(req.VersionId)
	if v == nil {
		return nil, nil, awserr.New(awserr.ResourceNotFound, "Version %d of provisioning template %s does not exist.",
			req.VersionId, t.name)
	}
	return t, v, nil
}

// DescribeProvisioningTemplateVersion describes one version.
func (e *Engine) DescribeProvisioningTemplateVersion(req DescribeProvisioningTemplateVersionRequest) (DescribeProvisioningTemplateVersionResponse, error) {
	t, v, err := e.templateVersion(req)
	if err != nil {
		return DescribeProvisioningTemplateVersionResponse{}, err
	}
	return DescribeProvisioningTemplateVersionResponse{VersionId: v.id, CreationDate: registry.Timestamp{Time: v.created},
		TemplateBody: v.body, IsDefaultVersion: v.id == t.defaultID}, nil
}

// DeleteProvisioningTemplateVersion deletes a version other than the
// default (DeleteConflictException).
func (e *Engine) DeleteProvisioningTemplateVersion(now time.Time, req DeleteProvisioningTemplateVersionRequest) error {
	t, v, err := e.templateVersion(req)
	if err != nil {
		return err
	}
	if v.id == t.defaultID {
		return awserr.New(awserr.DeleteConflict,
			"Version %d is the default version of provisioning template %s; set another default first.", v.id, t.name)
	}
	t.versions = slices.DeleteFunc(t.versions, func(x *templateVersion) bool { return x == v })
	t.modified = now.UTC().Round(0)
	e.dirtyTemplate(t)
	return nil
}

// ListProvisioningTemplateVersionsRequest is the input of
// ListProvisioningTemplateVersions (GET …/versions).
type ListProvisioningTemplateVersionsRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
	MaxResults   int    `json:"-" query:"maxResults"`
	NextToken    string `json:"-" query:"nextToken"`
}

// ProvisioningTemplateVersionSummary is one version in the list.
type ProvisioningTemplateVersionSummary struct {
	VersionId        int                `json:"versionId"`
	CreationDate     registry.Timestamp `json:"creationDate"`
	IsDefaultVersion bool               `json:"isDefaultVersion"`
}

// ListProvisioningTemplateVersionsResponse is its output.
type ListProvisioningTemplateVersionsResponse struct {
	Versions  []ProvisioningTemplateVersionSummary `json:"versions"`
	NextToken string                               `json:"nextToken,omitempty"`
}

// ListProvisioningTemplateVersions lists versions by ascending id.
func (e *Engine) ListProvisioningTemplateVersions(req ListProvisioningTemplateVersionsRequest) (ListProvisioningTemplateVersionsResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListProvisioningTemplateVersionsResponse{}, err
	}
	t, err := e.template(req.TemplateName)
	if err != nil {
		return ListProvisioningTemplateVersionsResponse{}, err
	}
	after, err := decodeToken("versions/"+t.name, req.NextToken)
	if err != nil {
		return ListProvisioningTemplateVersionsResponse{}, err
	}
	keys := make([]string, len(t.versions))
	for i, v := range t.versions {
		keys[i] = versionKey(v.id)
	}
	items, next := page("versions/"+t.name, keys, after, limit(req.MaxResults), func(k string) ProvisioningTemplateVersionSummary {
		id, _ := strconv.Atoi(k)
		v := t.version(id)
		return ProvisioningTemplateVersionSummary{VersionId: v.id, CreationDate: registry.Timestamp{Time: v.created},
			IsDefaultVersion: v.id == t.defaultID}
	})
	return ListProvisioningTemplateVersionsResponse{Versions: items, NextToken: next}, nil
}

// versionKey sorts version ids as strings.
func versionKey(id int) string { return fmt.Sprintf("%010d", id) }
