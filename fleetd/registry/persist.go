package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Record keys. Every entity is one record; "registry/meta" holds the
// counters that make generated ids and creation order continue where they
// stopped.
const (
	metaKey            = "registry/meta"
	thingPrefix        = "thing/"
	thingTypePrefix    = "thingtype/"
	thingGroupPrefix   = "thinggroup/"
	billingGroupPrefix = "billinggroup/"
)

func thingKey(name string) string        { return thingPrefix + name }
func thingTypeKey(name string) string    { return thingTypePrefix + name }
func thingGroupKey(name string) string   { return thingGroupPrefix + name }
func billingGroupKey(name string) string { return billingGroupPrefix + name }

// recordFormat versions the record layout.
const recordFormat = 1

type metaRecord struct {
	Format      int    `json:"format"`
	UUIDCounter uint64 `json:"uuidCounter"`
	GroupSeq    uint64 `json:"groupSeq"`
}

type thingRecord struct {
	Name       string            `json:"thingName"`
	ID         string            `json:"thingId"`
	Dense      uint32            `json:"denseId"`
	Type       string            `json:"thingTypeName,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Version    int64             `json:"version"`
	Billing    string            `json:"billingGroupName,omitempty"`
	Groups     []string          `json:"thingGroupNames,omitempty"` // direct, static and dynamic
}

type thingTypeRecord struct {
	Name            string              `json:"thingTypeName"`
	ID              string              `json:"thingTypeId"`
	Properties      ThingTypeProperties `json:"thingTypeProperties"`
	Tags            []Tag               `json:"tags,omitempty"`
	Deprecated      bool                `json:"deprecated,omitempty"`
	DeprecationDate time.Time           `json:"deprecationDate,omitzero"`
	Created         time.Time           `json:"creationDate"`
}

type thingGroupRecord struct {
	Name         string            `json:"thingGroupName"`
	ID           string            `json:"thingGroupId"`
	Parent       string            `json:"parentGroupName,omitempty"`
	Description  string            `json:"thingGroupDescription,omitempty"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	Tags         []Tag             `json:"tags,omitempty"`
	Version      int64             `json:"version"`
	Created      time.Time         `json:"creationDate"`
	Seq          uint64            `json:"seq"`
	Dynamic      bool              `json:"dynamic,omitempty"`
	IndexName    string            `json:"indexName,omitempty"`
	QueryString  string            `json:"queryString,omitempty"`
	QueryVersion string            `json:"queryVersion,omitempty"`
	Status       string            `json:"status,omitempty"`
}

type billingGroupRecord struct {
	Name        string    `json:"billingGroupName"`
	ID          string    `json:"billingGroupId"`
	Description string    `json:"billingGroupDescription,omitempty"`
	Tags        []Tag     `json:"tags,omitempty"`
	Version     int64     `json:"version"`
	Created     time.Time `json:"creationDate"`
}

// Record returns the current value of a record as compact JSON, or false
// when the record does not exist (deleted, or never written).
func (r *Registry) Record(key string) ([]byte, bool) {
	var v any
	switch {
	case key == metaKey:
		v = metaRecord{Format: recordFormat, UUIDCounter: r.uuidCounter, GroupSeq: r.groupSeq}
	case strings.HasPrefix(key, thingPrefix):
		t, ok := r.things[key[len(thingPrefix):]]
		if !ok {
			return nil, false
		}
		v = thingRecord{Name: t.name, ID: t.id.String(), Dense: t.dense, Type: t.typeName, Attributes: t.attrs.Map(),
			Version: t.version, Billing: t.billing, Groups: t.groups}
	case strings.HasPrefix(key, thingTypePrefix):
		tt, ok := r.types[key[len(thingTypePrefix):]]
		if !ok {
			return nil, false
		}
		v = thingTypeRecord{Name: tt.name, ID: tt.id.String(), Properties: tt.props, Tags: tt.tags,
			Deprecated: tt.deprecated, DeprecationDate: tt.deprecationDate, Created: tt.created}
	case strings.HasPrefix(key, thingGroupPrefix):
		g, ok := r.groups[key[len(thingGroupPrefix):]]
		if !ok {
			return nil, false
		}
		v = thingGroupRecord{Name: g.name, ID: g.id.String(), Parent: g.parent, Description: g.description,
			Attributes: g.attrs, Tags: g.tags, Version: g.version, Created: g.created, Seq: g.seq, Dynamic: g.dynamic,
			IndexName: g.indexName, QueryString: g.queryString, QueryVersion: g.queryVersion, Status: g.status}
	case strings.HasPrefix(key, billingGroupPrefix):
		b, ok := r.billing[key[len(billingGroupPrefix):]]
		if !ok {
			return nil, false
		}
		v = billingGroupRecord{Name: b.name, ID: b.id.String(), Description: b.description, Tags: b.tags,
			Version: b.version, Created: b.created}
	default:
		return nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("registry: encoding %s: %v", key, err)) // plain data: cannot fail
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
}

