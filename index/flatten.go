package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetlab/fleetlab/index/query"
)

// Kind is the type of one indexed value.
type Kind uint8

const (
	KindString Kind = iota
	KindNumber
	KindBool
)

// Value is one value of a field. A registry attribute is a string whose
// text may also parse as a number; then Numeric is set and Num holds it, and
// the value matches both as a string and as a number.
type Value struct {
	Kind    Kind
	Numeric bool
	Bool    bool
	Num     float64
	Str     string
}

// String returns the value as text (numbers in their shortest form).
func (v Value) String() string {
	switch v.Kind {
	case KindNumber:
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.Bool)
	}
	return v.Str
}

// StringValue, NumberValue and BoolValue build values.
func StringValue(s string) Value  { return Value{Kind: KindString, Str: s} }
func NumberValue(f float64) Value { return Value{Kind: KindNumber, Num: f} }
func BoolValue(b bool) Value      { return Value{Kind: KindBool, Bool: b} }

// AttributeValue is a registry attribute's value: a string that is also a
// number when its text is one.
func AttributeValue(s string) Value { return attributeValue(s) }

func attributeValue(s string) Value {
	v := Value{Kind: KindString, Str: s}
	if f, ok := query.ParseNumber(s); ok {
		v.Numeric, v.Num = true, f
	}
	return v
}

// FieldValues is a field and its values (more than one for arrays).
type FieldValues struct {
	Field  string
	Values []Value
}

// Flat is a thing document flattened into dotted fields, sorted by field
// name. It is what the index stores and what the single-document evaluator
// reads.
type Flat []FieldValues

// Get returns the values of a field, or nil.
func (f Flat) Get(field string) []Value {
	i, ok := slices.BinarySearchFunc(f, field, func(fv FieldValues, name string) int {
		return strings.Compare(fv.Field, name)
	})
	if !ok {
		return nil
	}
	return f[i].Values
}

// Flatten turns a document into its indexed fields under cfg: registry
// always; shadow, named shadows, connectivity and Device Defender when the
// configuration indexes them. A shadow without delta gets one computed from
// desired and reported, and hasDelta from that.
func Flatten(d *Document, cfg Config) (Flat, error) {
	b := flatBuilder{}
	if d.ThingName != "" {
		b.add("thingName", StringValue(d.ThingName))
	}
	if d.ThingID != "" {
		b.add("thingId", StringValue(d.ThingID))
	}
	if d.ThingTypeName != "" {
		b.add("thingTypeName", StringValue(d.ThingTypeName))
	}
	for _, g := range d.ThingGroupNames {
		b.add("thingGroupNames", StringValue(g))
	}
	for k, v := range d.Attributes {
		b.add("attributes."+k, attributeValue(v))
	}
	if d.RegistryVersion != 0 {
		b.add("registry.version", NumberValue(float64(d.RegistryVersion)))
	}
	if cfg.shadowOn() && (len(d.Shadow) > 0 || d.ShadowObject != nil) {
		shadow := d.ShadowObject
		if shadow == nil {
			var err error
			if shadow, err = decodeObject(d.Shadow); err != nil {
				return nil, fmt.Errorf("thing %s: shadow: %w", d.ThingName, err)
			}
		}
		if hasClassicShadow(shadow) {
			b.shadow("shadow", shadow)
		}
		if shadow != nil {
			if names, ok := shadow["name"].(map[string]any); ok {
				for name, s := range names {
					if so, ok := s.(map[string]any); ok && cfg.namedShadowIncluded(name) {
						b.shadow("shadow.name."+name, so)
					}
				}
			}
		}
	}
	if cfg.connectivityOn() && d.Connectivity != nil {
		b.connectivity(d.Connectivity)
	}
	if cfg.defenderOn() && len(d.DeviceDefender) > 0 {
		dd, err := decodeObject(d.DeviceDefender)
		if err != nil {
			return nil, fmt.Errorf("thing %s: deviceDefender: %w", d.ThingName, err)
		}
		b.object("deviceDefender", dd)
	}
	return b.finish(), nil
}

// hasClassicShadow reports whether the shadow object holds a classic
// shadow: any key besides "name", which holds the named shadows.
func hasClassicShadow(s map[string]any) bool {
	for k := range s {
		if k != "name" {
			return true
		}
	}
	return false
}

