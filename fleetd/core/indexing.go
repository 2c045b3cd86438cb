package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// IndexingConfiguration is the body of UpdateIndexingConfiguration and the
// response of GetIndexingConfiguration.
type IndexingConfiguration struct {
	ThingIndexingConfiguration      *ThingIndexingConfiguration      `json:"thingIndexingConfiguration,omitempty"`
	ThingGroupIndexingConfiguration *ThingGroupIndexingConfiguration `json:"thingGroupIndexingConfiguration,omitempty"`
}

// ThingIndexingConfiguration is AWS's shape; managedFields is computed on
// the way out.
type ThingIndexingConfiguration struct {
	ThingIndexingMode             string          `json:"thingIndexingMode"`
	ThingConnectivityIndexingMode string          `json:"thingConnectivityIndexingMode,omitempty"`
	DeviceDefenderIndexingMode    string          `json:"deviceDefenderIndexingMode,omitempty"`
	NamedShadowIndexingMode       string          `json:"namedShadowIndexingMode,omitempty"`
	ManagedFields                 []index.Field   `json:"managedFields,omitempty"`
	CustomFields                  []index.Field   `json:"customFields,omitempty"`
	Filter                        *IndexingFilter `json:"filter,omitempty"`
}

// IndexingFilter selects the named shadows to index.
type IndexingFilter struct {
	NamedShadowNames []string          `json:"namedShadowNames,omitempty"`
	GeoLocations     []json.RawMessage `json:"geoLocations,omitempty"`
}

// ThingGroupIndexingConfiguration turns AWS_ThingGroups on: SearchIndex
// over the groups' names, ids, descriptions, attributes and parents
// (groupsearch.go). Its custom fields are echoed; aggregations are
// answered on AWS_Things only.
type ThingGroupIndexingConfiguration struct {
	ThingGroupIndexingMode string        `json:"thingGroupIndexingMode"`
	ManagedFields          []index.Field `json:"managedFields,omitempty"`
	CustomFields           []index.Field `json:"customFields,omitempty"`
}

// indexState is the fleet index with its configuration and the queue of
// changes not yet visible.
type indexState struct {
	cfg      ThingIndexingConfiguration
	group    ThingGroupIndexingConfiguration
	icfg     index.Config
	ix       *index.Index // nil while indexing is OFF
	lag      time.Duration
	settings index.Settings
	queue    []indexOp // ordered by due
	dynamic  map[string]*dynamicQuery
	dynOrder []string // dynamic groups, oldest first
}

// dynamicQuery is a dynamic group's parsed query and the fields it reads,
// so a change re-evaluates only the groups that can see it.
type dynamicQuery struct {
	q         query.Node
	fields    map[string]bool
	fieldList []string  // fields' keys, for the shadow updates that ask each
	anyField  bool      // a bare term reads every field
	parts     flatParts // the parts of a document the query reads
}

func newDynamicQuery(q query.Node) *dynamicQuery {
	d := &dynamicQuery{q: q, fields: map[string]bool{}, anyField: query.HasBareTerm(q)}
	if d.anyField {
		d.parts = allFlatParts
	}
	for _, f := range query.Fields(q) {
		f = index.CanonicalField(f)
		if !d.fields[f] {
			d.fieldList = append(d.fieldList, f)
		}
		d.fields[f] = true
		switch {
		case strings.HasPrefix(f, "shadow."):
			d.parts.shadow = true
		case strings.HasPrefix(f, "connectivity."):
			d.parts.connectivity = true
		default:
			d.parts.registry = true
		}
	}
	return d
}

// sees reports whether a change of the given fields can change the
// query's answer (nil changed means everything may have changed).
func (d *dynamicQuery) sees(changed []string) bool {
	if changed == nil || d.anyField {
		return true
	}
	for _, f := range changed {
		if d.fields[f] {
			return true
		}
	}
	return false
}

type indexOp struct {
	due   time.Time
	thing string
	id    uint32
	old   index.Flat
	new   index.Flat
	// change, when set, holds old and new in pooled storage that goes back
	// to the pool once the index has applied them.
	change index.Change
	gone   bool // the thing was deleted: remove id
}

func (s *indexState) init(o Options) {
	s.cfg = ThingIndexingConfiguration{ThingIndexingMode: "OFF", ThingConnectivityIndexingMode: "OFF"}
	s.group = ThingGroupIndexingConfiguration{ThingGroupIndexingMode: "OFF"}
	s.lag = o.IndexLag
	s.settings = o.Index
	s.dynamic = map[string]*dynamicQuery{}
}

func (s *indexState) on() bool { return s.ix != nil }

func (s *indexState) nextDeadline() time.Time {
	if len(s.queue) == 0 {
		return time.Time{}
	}
	return s.queue[0].due
}

