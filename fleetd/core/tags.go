package core

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// MaxTagsPerResource is AWS's limit of tags on one resource.
const MaxTagsPerResource = 50

// TagResourceRequest is the input of TagResource (POST /tags).
type TagResourceRequest struct {
	ResourceArn string         `json:"resourceArn"`
	Tags        []registry.Tag `json:"tags"`
}

// UntagResourceRequest is the input of UntagResource (POST /untag).
type UntagResourceRequest struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// ListTagsForResourceRequest is the input of ListTagsForResource
// (GET /tags?resourceArn=).
type ListTagsForResourceRequest struct {
	ResourceArn string `json:"-" query:"resourceArn"`
	NextToken   string `json:"-" query:"nextToken"`
}

// ListTagsForResourceResponse is its output: every tag, in one page.
type ListTagsForResourceResponse struct {
	Tags      []registry.Tag `json:"tags"`
	NextToken string         `json:"nextToken,omitempty"`
}

// taggable is a component that owns tagged resources, by the resource
// type of their ARNs.
type taggable interface {
	tags(resourceType, name string) ([]registry.Tag, bool)
	setTags(resourceType, name string, tags []registry.Tag) bool
}

type registryTags struct{ c *Core }

func (t registryTags) tags(kind, name string) ([]registry.Tag, bool) { return t.c.reg.Tags(kind, name) }
func (t registryTags) setTags(kind, name string, tags []registry.Tag) bool {
	return t.c.reg.SetTags(kind, name, tags)
}

type jobTags struct{ c *Core }

func (t jobTags) tags(kind, name string) ([]registry.Tag, bool) {
	tags, ok := t.c.jobs.Tags(kind, name)
	out := make([]registry.Tag, len(tags))
	for i, tag := range tags {
		out[i] = registry.Tag{Key: tag.Key, Value: tag.Value}
	}
	return out, ok
}

func (t jobTags) setTags(kind, name string, tags []registry.Tag) bool {
	out := make([]jobs.Tag, len(tags))
	for i, tag := range tags {
		out[i] = jobs.Tag{Key: tag.Key, Value: tag.Value}
	}
	return t.c.jobs.SetTags(kind, name, out)
}

type identityTags struct{ c *Core }

func (t identityTags) tags(kind, name string) ([]registry.Tag, bool) {
	if t.c.ident == nil {
		return nil, false
	}
	return t.c.ident.Tags(kind, name)
}

func (t identityTags) setTags(kind, name string, tags []registry.Tag) bool {
	return t.c.ident != nil && t.c.ident.SetTags(kind, name, tags)
}

type provisionTags struct{ c *Core }

func (t provisionTags) tags(kind, name string) ([]registry.Tag, bool) {
	if t.c.prov == nil {
		return nil, false
	}
	return t.c.prov.Tags(kind, name)
}

func (t provisionTags) setTags(kind, name string, tags []registry.Tag) bool {
	return t.c.prov != nil && t.c.prov.SetTags(kind, name, tags)
}

// taggedResource resolves a resource ARN of this region and account to the
// component that owns it.
func (c *Core) taggedResource(arn string) (taggable, string, string, error) {
	if arn == "" {
		return nil, "", "", awserr.New(awserr.InvalidRequest, "resourceArn is required")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" {
		return nil, "", "", awserr.New(awserr.InvalidRequest, "%s is not an AWS IoT resource ARN", arn)
	}
	kind, name, ok := strings.Cut(parts[5], "/")
	if !ok || name == "" {
		return nil, "", "", awserr.New(awserr.InvalidRequest, "%s is not an AWS IoT resource ARN", arn)
	}
	var owner taggable
	switch kind {
	case "thingtype", "thinggroup", "billinggroup":
		owner = registryTags{c}
	case "job", "jobtemplate":
		owner = jobTags{c}
	case "policy", "cacert":
		owner = identityTags{c}
	case "provisioningtemplate":
		owner = provisionTags{c}
	default:
		return nil, "", "", awserr.New(awserr.InvalidRequest, "Resources of type %s cannot be tagged", kind)
	}
	if parts[3] != c.opts.Region || parts[4] != c.opts.Account {
		return nil, "", "", awserr.New(awserr.ResourceNotFound, "Resource %s does not exist", arn)
	}
	if _, ok := owner.tags(kind, name); !ok {
		return nil, "", "", awserr.New(awserr.ResourceNotFound, "Resource %s does not exist", arn)
	}
	return owner, kind, name, nil
}

