package core

import (
	"errors"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index"
)

// thingShadows are the shadows of one thing name (registered or not: AWS
// accepts shadows of unregistered things and does not index them).
type thingShadows struct {
	thing   string // the thing's name, shared with the map's key
	classic shadow.Doc
	named   map[string]*shadow.Doc
	// idPlus1 caches the dense id of the registered thing of this name,
	// plus one (0: look it up). At a million things the lookup's cache
	// misses cost more than the update's own work. Every change the
	// registry reports for the thing resets it (forgetThingID): a thing
	// deleted and made again gets another id.
	idPlus1 uint32
}

// Source says where a shadow request came from. MQTT requests get their
// /rejected answers published; HTTP ones get them as the error.
type Source int

const (
	FromHTTP Source = iota
	FromMQTT
)

func shadowTopic(thing, name string) string {
	if name == "" {
		return "$aws/things/" + thing + "/shadow"
	}
	return "$aws/things/" + thing + "/shadow/name/" + name
}

func (c *Core) shadowDoc(thing, name string) *shadow.Doc {
	ts := c.shadows[thing]
	if ts == nil {
		return nil
	}
	if name == "" {
		return &ts.classic
	}
	return ts.named[name]
}

// shadowSlot returns the document of a shadow, creating its slot.
func (c *Core) shadowSlot(thing, name string) *shadow.Doc {
	_, d := c.shadowSlotOf(thing, name)
	return d
}

// shadowSlotOf returns a thing's shadows and the document of one of them,
// creating their slots.
func (c *Core) shadowSlotOf(thing, name string) (*thingShadows, *shadow.Doc) {
	ts := c.shadows[thing]
	if ts == nil {
		ts = c.shadowChunks.new()
		ts.thing = thing
		c.shadows[thing] = ts
	}
	return ts, c.shadowSlotIn(ts, name)
}

// shadowSlotIn returns the document of one of a thing's shadows, creating
// its slot.
func (c *Core) shadowSlotIn(ts *thingShadows, name string) *shadow.Doc {
	if name == "" {
		return &ts.classic
	}
	if ts.named == nil {
		ts.named = map[string]*shadow.Doc{}
	}
	d := ts.named[name]
	if d == nil {
		d = c.namedChunks.new()
		ts.named[name] = d
	}
	return d
}

// ShadowHandle refers to one thing's shadows, for a driver that updates
// the same things' shadows again and again (the simulator): an update
// through it spares the lookup by name, a cache miss or two at a million
// things. A handle stays valid for the core's life: a thing's shadows are
// never dropped (deleting the thing leaves them, as on AWS). The zero
// handle refers to nothing.
type ShadowHandle struct{ ts *thingShadows }

// ShadowHandle returns the handle of a thing's shadows, whether or not any
// exists yet.
func (c *Core) ShadowHandle(thing string) (ShadowHandle, error) {
	if err := validShadowName(thing, ""); err != nil {
		return ShadowHandle{}, err
	}
	ts, _ := c.shadowSlotOf(thing, "")
	return ShadowHandle{ts}, nil
}

// UpdateThingShadowVia is UpdateThingShadow for the thing of handle h.
func (c *Core) UpdateThingShadowVia(now time.Time, src Source, h ShadowHandle, name string, payload []byte) ([]byte, error) {
	if h.ts == nil {
		return nil, errors.New("core: UpdateThingShadowVia: zero ShadowHandle")
	}
	return c.updateThingShadow(now, src, h.ts, h.ts.thing, name, payload)
}

// UpdateThingShadow applies an update request to the classic shadow (name
// "") or a named shadow, publishes /update/accepted, /update/documents and
// /update/delta when due (or /update/rejected for an MQTT request), and
// returns the accepted document (nil for an MQTT request whose
// /update/accepted nobody hears). Nothing of payload is kept: the caller
// may reuse it.
func (c *Core) UpdateThingShadow(now time.Time, src Source, thing, name string, payload []byte) ([]byte, error) {
	return c.updateThingShadow(now, src, nil, thing, name, payload)
}

