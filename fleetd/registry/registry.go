package registry

import (
	"time"
)

// Limits and defaults, from the AWS model, the developer guide and the
// service quotas (see doc.go for the ones that are decisions).
const (
	DefaultRegion            = "us-east-1"
	DefaultAccount           = "123456789012"
	DefaultMaxGroupsPerThing = 10
	DefaultMaxDynamicGroups  = 100

	// DefaultMaxResults is the page size when maxResults is absent;
	// MaxMaxResults is the model's RegistryMaxResults maximum.
	DefaultMaxResults = 50
	MaxMaxResults     = 250

	// MaxAttributesUntyped and MaxAttributesTyped bound a thing's
	// attributes without and with a thing type.
	MaxAttributesUntyped = 3
	MaxAttributesTyped   = 50
	// MaxGroupAttributes bounds a thing group's attributes.
	MaxGroupAttributes = 50
	// MaxSearchableAttributes bounds a thing type's searchableAttributes.
	MaxSearchableAttributes = 3
	// MaxGroupDepth is the deepest static hierarchy (a root is depth 1).
	MaxGroupDepth = 7
	// MaxTags bounds the tags on one resource.
	MaxTags = 50
	// ThingTypeDeleteDelay is how long a thing type must have been
	// deprecated before DeleteThingType accepts it.
	ThingTypeDeleteDelay = 5 * time.Minute

	DefaultIndexName    = "AWS_Things"
	DefaultQueryVersion = "2017-09-30"
)

// Options configure a Registry. Zero fields take the defaults above.
type Options struct {
	// Seed fixes every generated id (thingId, thingTypeId, thingGroupId,
	// billingGroupId).
	Seed    uint64
	Region  string
	Account string
	// MaxGroupsPerThing is the per-thing limit on thing groups, static and
	// dynamic together (AWS: 10).
	MaxGroupsPerThing int
	// MaxDynamicGroups is the per-account limit on dynamic thing groups
	// (AWS default quota: 100).
	MaxDynamicGroups int
	// ThingDeletable, when set, may refuse DeleteThing with an AWS error:
	// the core refuses while certificates are attached to the thing, as
	// AWS does. It is called after validation, before any change.
	ThingDeletable func(name string) error
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.MaxGroupsPerThing <= 0 {
		o.MaxGroupsPerThing = DefaultMaxGroupsPerThing
	}
	if o.MaxDynamicGroups <= 0 {
		o.MaxDynamicGroups = DefaultMaxDynamicGroups
	}
	return o
}

// Registry is the AWS IoT registry: things, thing types, static and dynamic
// thing groups, billing groups. It is not safe for concurrent use; the core
// serialises calls.
type Registry struct {
	opts Options

	things     map[string]*thing
	thingOrder sortedView // names of things, sorted lazily
	slab       thingSlab  // dense id → thing; things points into it
	free       idHeap     // free dense ids below slab.bound

	types   map[string]*thingType
	groups  map[string]*group
	billing map[string]*billingGroup

	dynamicCount int
	uuidCounter  uint64 // ids generated so far
	groupSeq     uint64 // thing groups created so far (creation order)

	share    shareTable // equal group lists and attribute values shared between things
	ch       changeLog
	restored bool // FinishRestore ran
	sawMeta  bool // Restore loaded registry/meta
}

type thing struct {
	name     string
	id       UUID
	dense    uint32
	typeName string
	attrs    Attrs // shared with views: replaced on change, never modified
	version  int64
	billing  string
	groups   []string // direct thing groups, static and dynamic, sorted
	// groupNames is GroupNames' answer (refreshGroupNames). Both lists
	// are shared with other things and with views: they are replaced on
	// change, never modified.
	groupNames []string
}

type thingType struct {
	name            string
	id              UUID
	props           ThingTypeProperties
	tags            []Tag
	deprecated      bool
	deprecationDate time.Time
	created         time.Time
	things          nameSet // derived
}

type group struct {
	name        string
	id          UUID
	parent      string
	description string
	attrs       map[string]string
	tags        []Tag
	version     int64
	created     time.Time
	seq         uint64 // creation order among all thing groups, from 1

	dynamic      bool
	indexName    string
	queryString  string
	queryVersion string
	status       string

	children map[string]struct{} // derived
	members  nameSet             // derived: direct members
}

type billingGroup struct {
	name        string
	id          UUID
	description string
	tags        []Tag
	version     int64
	created     time.Time
	members     nameSet // derived
}

// New returns an empty registry.
func New(o Options) *Registry {
	return &Registry{
		opts:    o.withDefaults(),
		things:  make(map[string]*thing),
		types:   make(map[string]*thingType),
		groups:  make(map[string]*group),
		billing: make(map[string]*billingGroup),
		ch:      newChangeLog(),
	}
}

// Options returns the options in force, defaults filled in.
func (r *Registry) Options() Options { return r.opts }

// nextUUID returns the next generated id.
func (r *Registry) nextUUID() UUID {
	u := newUUID(r.opts.Seed, r.uuidCounter)
	r.uuidCounter++
	r.ch.record(metaKey)
	return u
}

// norm strips the monotonic clock reading and the location so that times
// compare, print and persist identically.
func norm(t time.Time) time.Time { return t.Round(0).UTC() }

// ARNs.

func (r *Registry) arn(resource, name string) string {
	return "arn:aws:iot:" + r.opts.Region + ":" + r.opts.Account + ":" + resource + "/" + name
}

// ThingArn returns the ARN of the thing called name.
func (r *Registry) ThingArn(name string) string { return r.arn("thing", name) }

// ThingTypeArn returns the ARN of the thing type called name.
func (r *Registry) ThingTypeArn(name string) string { return r.arn("thingtype", name) }

// ThingGroupArn returns the ARN of the thing group called name.
func (r *Registry) ThingGroupArn(name string) string { return r.arn("thinggroup", name) }

// BillingGroupArn returns the ARN of the billing group called name.
func (r *Registry) BillingGroupArn(name string) string { return r.arn("billinggroup", name) }