// decodeObject accepts a JSON object, or a JSON string holding one (the
// form SearchIndex returns), or null.
func decodeObject(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		raw = []byte(s)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch o := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return o, nil
	}
	return nil, fmt.Errorf("expected a JSON object")
}

// FlatBuilder assembles a Flat from (field, value) pairs in any order, for
// callers that walk their own data instead of handing Flatten a Document.
type FlatBuilder struct {
	flatBuilder
	names map[string]string // interned field names for AddBytes
}

// Add adds one value of a field.
func (b *FlatBuilder) Add(field string, v Value) { b.add(field, v) }

// maxInterned bounds the interned names: a fleet's field names are a
// schema, but a builder fed arbitrary names must not grow without end.
const maxInterned = 1 << 16

// AddBytes adds one value of a field named by a byte slice the caller may
// reuse afterwards. Names are interned, so a walker that rebuilds the same
// paths on every update (the shadow's) allocates no string for them.
func (b *FlatBuilder) AddBytes(field []byte, v Value) {
	name, ok := b.names[string(field)] // no allocation for the lookup
	if !ok {
		name = string(field)
		if b.names == nil {
			b.names = map[string]string{}
		}
		if len(b.names) < maxInterned {
			b.names[name] = name
		}
	}
	b.add(name, v)
}

// Finish returns the Flat and resets the builder.
func (b *FlatBuilder) Finish() Flat {
	f := b.finish()
	b.pairs = b.pairs[:0]
	return f
}

// Mark returns where the builder stands, to split what was added before
// it from what comes after (FinishChange).
func (b *FlatBuilder) Mark() int { return len(b.pairs) }

// FinishChange returns what was added before mark as Old and after it as
// New, leaving out every field whose values are the same in both (Put
// skips those anyway: a shadow update's delta flag rarely moves). Both are
// nil when nothing changed, else both non-nil (possibly empty). The two
// flats share one allocation of values and one of fields, drawn from pool
// (allocated when pool is nil; Index.PutChange hands it back). The
// builder is reset.
func (b *FlatBuilder) FinishChange(mark int, pool *ChangePool) Change {
	var old, new Flat
	before, after := b.pairs[:mark], b.pairs[mark:]
	byField := func(x, y pair) int { return strings.Compare(x.field, y.field) }
	slices.SortStableFunc(before, byField)
	slices.SortStableFunc(after, byField)
	var values []Value
	var fields Flat
	counting := true
	nValues, nOld, nNew := 0, 0, 0
	keep := func(g []pair, isOld bool) {
		if counting {
			nValues += len(g)
			if isOld {
				nOld++
			} else {
				nNew++
			}
			return
		}
		start := len(values)
		for _, p := range g {
			values = append(values, p.value)
		}
		fv := FieldValues{Field: g[0].field, Values: values[start:len(values):len(values)]}
		if isOld {
			old = append(old, fv)
		} else {
			new = append(new, fv)
		}
	}
	walk := func() {
		i, j := 0, 0
		for i < len(before) || j < len(after) {
			ei, ej := groupEnd(before, i), groupEnd(after, j)
			switch {
			case j == len(after) || (i < len(before) && before[i].field < after[j].field):
				keep(before[i:ei], true)
				i = ei
			case i == len(before) || after[j].field < before[i].field:
				keep(after[j:ej], false)
				j = ej
			default:
				if !samePairValues(before[i:ei], after[j:ej]) {
					keep(before[i:ei], true)
					keep(after[j:ej], false)
				}
				i, j = ei, ej
			}
		}
	}
	walk()
	var storage *changeStorage
	if nOld+nNew > 0 {
		counting = false
		if pool != nil {
			storage = pool.get(nValues, nOld+nNew)
			values, fields = storage.values[:0], storage.fields[:nOld+nNew]
		} else {
			values = make([]Value, 0, nValues)
			fields = make(Flat, nOld+nNew)
		}
		old, new = fields[:0:nOld], fields[nOld:nOld:nOld+nNew]
		walk()
	}
	b.pairs = b.pairs[:0]
	// Old and New are both nil when nothing changed; else both non-nil.
	return Change{Old: old, New: new, storage: storage}
}

// groupEnd returns the end of the run of pairs of pairs[i]'s field.
func groupEnd(pairs []pair, i int) int {
	j := i
	for j < len(pairs) && pairs[j].field == pairs[i].field {
		j++
	}
	return j
}