// TagResource adds tags to a resource or changes their values.
func (c *Core) TagResource(now time.Time, req TagResourceRequest) (struct{}, error) {
	if len(req.Tags) == 0 {
		return struct{}{}, awserr.New(awserr.InvalidRequest, "tags must hold at least one tag")
	}
	for i, t := range req.Tags {
		if err := checkTag(i, t); err != nil {
			return struct{}{}, err
		}
	}
	owner, kind, name, err := c.taggedResource(req.ResourceArn)
	if err != nil {
		return struct{}{}, err
	}
	cur, _ := owner.tags(kind, name)
	for _, t := range req.Tags {
		if i := slices.IndexFunc(cur, func(x registry.Tag) bool { return x.Key == t.Key }); i >= 0 {
			cur[i].Value = t.Value
		} else {
			cur = append(cur, t)
		}
	}
	if len(cur) > MaxTagsPerResource {
		return struct{}{}, awserr.New(awserr.LimitExceeded, "A resource can have at most %d tags; %s would have %d", MaxTagsPerResource, req.ResourceArn, len(cur))
	}
	slices.SortFunc(cur, func(a, b registry.Tag) int { return strings.Compare(a.Key, b.Key) })
	owner.setTags(kind, name, cur)
	c.afterTags(now)
	return struct{}{}, nil
}

// UntagResource removes tags by key; absent keys are ignored.
func (c *Core) UntagResource(now time.Time, req UntagResourceRequest) (struct{}, error) {
	if len(req.TagKeys) == 0 {
		return struct{}{}, awserr.New(awserr.InvalidRequest, "tagKeys must hold at least one key")
	}
	owner, kind, name, err := c.taggedResource(req.ResourceArn)
	if err != nil {
		return struct{}{}, err
	}
	cur, _ := owner.tags(kind, name)
	kept := slices.DeleteFunc(cur, func(t registry.Tag) bool { return slices.Contains(req.TagKeys, t.Key) })
	owner.setTags(kind, name, kept)
	c.afterTags(now)
	return struct{}{}, nil
}

// afterTags persists what a tag change touched (jobs and provisioning
// mark their records directly).
func (c *Core) afterTags(now time.Time) {
	c.afterRegistry(now)
	c.afterIdentity(now)
}

// ListTagsForResource returns a resource's tags, sorted by key.
func (c *Core) ListTagsForResource(req ListTagsForResourceRequest) (ListTagsForResourceResponse, error) {
	owner, kind, name, err := c.taggedResource(req.ResourceArn)
	if err != nil {
		return ListTagsForResourceResponse{}, err
	}
	if req.NextToken != "" {
		return ListTagsForResourceResponse{}, awserr.New(awserr.InvalidRequest, "The nextToken is not valid: every tag is returned in the first page")
	}
	tags, _ := owner.tags(kind, name)
	if tags == nil {
		tags = []registry.Tag{}
	}
	return ListTagsForResourceResponse{Tags: tags}, nil
}

// checkTag applies the model's constraints on one tag: a key of 1 to 128
// letters, spaces, digits and _.:/=+-@, not starting with the reserved
// aws:, and a value of at most 256 characters.
func checkTag(i int, t registry.Tag) error {
	n := len([]rune(t.Key))
	switch {
	case n < 1 || n > 128:
		return awserr.New(awserr.InvalidRequest, "tags[%d].Key must be 1 to 128 characters", i)
	case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
		return awserr.New(awserr.InvalidRequest, "tags[%d].Key %q: the aws: prefix is reserved", i, t.Key)
	case len([]rune(t.Value)) > 256:
		return awserr.New(awserr.InvalidRequest, "tags[%d].Value must be at most 256 characters", i)
	}
	for _, r := range t.Key {
		if !(unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)) {
			return awserr.New(awserr.InvalidRequest, "tags[%d].Key %q: %q is not allowed in a tag key", i, t.Key, r)
		}
	}
	return nil
}