// toIndexConfig converts the AWS configuration for the index package.
func toIndexConfig(c ThingIndexingConfiguration) index.Config {
	ic := index.Config{
		ThingIndexingMode:             c.ThingIndexingMode,
		ThingConnectivityIndexingMode: c.ThingConnectivityIndexingMode,
		DeviceDefenderIndexingMode:    c.DeviceDefenderIndexingMode,
		NamedShadowIndexingMode:       c.NamedShadowIndexingMode,
		CustomFields:                  c.CustomFields,
	}
	if c.Filter != nil && c.Filter.NamedShadowNames != nil {
		ic.Filter = &struct {
			NamedShadowNames []string `json:"namedShadowNames,omitempty"`
		}{NamedShadowNames: c.Filter.NamedShadowNames}
	}
	return ic
}

// GetIndexingConfiguration returns the configuration with AWS's managed
// fields for the enabled modes.
func (c *Core) GetIndexingConfiguration() IndexingConfiguration {
	t := c.idx.cfg
	t.ManagedFields = managedFields(t)
	g := c.idx.group
	return IndexingConfiguration{ThingIndexingConfiguration: &t, ThingGroupIndexingConfiguration: &g}
}

func managedFields(t ThingIndexingConfiguration) []index.Field {
	if t.ThingIndexingMode == "OFF" {
		return nil
	}
	f := []index.Field{
		{Name: "registry.version", Type: index.TypeNumber}, {Name: "thingName", Type: index.TypeString},
		{Name: "registry.thingGroupNames", Type: index.TypeString}, {Name: "registry.thingTypeName", Type: index.TypeString},
		{Name: "thingId", Type: index.TypeString},
	}
	if t.ThingIndexingMode == "REGISTRY_AND_SHADOW" {
		f = append(f, index.Field{Name: "shadow.version", Type: index.TypeNumber}, index.Field{Name: "shadow.hasDelta", Type: index.TypeBoolean})
	}
	if t.ThingConnectivityIndexingMode == "STATUS" {
		f = append(f, index.Field{Name: "connectivity.timestamp", Type: index.TypeNumber}, index.Field{Name: "connectivity.version", Type: index.TypeNumber},
			index.Field{Name: "connectivity.connected", Type: index.TypeBoolean}, index.Field{Name: "connectivity.disconnectReason", Type: index.TypeString})
	}
	if t.NamedShadowIndexingMode == "ON" {
		f = append(f, index.Field{Name: "shadow.name.*.hasDelta", Type: index.TypeBoolean}, index.Field{Name: "shadow.name.*.version", Type: index.TypeNumber})
	}
	if t.DeviceDefenderIndexingMode == "VIOLATIONS" {
		f = append(f, index.Field{Name: "deviceDefender.violationCount", Type: index.TypeNumber})
	}
	return f
}

var customPrefixes = []string{"attributes.", "shadow.desired.", "shadow.reported.", "shadow.name.", "deviceDefender."}

// UpdateIndexingConfiguration replaces the configuration and rebuilds the
// index from the current state.
func (c *Core) UpdateIndexingConfiguration(now time.Time, req IndexingConfiguration) error {
	t := c.idx.cfg
	if req.ThingIndexingConfiguration != nil {
		t = *req.ThingIndexingConfiguration
		if err := validateThingIndexing(&t); err != nil {
			return err
		}
		if t.ThingIndexingMode == "OFF" && len(c.idx.dynamic) > 0 {
			return awserr.New(awserr.InvalidRequest, "Thing indexing cannot be turned off while dynamic thing groups exist")
		}
	}
	if g := req.ThingGroupIndexingConfiguration; g != nil {
		if g.ThingGroupIndexingMode != "OFF" && g.ThingGroupIndexingMode != "ON" {
			return awserr.New(awserr.InvalidRequest, "thingGroupIndexingMode must be OFF or ON")
		}
		c.idx.group = *g
		c.idx.group.ManagedFields = nil
	}
	t.ManagedFields = nil
	c.idx.cfg = t
	c.markDirty(keyIndexingConfig)
	c.rebuildIndex(now)
	return nil
}