// Keys returns every record key that exists, sorted.
func (r *Registry) Keys() []string {
	keys := make([]string, 0, 1+len(r.things)+len(r.types)+len(r.groups)+len(r.billing))
	keys = append(keys, metaKey)
	for n := range r.things {
		keys = append(keys, thingKey(n))
	}
	for n := range r.types {
		keys = append(keys, thingTypeKey(n))
	}
	for n := range r.groups {
		keys = append(keys, thingGroupKey(n))
	}
	for n := range r.billing {
		keys = append(keys, billingGroupKey(n))
	}
	slices.Sort(keys)
	return keys
}

// Restore loads one record into a registry fresh from New, in any order.
// Call FinishRestore after the last one. Errors are store corruption, not
// client errors.
func (r *Registry) Restore(key string, value []byte) error {
	d, err := DecodeRecord(key, value)
	if err != nil {
		return err
	}
	return r.ApplyRecord(d)
}

// Decoded is a record decoded by DecodeRecord, ready for ApplyRecord.
type Decoded struct {
	meta    *metaRecord
	thing   *thing
	ttype   *thingType
	group   *group
	billing *billingGroup
}

// DecodeRecord decodes and checks one record without touching any
// registry, so a restore can decode on several goroutines and apply on one.
func DecodeRecord(key string, value []byte) (Decoded, error) {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	bad := func(err error) error { return fmt.Errorf("registry: record %s: %w", key, err) }
	named := func(name, prefix string) error {
		if key != prefix+name {
			return bad(fmt.Errorf("holds %q", name))
		}
		return nil
	}
	var d Decoded
	switch {
	case key == metaKey:
		var m metaRecord
		if err := dec.Decode(&m); err != nil {
			return d, bad(err)
		}
		if m.Format != recordFormat {
			return d, bad(fmt.Errorf("format %d, want %d", m.Format, recordFormat))
		}
		d.meta = &m
	case strings.HasPrefix(key, thingPrefix):
		var rec thingRecord
		if err := dec.Decode(&rec); err != nil {
			return d, bad(err)
		}
		if err := named(rec.Name, thingPrefix); err != nil {
			return d, err
		}
		id, err := ParseUUID(rec.ID)
		if err != nil {
			return d, bad(err)
		}
		groups := slices.Clone(rec.Groups)
		slices.Sort(groups)
		if len(slices.Compact(groups)) != len(rec.Groups) {
			return d, bad(errors.New("duplicate thing groups"))
		}
		d.thing = &thing{name: rec.Name, id: id, dense: rec.Dense, typeName: rec.Type,
			attrs: attrsOf(rec.Attributes), version: rec.Version, billing: rec.Billing, groups: nilIfEmptySlice(groups)}
	case strings.HasPrefix(key, thingTypePrefix):
		var rec thingTypeRecord
		if err := dec.Decode(&rec); err != nil {
			return d, bad(err)
		}
		if err := named(rec.Name, thingTypePrefix); err != nil {
			return d, err
		}
		id, err := ParseUUID(rec.ID)
		if err != nil {
			return d, bad(err)
		}
		d.ttype = &thingType{name: rec.Name, id: id, props: normTypeProps(&rec.Properties), tags: rec.Tags,
			deprecated: rec.Deprecated, deprecationDate: restoredTime(rec.DeprecationDate), created: restoredTime(rec.Created)}
	case strings.HasPrefix(key, thingGroupPrefix):
		var rec thingGroupRecord
		if err := dec.Decode(&rec); err != nil {
			return d, bad(err)
		}
		if err := named(rec.Name, thingGroupPrefix); err != nil {
			return d, err
		}
		id, err := ParseUUID(rec.ID)
		if err != nil {
			return d, bad(err)
		}
		d.group = &group{name: rec.Name, id: id, parent: rec.Parent, description: rec.Description,
			attrs: nilIfEmpty(rec.Attributes), tags: rec.Tags, version: rec.Version, created: restoredTime(rec.Created),
			seq: rec.Seq, dynamic: rec.Dynamic, indexName: rec.IndexName, queryString: rec.QueryString,
			queryVersion: rec.QueryVersion, status: rec.Status}
	case strings.HasPrefix(key, billingGroupPrefix):
		var rec billingGroupRecord
		if err := dec.Decode(&rec); err != nil {
			return d, bad(err)
		}
		if err := named(rec.Name, billingGroupPrefix); err != nil {
			return d, err
		}
		id, err := ParseUUID(rec.ID)
		if err != nil {
			return d, bad(err)
		}
		d.billing = &billingGroup{name: rec.Name, id: id, description: rec.Description, tags: rec.Tags,
			version: rec.Version, created: restoredTime(rec.Created)}
	default:
		return d, fmt.Errorf("registry: unknown record key %q", key)
	}
	if dec.More() {
		return d, bad(errors.New("trailing data"))
	}
	return d, nil
}