// updateThingShadow is UpdateThingShadow with the thing's shadows when the
// caller has them (ts, else nil).
func (c *Core) updateThingShadow(now time.Time, src Source, ts *thingShadows, thing, name string, payload []byte) ([]byte, error) {
	// A thing with shadows already had its name checked.
	valid := validShadowName
	if ts != nil {
		valid = validNamedShadowOf
	}
	if err := valid(thing, name); err != nil {
		return nil, c.rejectShadow(now, src, shadowTopic(thing, name)+"/update", payload, err)
	}
	var slot *shadow.Doc
	if ts != nil {
		slot = c.shadowSlotIn(ts, name)
	} else {
		ts, slot = c.shadowSlotOf(thing, name)
	}
	acceptedHeard := c.shadowHeard(thing, name, "/update/accepted")
	want := shadow.AllPayloads
	if src != FromHTTP && !acceptedHeard {
		want &^= shadow.PayloadAccepted // the HTTP response is the accepted document
	}
	if !c.shadowHeard(thing, name, "/update/documents") {
		want &^= shadow.PayloadDocuments
	}
	if !c.shadowHeard(thing, name, "/update/delta") {
		want &^= shadow.PayloadDelta
	}
	u, err := shadow.ApplyUpdateFor(*slot, payload, now, c.opts.Shadow, want, &c.shadowScratch)
	if err != nil {
		return nil, c.rejectShadow(now, src, shadowTopic(thing, name)+"/update", payload, err)
	}
	before := *slot
	*slot = u.Doc
	if !c.opts.Ephemeral {
		c.markDirty(keyShadow(thing, name))
	}
	if publishAccepted := u.Accepted != nil && acceptedHeard; publishAccepted || u.Documents != nil || u.Delta != nil {
		topic := shadowTopic(thing, name)
		if publishAccepted {
			c.publish(topic+"/update/accepted", u.Accepted)
		}
		if u.Documents != nil {
			c.publish(topic+"/update/documents", u.Documents)
		}
		if u.Delta != nil {
			c.publish(topic+"/update/delta", u.Delta)
		}
	}
	c.event(Event{Time: now, Kind: EventShadowUpdated, Thing: thing, Detail: name})
	// Only what the request wrote (values and metadata timestamps at its
	// paths) and the delta, which depends on both sections, can have
	// changed fields; a shadow that did not exist before is indexed whole.
	if !before.Exists() {
		c.shadowChangedParts(now, thing, name, &before, slot, shadow.PartsAll)
		return u.Accepted, nil
	}
	if id, ok := c.shadowIndexedIn(ts, thing, name); ok {
		t := u.Touched()
		if c.deferShadowChange(id, name, &before, slot, t) {
			return u.Accepted, nil
		}
		prefix := shadowPrefix(name)
		addShadowTouched(&c.flatBuf, prefix, &before, t)
		mark := c.flatBuf.Mark()
		addShadowTouched(&c.flatBuf, prefix, slot, t)
		if ch := c.flatBuf.FinishChange(mark, &c.changes); ch.Old != nil {
			c.enqueue(now, indexOp{thing: thing, id: id, old: ch.Old, new: ch.New, change: ch})
		}
	}
	return u.Accepted, nil
}

// GetThingShadow returns a shadow document (publishing /get/accepted or
// /get/rejected for an MQTT request).
func (c *Core) GetThingShadow(now time.Time, src Source, thing, name string, payload []byte) ([]byte, error) {
	topic := shadowTopic(thing, name)
	if err := validShadowName(thing, name); err != nil {
		return nil, c.rejectShadow(now, src, topic+"/get", payload, err)
	}
	d := c.shadowDoc(thing, name)
	if d == nil {
		d = &shadow.Doc{}
	}
	out, err := shadow.Get(*d, shadowLabel(thing, name), payload, now)
	if err != nil {
		return nil, c.rejectShadow(now, src, topic+"/get", payload, err)
	}
	if src == FromMQTT {
		c.publish(topic+"/get/accepted", out)
	}
	return out, nil
}

// DeleteThingShadow deletes a shadow; its version carries on at the next
// update.
func (c *Core) DeleteThingShadow(now time.Time, src Source, thing, name string, payload []byte) ([]byte, error) {
	topic := shadowTopic(thing, name)
	if err := validShadowName(thing, name); err != nil {
		return nil, c.rejectShadow(now, src, topic+"/delete", payload, err)
	}
	d := c.shadowDoc(thing, name)
	if d == nil {
		d = &shadow.Doc{}
	}
	nd, out, err := shadow.Delete(*d, shadowLabel(thing, name), payload, now)
	if err != nil {
		return nil, c.rejectShadow(now, src, topic+"/delete", payload, err)
	}
	before := *d
	slot := c.shadowSlot(thing, name)
	*slot = nd
	c.markDirty(keyShadow(thing, name))
	c.publish(topic+"/delete/accepted", out)
	c.shadowChanged(now, thing, name, &before, slot)
	return out, nil
}