func validateThingIndexing(t *ThingIndexingConfiguration) error {
	oneOf := func(name, v string, allowed ...string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		return awserr.New(awserr.InvalidRequest, "%s must be one of %s, not %q", name, strings.Join(allowed, ", "), v)
	}
	if t.ThingConnectivityIndexingMode == "" {
		t.ThingConnectivityIndexingMode = "OFF"
	}
	for _, err := range []error{
		oneOf("thingIndexingMode", t.ThingIndexingMode, "OFF", "REGISTRY", "REGISTRY_AND_SHADOW"),
		oneOf("thingConnectivityIndexingMode", t.ThingConnectivityIndexingMode, "OFF", "STATUS"),
		oneOf("deviceDefenderIndexingMode", orOff(t.DeviceDefenderIndexingMode), "OFF", "VIOLATIONS"),
		oneOf("namedShadowIndexingMode", orOff(t.NamedShadowIndexingMode), "OFF", "ON"),
	} {
		if err != nil {
			return err
		}
	}
	if t.ThingIndexingMode == "OFF" && (t.ThingConnectivityIndexingMode == "STATUS" || orOff(t.NamedShadowIndexingMode) == "ON" || orOff(t.DeviceDefenderIndexingMode) == "VIOLATIONS") {
		return awserr.New(awserr.InvalidRequest, "Connectivity, named shadow and Device Defender indexing require thingIndexingMode REGISTRY or REGISTRY_AND_SHADOW")
	}
	// Real users paste GetIndexingConfiguration output, managedFields
	// included: its non-managed names are custom fields.
	custom := slices.Clone(t.CustomFields)
	for _, f := range t.ManagedFields {
		if !isManaged(f.Name) && !slices.ContainsFunc(custom, func(g index.Field) bool { return g.Name == f.Name }) {
			custom = append(custom, f)
		}
	}
	for _, f := range custom {
		if isManaged(f.Name) {
			return awserr.New(awserr.InvalidRequest, "%s is a managed field and cannot be a custom field", f.Name)
		}
		switch f.Type {
		case index.TypeString, index.TypeNumber, index.TypeBoolean, index.TypeVersion:
		default:
			return awserr.New(awserr.InvalidRequest, "custom field %s: type must be Number, String or Boolean (or FleetLab's Version), not %q", f.Name, f.Type)
		}
		prefix := ""
		for _, p := range customPrefixes {
			if strings.HasPrefix(f.Name, p) {
				prefix = p
			}
		}
		if prefix == "" || len(f.Name) == len(prefix) {
			return awserr.New(awserr.InvalidRequest, "custom field %s must start with one of %s", f.Name, strings.Join(customPrefixes, ", "))
		}
		if rest := f.Name[len(prefix):]; !validCustomRemainder(rest) {
			return awserr.New(awserr.InvalidRequest, "custom field %s: after %s a name has only letters, digits, _ and -, with dots between its parts", f.Name, prefix)
		}
		if i := slices.IndexFunc(custom, func(g index.Field) bool { return g.Name == f.Name }); custom[i].Type != f.Type {
			return awserr.New(awserr.InvalidRequest, "custom field %s is declared twice, as %s and as %s", f.Name, custom[i].Type, f.Type)
		}
		if strings.HasPrefix(prefix, "shadow.") && t.ThingIndexingMode != "REGISTRY_AND_SHADOW" {
			return awserr.New(awserr.InvalidRequest, "custom field %s needs thingIndexingMode REGISTRY_AND_SHADOW", f.Name)
		}
	}
	t.CustomFields = custom
	return nil
}

// validCustomRemainder checks what follows a custom field's prefix:
// [A-Za-z0-9_-]+ parts joined by dots (spec §5.6).
func validCustomRemainder(rest string) bool {
	for _, part := range strings.Split(rest, ".") {
		if part == "" || strings.IndexFunc(part, func(r rune) bool {
			return !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) >= 0 {
			return false
		}
	}
	return true
}

func orOff(s string) string {
	if s == "" {
		return "OFF"
	}
	return s
}

func isManaged(name string) bool {
	for _, f := range managedFields(ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS", NamedShadowIndexingMode: "ON", DeviceDefenderIndexingMode: "VIOLATIONS"}) {
		if f.Name == name || (strings.Contains(f.Name, "*") && matchStar(f.Name, name)) {
			return true
		}
	}
	return name == "thingTypeName" || name == "thingGroupNames"
}

// matchStar matches shadow.name.*.version style patterns (one segment).
func matchStar(pattern, name string) bool {
	pre, post, _ := strings.Cut(pattern, "*")
	if !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, post) || len(name) <= len(pre)+len(post) {
		return false
	}
	return !strings.Contains(name[len(pre):len(name)-len(post)], ".")
}

// rebuildIndex builds the index from scratch from the current state and
// re-evaluates every dynamic group.
func (c *Core) rebuildIndex(now time.Time) {
	c.idx.queue = nil
	if c.idx.ix != nil {
		c.idx.ix.Close()
	}
	if c.idx.cfg.ThingIndexingMode == "OFF" {
		c.idx.ix = nil
		return
	}
	c.idx.icfg = toIndexConfig(c.idx.cfg)
	c.idx.ix = index.New(c.idx.icfg, c.idx.settings)
	c.putAll()
	for name := range c.idx.dynamic {
		c.backfillDynamicGroup(now, name)
	}
}