// ApplyRecord adds a decoded record to a registry fresh from New.
func (r *Registry) ApplyRecord(d Decoded) error {
	if r.restored {
		return errors.New("registry: Restore after FinishRestore")
	}
	switch {
	case d.meta != nil:
		r.uuidCounter, r.groupSeq = d.meta.UUIDCounter, d.meta.GroupSeq
		r.sawMeta = true
	case d.thing != nil:
		r.things[d.thing.name] = d.thing
	case d.ttype != nil:
		r.types[d.ttype.name] = d.ttype
	case d.group != nil:
		r.groups[d.group.name] = d.group
	case d.billing != nil:
		r.billing[d.billing.name] = d.billing
	}
	return nil
}

// FinishRestore checks the restored records against each other and
// rebuilds the derived indexes: dense ids and their free list, the things
// of each thing type, group children, group and billing-group members. It
// forgets the restore as changes: the first DrainChanges after it reports
// only what happens next, so the core indexes every thing itself (Things).
func (r *Registry) FinishRestore() error {
	if r.restored {
		return errors.New("registry: FinishRestore called twice")
	}
	if !r.sawMeta && len(r.things)+len(r.types)+len(r.groups)+len(r.billing) > 0 {
		return fmt.Errorf("registry: records without %s", metaKey)
	}

	r.dynamicCount = 0
	for _, g := range r.groups {
		g.children = make(map[string]struct{})
		g.members = nameSet{}
		if g.seq == 0 || g.seq > r.groupSeq {
			return fmt.Errorf("registry: thing group %s has sequence %d outside 1..%d", g.name, g.seq, r.groupSeq)
		}
		if g.dynamic {
			r.dynamicCount++
		}
	}
	for _, g := range r.groups {
		if g.parent == "" {
			continue
		}
		p := r.groups[g.parent]
		if p == nil || p.dynamic {
			return fmt.Errorf("registry: thing group %s has parent %s, which is not a static thing group", g.name, g.parent)
		}
		if g.dynamic {
			return fmt.Errorf("registry: dynamic thing group %s has a parent", g.name)
		}
		p.children[g.name] = struct{}{}
	}
	for _, g := range r.groups {
		depth := 1
		for h := g; h.parent != ""; h = r.groups[h.parent] {
			if depth++; depth > len(r.groups) {
				return fmt.Errorf("registry: thing group %s is in a parent cycle", g.name)
			}
		}
	}
	for _, tt := range r.types {
		tt.things = nameSet{}
	}
	for _, b := range r.billing {
		b.members = nameSet{}
	}

	r.slab = thingSlab{}
	for name, decoded := range r.things {
		if other := r.slab.at(decoded.dense); other != nil {
			return fmt.Errorf("registry: things %s and %s share dense id %d", other.name, name, decoded.dense)
		}
		t := r.slab.put(*decoded)
		r.things[name] = t
		if t.typeName != "" {
			tt := r.types[t.typeName]
			if tt == nil {
				return fmt.Errorf("registry: thing %s has unknown thing type %s", t.name, t.typeName)
			}
			tt.things.add(t.name)
			t.typeName = tt.name // as with groups below: one string per type, not per thing
		}
		if t.billing != "" {
			b := r.billing[t.billing]
			if b == nil {
				return fmt.Errorf("registry: thing %s is in unknown billing group %s", t.name, t.billing)
			}
			b.members.add(t.name)
			t.billing = b.name
		}
		for i, n := range t.groups {
			g := r.groups[n]
			if g == nil {
				return fmt.Errorf("registry: thing %s is in unknown thing group %s", t.name, n)
			}
			g.members.add(t.name)
			t.groups[i] = g.name // the group's own string, not one decoded per thing
		}
		t.groups = r.share.names(t.groups)
		r.refreshGroupNames(t)
		t.attrs = r.share.attrs(t.attrs)
	}
	r.free = nil
	for id := range r.slab.bound {
		if r.slab.at(id) == nil {
			r.free = append(r.free, id) // ascending: already a heap
		}
	}
	r.thingOrder = sortedView{}
	r.ch = newChangeLog()
	r.restored = true
	return nil
}

func restoredTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return norm(t)
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nilIfEmptySlice(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