func samePairValues(a, b []pair) bool {
	return slices.EqualFunc(a, b, func(x, y pair) bool { return x.value == y.value })
}

type flatBuilder struct {
	pairs []pair
}

type pair struct {
	field string
	value Value
}

func (b *flatBuilder) add(field string, v Value) { b.pairs = append(b.pairs, pair{field, v}) }

func (b *flatBuilder) connectivity(c *Connectivity) {
	b.add("connectivity.connected", BoolValue(c.Connected))
	if c.Timestamp != 0 {
		b.add("connectivity.timestamp", NumberValue(float64(c.Timestamp)))
	}
	if c.DisconnectReason != "" {
		b.add("connectivity.disconnectReason", StringValue(c.DisconnectReason))
	}
}

// Connectivity flattens a thing's connectivity alone, as Flatten would
// (nothing when cfg does not index it), in the builder's reused memory: a
// device connecting or dropping is re-indexed with it.
func (b *FlatBuilder) Connectivity(c *Connectivity, cfg Config) Flat {
	if cfg.connectivityOn() && c != nil {
		b.connectivity(c)
	}
	return b.Finish()
}

// shadow flattens one shadow (classic or named) under prefix.
func (b *flatBuilder) shadow(prefix string, s map[string]any) {
	desired, _ := s["desired"].(map[string]any)
	reported, _ := s["reported"].(map[string]any)
	b.object(prefix+".desired", desired)
	b.object(prefix+".reported", reported)
	if m, ok := s["metadata"].(map[string]any); ok {
		b.object(prefix+".metadata", m)
	}
	delta, _ := s["delta"].(map[string]any)
	if s["delta"] == nil {
		delta = Delta(desired, reported)
	}
	b.object(prefix+".delta", delta)
	hasDelta := len(delta) > 0
	if h, ok := s["hasDelta"].(bool); ok {
		hasDelta = h
	}
	b.add(prefix+".hasDelta", BoolValue(hasDelta))
	if v, ok := s["version"].(float64); ok {
		b.add(prefix+".version", NumberValue(v))
	}
}

// object flattens a JSON object into dotted paths: scalars become values,
// arrays of scalars multi-valued fields; arrays holding objects or arrays,
// and nulls, are not indexed.
func (b *flatBuilder) object(prefix string, o map[string]any) {
	for k, v := range o {
		b.value(prefix+"."+k, v)
	}
}

func (b *flatBuilder) value(path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		b.object(path, x)
	case []any:
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return
			}
		}
		for _, e := range x {
			b.value(path, e)
		}
	case string:
		b.add(path, StringValue(x))
	case float64:
		b.add(path, NumberValue(x))
	case json.Number:
		if f, err := x.Float64(); err == nil {
			b.add(path, NumberValue(f))
		}
	case bool:
		b.add(path, BoolValue(x))
	}
}

func (b *flatBuilder) finish() Flat {
	slices.SortStableFunc(b.pairs, func(x, y pair) int { return strings.Compare(x.field, y.field) })
	// One backing array for every field's values: a flat is built on each
	// shadow update, so allocations count.
	values := make([]Value, len(b.pairs))
	fields := 0
	for i, p := range b.pairs {
		values[i] = p.value
		if i == 0 || b.pairs[i-1].field != p.field {
			fields++
		}
	}
	f := make(Flat, 0, fields)
	for start := 0; start < len(b.pairs); {
		end := groupEnd(b.pairs, start)
		f = append(f, FieldValues{Field: b.pairs[start].field, Values: values[start:end:end]})
		start = end
	}
	return f
}

// Delta is the shadow delta: every desired key whose value differs from
// reported, recursing into objects present on both sides; arrays are
// compared whole. It returns nil when nothing differs.
func Delta(desired, reported map[string]any) map[string]any {
	var out map[string]any
	for k, dv := range desired {
		if dv == nil {
			continue
		}
		rv, ok := reported[k]
		if do, isObj := dv.(map[string]any); isObj {
			if ro, bothObj := rv.(map[string]any); bothObj {
				if sub := Delta(do, ro); sub != nil {
					if out == nil {
						out = map[string]any{}
					}
					out[k] = sub
				}
				continue
			}
		}
		if ok && reflect.DeepEqual(dv, rv) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = dv
	}
	return out
}
