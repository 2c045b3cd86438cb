package core

import (
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index"
)

// Options configure a Core.
type Options struct {
	Seed    uint64 // fixes every generated id
	Region  string // default us-east-1
	Account string // default 123456789012
	// IndexLag delays the visibility of every change in the fleet index
	// (and so in dynamic groups), as AWS's eventual consistency does.
	IndexLag time.Duration
	Shadow   shadow.Options
	Index    index.Settings
	// Ephemeral cores produce no Records: an in-process simulation that
	// persists nothing skips encoding them.
	Ephemeral bool
	// Parallel runs body over [0, n) in parts, possibly concurrently; the
	// core uses it for the bulk work of rebuilding the index (start-up, a
	// new indexing configuration). The core starts no goroutine itself:
	// the caller decides (fleetd/node splits across its cores). Nil runs
	// body(0, n) here.
	Parallel func(n int, body func(lo, hi int))
	// MinScheduleLead overrides AWS's 30 minutes between now and a job's
	// scheduled start (a rehearsal may schedule sooner).
	MinScheduleLead *time.Duration
	// CA signs the certificates fleetd issues (CreateKeysAndCertificate,
	// fleet provisioning). Without one, certificate, policy and
	// provisioning operations answer that none is configured.
	CA *pki.CA
	// Entropy feeds certificate serial numbers, registration codes and
	// ownership tokens; nil derives a stream from Seed. (Keys and ECDSA
	// signatures use the system's randomness whatever this says: Go's
	// crypto ignores custom readers, so certificate bytes and ids are the
	// one thing a seed does not fix.)
	Entropy io.Reader
	// Heard reports whether a message published to topic would reach a
	// subscriber; shadow documents nobody would receive are then not
	// built (the shadow changes all the same). Nil: every topic is heard.
	// The topic's bytes are valid only during the call: asking costs no
	// allocation.
	Heard func(topic []byte) bool
}

func (o *Options) defaults() {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.Shadow == (shadow.Options{}) {
		o.Shadow = shadow.DefaultOptions()
	}
	if o.Index.MaxResults == 0 {
		o.Index = index.DefaultSettings()
	}
	if o.Parallel == nil {
		o.Parallel = func(n int, body func(lo, hi int)) { body(0, n) }
	}
}

// Message is an MQTT publish the caller delivers. ClientID, when set,
// addresses one client only (a response to its request) rather than the
// topic's subscribers.
type Message struct {
	Topic    string
	Payload  []byte
	ClientID string
	Retain   bool // iot-data Publish with retain: the broker keeps it for later subscribers
}

// EventKind names what an Event reports.
type EventKind string

const (
	EventThingCreated           EventKind = "ThingCreated"
	EventThingDeleted           EventKind = "ThingDeleted"
	EventGroupMembershipAdded   EventKind = "GroupMembershipAdded"
	EventGroupMembershipRemoved EventKind = "GroupMembershipRemoved"
	EventDynamicGroupAddFailed  EventKind = "AddThingToDynamicThingGroupsFailed"
	EventConnected              EventKind = "Connected"
	EventDisconnected           EventKind = "Disconnected"
	EventShadowUpdated          EventKind = "ShadowUpdated"
	EventShadowRejected         EventKind = "ShadowRejected"
	EventDynamicGroupActive     EventKind = "DynamicGroupActive"
)

// Event is a fact for reports and for subscribers inside the process
// (continuous jobs follow dynamic-group membership through them).
type Event struct {
	Time    time.Time
	Kind    EventKind
	Thing   string
	Group   string
	Dynamic bool
	Evicted bool // a dynamic-group removal that made room at the group limit
	Job     string
	Status  string // a job execution's status
	Detail  string
}

// Record is a persistent record an operation changed; a nil Value deletes
// it.
type Record struct {
	Key   string
	Value []byte
}

// Ready is everything the Core produced since the last call to Ready.
type Ready struct {
	Messages []Message
	Events   []Event
	Records  []Record
	// Objects are appends to objects (bulk registration reports), to
	// write once Records are durable.
	Objects []ObjectAppend
	// Hooks are pre-provisioning hook calls to make; their outcome comes
	// back through ProvisionHookResult.
	Hooks []provision.HookCall
}

// Empty reports whether there is nothing to do.
func (r Ready) Empty() bool {
	return len(r.Messages) == 0 && len(r.Events) == 0 && len(r.Records) == 0 && len(r.Objects) == 0 && len(r.Hooks) == 0
}

// Core is the fleetd state machine. It is not safe for concurrent use: the
// caller serialises operations (fleetd/node does, the simulator is single
// threaded).
type Core struct {
	opts    Options
	reg     *registry.Registry
	shadows map[string]*thingShadows
	conns   map[string]*connectivity
	views   viewTable // the registry view of each thing as the index holds it, by dense id
	idx     indexState
	out     Ready
	// dirty holds record keys changed by the current operation, written
	// out as Records when it ends (a key changed twice is written once).
	dirty    map[string]struct{}
	dirtySeq []string
	rng      *rand.Rand // session identifiers; seeded from Options.Seed, state persisted
	pcg      *rand.PCG  // rng's source
	// evaluating is set while dynamic groups are evaluated against a
	// thing, so the re-indexing their membership causes does not recurse.
	evaluating bool
	flatBuf    index.FlatBuilder // reused by shadowFlat
	changes    index.ChangePool  // storage of shadow updates' index changes
	// shadowBuilds recycles the shadow updates' changes the index builds
	// (deferShadowChange); the index's goroutine hands them back.
	shadowBuilds sync.Pool
	changedBuf   []string // applyIndexOp's changed fields, reused
	topicBuf     []byte   // shadowHeard's topic, reused
	// shadowScratch is UpdateThingShadow's working memory, reused.
	shadowScratch shadow.Scratch
	jobs          *jobs.Engine
	ident         *identity.Store   // nil without Options.CA
	prov          *provision.Engine // nil without Options.CA
	identErr      error             // why ident is nil despite a CA
	// The values of shadows and conns, allocated a chunk at a time: a
	// thing's shadows and a client's connectivity are never deleted.
	shadowChunks chunks[thingShadows]
	namedChunks  chunks[shadow.Doc]
	connChunks   chunks[connectivity]
}