// enqueue makes an index change visible now or after the lag.
func (c *Core) enqueue(now time.Time, op indexOp) {
	if !c.idx.on() {
		return
	}
	if c.idx.lag <= 0 {
		c.applyIndexOp(now, op)
		return
	}
	op.due = now.Add(c.idx.lag)
	c.idx.queue = append(c.idx.queue, op)
}

func (c *Core) applyDueIndexOps(now time.Time) {
	n := 0
	for n < len(c.idx.queue) && !c.idx.queue[n].due.After(now) {
		n++
	}
	// Applying an op may queue new ones; they go after the remaining ones,
	// beyond due's end, so due stays intact.
	due := c.idx.queue[:n]
	c.idx.queue = c.idx.queue[n:]
	for _, op := range due {
		c.applyIndexOp(op.due, op)
	}
}

func (c *Core) applyIndexOp(now time.Time, op indexOp) {
	if op.gone {
		c.idx.ix.Delete(op.id, op.old)
		return
	}
	// A nested evaluation returns at once (c.evaluating): the changed
	// fields, in a buffer the outer one is still reading, are not needed.
	var changed []string
	evaluate := len(c.idx.dynamic) > 0 && !c.evaluating
	if evaluate {
		changed = changedFieldsInto(c.changedBuf, op.old, op.new)
		if changed != nil {
			c.changedBuf = changed
		}
	}
	if op.change.Old != nil {
		c.idx.ix.PutChange(op.id, op.change) // op's flats are not read after this
	} else {
		c.idx.ix.Put(op.id, op.old, op.new)
	}
	if evaluate {
		c.evaluateDynamicGroups(now, op.thing, changed)
	}
}

// changedFieldsInto lists, in dst's storage, the fields whose values
// differ between two flats of a thing (non-nil, possibly empty); nil when
// the thing is new to the index (everything changed).
func changedFieldsInto(dst []string, old, new index.Flat) []string {
	if old == nil {
		return nil
	}
	changed := dst[:0]
	if changed == nil {
		changed = []string{}
	}
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].Field < new[j].Field):
			changed = append(changed, old[i].Field)
			i++
		case i == len(old) || new[j].Field < old[i].Field:
			changed = append(changed, new[j].Field)
			j++
		default:
			if !slices.Equal(old[i].Values, new[j].Values) {
				changed = append(changed, new[j].Field)
			}
			i++
			j++
		}
	}
	return changed
}

// queryOf parses a query for SearchIndex and the aggregations, checking
// the index name and version.
func (c *Core) queryOf(indexName, queryString, queryVersion string) (query.Node, error) {
	if indexName != "" && indexName != "AWS_Things" {
		if indexName == thingGroupsIndex {
			if c.groupIndexOn() {
				return nil, awserr.New(awserr.InvalidRequest, "Aggregations are answered on AWS_Things only; AWS_ThingGroups answers SearchIndex")
			}
			return nil, awserr.New(awserr.ResourceNotFound, "Index AWS_ThingGroups is not enabled")
		}
		return nil, awserr.New(awserr.ResourceNotFound, "Index %s does not exist", indexName)
	}
	if queryVersion != "" && queryVersion != "2017-09-30" {
		return nil, awserr.New(awserr.InvalidRequest, "queryVersion %s is not supported; use 2017-09-30", queryVersion)
	}
	if !c.idx.on() {
		return nil, awserr.New(awserr.ResourceNotFound, "Index AWS_Things does not exist: fleet indexing is off (UpdateIndexingConfiguration turns it on)")
	}
	if queryString == "" {
		return nil, awserr.New(awserr.InvalidRequest, "queryString is required")
	}
	n, err := c.idx.ix.Parse(queryString)
	if err != nil {
		return nil, indexErr(err)
	}
	return n, nil
}

// indexErr converts an index error to the catalog's.
func indexErr(err error) error {
	if ie, ok := err.(*index.Error); ok {
		return awserr.New(ie.Code, "%s", ie.Message)
	}
	return fmt.Errorf("fleet index: %w", err)
}

// putAll indexes every thing into a fresh index, in chunks: the flats of a
// chunk are built through Options.Parallel (reading the core's maps, which
// nothing writes meanwhile), then the index takes them split by field.
func (c *Core) putAll() {
	views := c.views.all()
	const chunk = 32768
	items := make([]index.Item, min(chunk, len(views)))
	for start := 0; start < len(views); start += chunk {
		part := views[start:min(start+chunk, len(views))]
		c.opts.Parallel(len(part), func(lo, hi int) {
			var b index.FlatBuilder
			for i := lo; i < hi; i++ {
				items[i] = index.Item{ID: part[i].ID, Flat: c.fullFlatWith(&b, part[i])}
			}
		})
		c.idx.ix.PutNew(items[:len(part)])
	}
}