// ListNamedShadowsForThingResponse is the iot-data ListNamedShadowsForThing
// response.
type ListNamedShadowsForThingResponse struct {
	Results   []string `json:"results"`
	NextToken string   `json:"nextToken,omitempty"`
	Timestamp int64    `json:"timestamp"`
}

// ListNamedShadowsForThing lists the existing named shadows of a thing in
// name order (an unknown thing has none).
func (c *Core) ListNamedShadowsForThing(now time.Time, thing, nextToken string, pageSize int) (ListNamedShadowsForThingResponse, error) {
	if pageSize == 0 {
		pageSize = 100
	}
	if pageSize < 1 || pageSize > 100 {
		return ListNamedShadowsForThingResponse{}, awserr.New(awserr.InvalidRequest, "pageSize must be between 1 and 100")
	}
	var names []string
	if ts := c.shadows[thing]; ts != nil {
		for n, d := range ts.named {
			if d.Exists() && n > nextToken {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	resp := ListNamedShadowsForThingResponse{Results: []string{}, Timestamp: now.Unix()}
	if len(names) > pageSize {
		names = names[:pageSize]
		resp.NextToken = names[pageSize-1]
	}
	resp.Results = append(resp.Results, names...)
	return resp, nil
}

func shadowLabel(thing, name string) string {
	if name == "" {
		return thing
	}
	return name
}

func validShadowName(thing, name string) error {
	if thing == "" || len(thing) > 128 {
		return awserr.New(awserr.InvalidRequest, "Invalid thing name")
	}
	for _, r := range thing { // the iot-data model's [a-zA-Z0-9:_-]+
		if !(r == ':' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return awserr.New(awserr.InvalidRequest, "Invalid thing name")
		}
	}
	return validNamedShadowOf(thing, name)
}

// validNamedShadowOf checks a shadow's name, for a thing whose name is
// known to be valid.
func validNamedShadowOf(_, name string) error {
	if len(name) > 64 {
		return awserr.New(awserr.InvalidRequest, "Invalid shadow name")
	}
	for _, r := range name {
		if !(r == '$' || r == ':' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return awserr.New(awserr.InvalidRequest, "Invalid shadow name")
		}
	}
	return nil
}

// rejectShadow publishes the /rejected answer of an MQTT request and
// returns the error.
func (c *Core) rejectShadow(now time.Time, src Source, topic string, payload []byte, err error) error {
	if src == FromMQTT {
		c.publish(topic+"/rejected", shadow.RejectedPayload(err, shadow.ClientToken(payload), now))
		c.event(Event{Time: now, Kind: EventShadowRejected, Detail: err.Error()})
	}
	return err
}

// shadowChanged re-indexes the shadow's fields of a registered thing.
func (c *Core) shadowChanged(now time.Time, thing, name string, before, after *shadow.Doc) {
	c.shadowChangedParts(now, thing, name, before, after, shadow.PartsAll)
}

// shadowChangedParts re-indexes the given sections of a shadow: the index
// diffs only fields present in the old or new flat, so leaving out a
// section that did not change leaves its postings as they are.
func (c *Core) shadowChangedParts(now time.Time, thing, name string, before, after *shadow.Doc, parts shadow.Parts) {
	id, ok := c.shadowIndexed(thing, name)
	if !ok {
		return
	}
	c.enqueue(now, indexOp{thing: thing, id: id, old: c.shadowFlatParts(&c.flatBuf, name, before, parts), new: c.shadowFlatParts(&c.flatBuf, name, after, parts)})
}

// shadowIndexed returns the dense id of a registered thing whose shadow
// the index covers.
func (c *Core) shadowIndexed(thing, name string) (uint32, bool) {
	id, ok := c.reg.ThingID(thing)
	return c.shadowIndexedAs(id, ok, name)
}

// shadowIndexedIn is shadowIndexed for a thing whose shadows are at hand,
// with their cached dense id.
func (c *Core) shadowIndexedIn(ts *thingShadows, thing, name string) (uint32, bool) {
	if ts.idPlus1 != 0 {
		return c.shadowIndexedAs(ts.idPlus1-1, true, name)
	}
	id, ok := c.reg.ThingID(thing)
	ts.idPlus1 = 0
	if ok {
		ts.idPlus1 = id + 1
	}
	return c.shadowIndexedAs(id, ok, name)
}

// forgetThingID drops the dense id cached with a thing's shadows, for
// every change the registry reports for the thing.
func (c *Core) forgetThingID(thing string) {
	if ts := c.shadows[thing]; ts != nil {
		ts.idPlus1 = 0
	}
}

// shadowIndexedAs is shadowIndexed for a thing registered (ok) as id.
func (c *Core) shadowIndexedAs(id uint32, ok bool, name string) (uint32, bool) {
	if !ok || !c.idx.on() || c.idx.icfg.ThingIndexingMode != "REGISTRY_AND_SHADOW" {
		return 0, false
	}
	if name != "" && !c.namedShadowIndexed(name) {
		return 0, false
	}
	return id, true
}

func (c *Core) namedShadowIndexed(name string) bool {
	cfg := c.idx.icfg
	if cfg.NamedShadowIndexingMode != "ON" {
		return false
	}
	return cfg.Filter == nil || cfg.Filter.NamedShadowNames == nil || slices.Contains(cfg.Filter.NamedShadowNames, name)
}

// shadowFlat flattens one shadow's fields for the index, walking the
// document directly (no intermediate maps: this runs twice per update).
func (c *Core) shadowFlat(b *index.FlatBuilder, name string, d *shadow.Doc) index.Flat {
	return c.shadowFlatParts(b, name, d, shadow.PartsAll)
}

// shadowFlatParts flattens some sections of a shadow (see shadowChangedParts).
func (c *Core) shadowFlatParts(b *index.FlatBuilder, name string, d *shadow.Doc, parts shadow.Parts) index.Flat {
	if d == nil || !d.Exists() {
		return nil
	}
	prefix := "shadow."
	if name != "" {
		prefix = "shadow.name." + name + "."
	}
	d.WalkIndexParts(prefix, parts, func(path []byte, l shadow.Leaf) {
		var v index.Value
		switch l.Kind {
		case shadow.LeafString:
			v = index.StringValue(l.Str)
		case shadow.LeafNumber:
			v = index.NumberValue(l.Num)
		default:
			v = index.BoolValue(l.Bool)
		}
		b.AddBytes(path, v)
	})
	return b.Finish()
}

// classicPrefix is the index fields' prefix of the classic shadow.
const classicPrefix = "shadow."

// shadowPrefix is the index fields' prefix of a shadow.
func shadowPrefix(name string) string {
	if name == "" {
		return classicPrefix
	}
	return "shadow.name." + name + "."
}

// addShadowTouched adds to b the index fields of a shadow under prefix at
// the paths an update touched (shadow.Doc.WalkIndexTouched); nothing for a
// shadow that does not exist.
func addShadowTouched(b *index.FlatBuilder, prefix string, d *shadow.Doc, t shadow.Touched) {
	if d == nil || !d.Exists() {
		return
	}
	d.WalkIndexTouched(prefix, t, func(path []byte, l shadow.Leaf) { b.AddBytes(path, leafValue(l)) })
}

func leafValue(l shadow.Leaf) index.Value {
	switch l.Kind {
	case shadow.LeafString:
		return index.StringValue(l.Str)
	case shadow.LeafNumber:
		return index.NumberValue(l.Num)
	}
	return index.BoolValue(l.Bool)
}

// shadowObject is the shadow of a thing as the index and SearchIndex see
// it: the classic shadow's sections, and the indexed named shadows under
// "name". Nil when the thing has no shadow the index covers.
func (c *Core) shadowObject(thing string) map[string]any {
	ts := c.shadows[thing]
	if ts == nil {
		return nil
	}
	obj := indexObject(&ts.classic)
	named := map[string]any{}
	for n, d := range ts.named {
		if o := indexObject(d); o != nil && c.namedShadowIndexed(n) {
			named[n] = o
		}
	}
	if len(named) > 0 {
		if obj == nil {
			obj = map[string]any{}
		}
		obj["name"] = named
	}
	return obj
}

// indexObject is one shadow as the index reads it: desired, reported,
// metadata and version (the delta is computed by the index).
func indexObject(d *shadow.Doc) map[string]any {
	if d == nil || !d.Exists() {
		return nil
	}
	return d.IndexObject()
}