// Close stops what the core's index runs in the background (with
// Options.Index.WriteBehind); the core stays usable, writing the index
// synchronously. Call it from the goroutine that drives the core.
func (c *Core) Close() {
	if c.idx.ix != nil {
		c.idx.ix.Close()
	}
}

// New returns an empty Core.
func New(o Options) *Core {
	o.defaults()
	c := &Core{
		opts:    o,
		shadows: map[string]*thingShadows{},
		conns:   map[string]*connectivity{},
		dirty:   map[string]struct{}{},
	}
	c.reg = registry.New(registry.Options{Seed: o.Seed, Region: o.Region, Account: o.Account, ThingDeletable: c.thingDeletable})
	c.idx.init(o)
	c.jobs = jobs.New(jobs.Options{Region: o.Region, Account: o.Account, Seed: o.Seed, MinScheduleLead: o.MinScheduleLead}, coreFleet{c}, coreSink{c})
	c.ident, c.identErr = c.newIdentity()
	if c.ident != nil {
		c.prov = provision.New(provision.Options{Region: o.Region, Account: o.Account, Identity: c.ident,
			Registry: coreRegistry{c}, Sink: provisionSink{c}, Hooks: provisionSink{c}})
	}
	return c
}

// thingDeletable refuses to delete a thing with attached principals, as
// AWS does.
func (c *Core) thingDeletable(name string) error {
	if c.ident == nil {
		return nil
	}
	return c.ident.CheckThingDeletable(name)
}

// Ready returns and clears what the Core produced since the last call.
func (c *Core) Ready() Ready {
	c.flushRecords()
	r := c.out
	c.out = Ready{}
	return r
}

// Recycle hands back the slices of a Ready the caller is done with, for
// the core to fill again instead of allocating: a simulation drains after
// every call. r must not be used afterwards.
func (c *Core) Recycle(r Ready) {
	if !c.out.Empty() {
		return // produced since: keep it
	}
	clear(r.Messages)
	clear(r.Events)
	c.out.Messages, c.out.Events = r.Messages[:0], r.Events[:0]
}

// NextDeadline is when Tick must next be called; the zero time when
// nothing is scheduled.
func (c *Core) NextDeadline() time.Time {
	next := c.idx.nextDeadline()
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	earliest(c.jobs.NextDeadline())
	if c.ident != nil {
		if t, ok := c.ident.NextDeadline(); ok {
			earliest(t)
		}
	}
	if c.prov != nil {
		if t, ok := c.prov.NextDeadline(); ok {
			earliest(t)
		}
	}
	return next
}

// Tick does the work due at now: index changes whose lag has passed, job
// rollouts, timeouts and schedules.
func (c *Core) Tick(now time.Time) {
	c.applyDueIndexOps(now)
	c.jobs.Tick(now)
	if c.ident != nil {
		c.ident.Tick(now) // expired claim certificates
		c.afterIdentity(now)
	}
	if c.prov != nil {
		c.replies(c.prov.Tick(now)) // hook deadlines, bulk registration slices
		c.afterIdentity(now)
	}
}

// shadowHeard reports whether a message to shadowTopic(thing, name)+suffix
// would reach anyone; the topic is built in a reused buffer, only to ask
// Options.Heard.
func (c *Core) shadowHeard(thing, name, suffix string) bool {
	if c.opts.Heard == nil {
		return true
	}
	b := append(append(c.topicBuf[:0], "$aws/things/"...), thing...)
	if name == "" {
		b = append(b, "/shadow"...)
	} else {
		b = append(append(b, "/shadow/name/"...), name...)
	}
	c.topicBuf = append(b, suffix...)
	return c.opts.Heard(c.topicBuf)
}

func (c *Core) publish(topic string, payload []byte) {
	c.out.Messages = append(c.out.Messages, Message{Topic: topic, Payload: payload})
}

func (c *Core) event(e Event) {
	c.out.Events = append(c.out.Events, e)
}

func (c *Core) markDirty(key string) {
	if c.opts.Ephemeral {
		return
	}
	if _, ok := c.dirty[key]; !ok {
		c.dirty[key] = struct{}{}
		c.dirtySeq = append(c.dirtySeq, key)
	}
}

// flushRecords turns the dirty keys into records with their current
// values.
func (c *Core) flushRecords() {
	for _, key := range c.dirtySeq {
		c.out.Records = append(c.out.Records, Record{Key: key, Value: c.record(key)})
	}
	clear(c.dirty)
	c.dirtySeq = c.dirtySeq[:0]
}
