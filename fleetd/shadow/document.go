package shadow

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Doc is one stored shadow: desired and reported state with a timestamp per
// leaf, the version, and whether the shadow exists. The zero Doc is a shadow
// that was never created. A deleted shadow is a Doc that does not exist but
// keeps its version.
//
// A Doc is immutable: ApplyUpdate and Delete return new Docs that share
// the sections an update left alone with the old one, so a caller may keep
// both and read them from several goroutines. Each section present is two
// allocations whatever its size: its encoding, and its tree, whose keys and
// scalars point into the encoding (see settle).
type Doc struct {
	desired, reported *node // objects, nil when the section is absent
	version           int64
	exists            bool
	// enc holds each section's compact JSON (desired, then reported): its
	// values, then its metadata, the values ending at cut. An absent
	// section is empty.
	enc [2]string
	cut [2]int32
}

// The four encoded parts of a Doc; a part's section is part%2.
const (
	partDesired = iota
	partReported
	partMetaDesired
	partMetaReported
)

func (d Doc) part(i int) string {
	s := i % 2
	if i < partMetaDesired {
		return d.enc[s][:d.cut[s]]
	}
	return d.enc[s][d.cut[s]:]
}

// encSize is the length of the Doc's four parts together.
func (d Doc) encSize() int { return len(d.enc[0]) + len(d.enc[1]) }

// Exists reports whether the shadow exists (was created and not deleted
// since).
func (d Doc) Exists() bool { return d.exists }

// Version is the version of the last accepted update; a deleted shadow keeps
// it, and the next update continues from Version()+1.
func (d Doc) Version() int64 { return d.version }

// Desired returns the desired state as encoding/json would decode it
// (numbers are float64), or nil when there is none. It is built on each call.
func (d Doc) Desired() map[string]any { return objectAny(d.desired) }

// Reported returns the reported state like Desired.
func (d Doc) Reported() map[string]any { return objectAny(d.reported) }

// Delta returns every desired key whose value differs from reported,
// recursing into objects present on both sides (arrays compare whole,
// numbers by value), or nil when nothing differs.
func (d Doc) Delta() map[string]any {
	if d.desired == nil {
		return nil
	}
	return deltaAny(d.desired, d.reported)
}

func objectAny(n *node) map[string]any {
	if n == nil {
		return nil
	}
	return toAny(n).(map[string]any)
}

func deltaAny(des, rep *node) map[string]any {
	var out map[string]any
	for i := range des.items {
		f := &des.items[i]
		rv := lookupAt(rep, f.key, i)
		if f.kind == kObject && rv != nil && rv.kind == kObject {
			sub := deltaAny(f, rv)
			if sub == nil {
				continue
			}
			if out == nil {
				out = map[string]any{}
			}
			out[unquote(f.key)] = sub
			continue
		}
		if rv != nil && equal(f, rv) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[unquote(f.key)] = toAny(f)
	}
	return out
}

// appendDelta appends the delta of desired object des against reported
// object rep (nil when absent): the values when meta is false, their desired
// metadata when true. It appends nothing and returns false when there is no
// delta.
func appendDelta(b []byte, des, rep *node, meta bool) ([]byte, bool) {
	var st stamp
	return appendDeltaStamp(b, des, rep, meta, &st)
}

func appendDeltaStamp(b []byte, des, rep *node, meta bool, st *stamp) ([]byte, bool) {
	start := len(b)
	b = append(b, '{')
	var index map[string]*node
	if rep != nil && len(des.items) > 16 && len(rep.items) > 16 {
		index = make(map[string]*node, len(rep.items))
		for i := range rep.items {
			index[rep.items[i].key] = &rep.items[i]
		}
	}
	some := false
	for i := range des.items {
		f := &des.items[i]
		var rv *node
		if index != nil {
			rv = index[f.key]
		} else {
			rv = lookupAt(rep, f.key, i)
		}
		mark := len(b)
		if some {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		b = append(b, ':')
		switch {
		case f.kind == kObject && rv != nil && rv.kind == kObject:
			var sub bool
			if b, sub = appendDeltaStamp(b, f, rv, meta, st); !sub {
				b = b[:mark]
				continue
			}
		case rv != nil && equal(f, rv):
			b = b[:mark]
			continue
		case meta:
			b = appendMeta(b, f, st)
		default:
			b = appendValue(b, f)
		}
		some = true
	}
	if !some {
		return b[:start], false
	}
	return append(b, '}'), true
}

// appendSections appends {"desired":x,"reported":y} leaving out empty parts.
func appendSections(b []byte, x, y string) []byte {
	b = append(b, '{')
	if len(x) > 0 {
		b = append(b, `"desired":`...)
		b = append(b, x...)
	}
	if len(y) > 0 {
		if len(x) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"reported":`...)
		b = append(b, y...)
	}
	return append(b, '}')
}

// sectionsSize is the length appendSections appends.
func sectionsSize(x, y int) int {
	n := 2
	if x > 0 {
		n += len(`"desired":`) + x
	}
	if y > 0 {
		n += len(`"reported":`) + y
	}
	if x > 0 && y > 0 {
		n++
	}
	return n
}

// appendSnapshot appends {"state":…,"metadata":…,"version":N}.
func (d Doc) appendSnapshot(b []byte) []byte {
	b = append(b, `{"state":`...)
	b = appendSections(b, d.part(partDesired), d.part(partReported))
	b = append(b, `,"metadata":`...)
	b = appendSections(b, d.part(partMetaDesired), d.part(partMetaReported))
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, d.version, 10)
	return append(b, '}')
}

func (d Doc) snapshotSize() int {
	return len(`{"state":,"metadata":,"version":}`) + 20 +
		sectionsSize(len(d.part(partDesired)), len(d.part(partReported))) +
		sectionsSize(len(d.part(partMetaDesired)), len(d.part(partMetaReported)))
}

// encode fills enc and cut from the trees, and settles them.
func (d *Doc) encode() {
	var b []byte
	var st stamp
	for s, tree := range [2]*node{d.desired, d.reported} {
		if tree != nil {
			b = appendValue(b[:0], tree)
			cut := len(b)
			d.settle(s, appendMeta(b, tree, &st), cut)
		}
	}
}

// section returns the tree of section s (partDesired or partReported).
func (d *Doc) section(s int) **node {
	if s == partDesired {
		return &d.desired
	}
	return &d.reported
}

// settle makes enc, the values (up to cut) and metadata of section s's
// tree as appendValue and appendMeta write them, the section's encoding,
// and copies the tree into one allocation taking its keys and scalars from
// it (compact). The caller may reuse enc afterwards. The section then
// shares nothing with the payloads, arenas or documents its tree came from.
func (d *Doc) settle(s int, enc []byte, cut int) {
	d.enc[s], d.cut[s] = string(enc), int32(cut)
	tree := d.section(s)
	*tree = compact(*tree, d.enc[s][:cut])
}

// IndexJSON returns the shadow as the fleet index takes it:
// {"desired":…,"reported":…,"delta":…,"metadata":{"desired":…,"reported":…},"version":N},
// leaving out empty sections; nil when the shadow does not exist.
func (d Doc) IndexJSON() []byte {
	if !d.exists {
		return nil
	}
	b := make([]byte, 0, d.encSize()+len(d.part(partDesired))+len(d.part(partMetaDesired))+64)
	b = append(b, '{')
	if p := d.part(partDesired); len(p) > 0 {
		b = append(b, `"desired":`...)
		b = append(b, p...)
		b = append(b, ',')
	}
	if p := d.part(partReported); len(p) > 0 {
		b = append(b, `"reported":`...)
		b = append(b, p...)
		b = append(b, ',')
	}
	if d.desired != nil {
		mark := len(b)
		b = append(b, `"delta":`...)
		var some bool
		if b, some = appendDelta(b, d.desired, d.reported, false); some {
			b = append(b, ',')
		} else {
			b = b[:mark]
		}
	}
	b = append(b, `"metadata":`...)
	b = appendSections(b, d.part(partMetaDesired), d.part(partMetaReported))
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, d.version, 10)
	return append(b, '}')
}

// IndexObject is IndexJSON as encoding/json would decode it (numbers are
// float64), for callers that hand the fleet index a map; nil when the
// shadow does not exist. It is built on each call.
func (d Doc) IndexObject() map[string]any {
	if !d.exists {
		return nil
	}
	obj := make(map[string]any, 5)
	meta := make(map[string]any, 2)
	if d.desired != nil {
		obj["desired"] = toAny(d.desired)
		meta["desired"] = metaAny(d.desired, 0, false)
		if delta := deltaAny(d.desired, d.reported); delta != nil {
			obj["delta"] = delta
		}
	}
	if d.reported != nil {
		obj["reported"] = toAny(d.reported)
		meta["reported"] = metaAny(d.reported, 0, false)
	}
	obj["metadata"] = meta
	obj["version"] = float64(d.version)
	return obj
}

// metaAny is appendMeta's output as encoding/json decodes it. Leaves carry
// their own timestamp, except inside an array, where ts (the array's)
// stamps them all.
func metaAny(n *node, ts int64, inArray bool) any {
	switch n.kind {
	case kObject:
		m := make(map[string]any, len(n.items))
		for i := range n.items {
			m[unquote(n.items[i].key)] = metaAny(&n.items[i], ts, inArray)
		}
		return m
	case kArray:
		if !inArray {
			ts = n.ts
		}
		s := make([]any, len(n.items))
		for i := range n.items {
			s[i] = metaAny(&n.items[i], ts, true)
		}
		return s
	}
	if !inArray {
		ts = n.ts
	}
	return map[string]any{"timestamp": float64(ts)}
}

// MarshalJSON encodes the Doc for storage: an existing shadow as
// {"state":{"desired"?,"reported"?},"metadata":{…},"version":N}, a deleted
// or never created one as {"version":N}.
func (d Doc) MarshalJSON() ([]byte, error) {
	if !d.exists {
		b := append([]byte(`{"version":`), strconv.FormatInt(d.version, 10)...)
		return append(b, '}'), nil
	}
	return d.appendSnapshot(make([]byte, 0, d.snapshotSize())), nil
}

var errDocSyntax = errors.New("shadow: document is not valid JSON")

// UnmarshalJSON decodes what MarshalJSON encodes, strictly: unknown keys,
// nulls, empty objects outside arrays and metadata that does not mirror the
// state are errors.
func (d *Doc) UnmarshalJSON(data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("shadow: document is not UTF-8")
	}
	// The sections are compacted below; the arena is garbage after that.
	n := estimateNodes(data)
	a := arena{nodes: make([]node, 0, n)}
	p := newParser(string(data), &a, 0)
	root := p.value()
	if root == nil || !p.end() {
		return errDocSyntax
	}
	if root.kind != kObject {
		return errors.New("shadow: document is not an object")
	}
	var out Doc
	var state, meta *node
	hasVersion := false
	for i := range root.items {
		f := &root.items[i]
		switch f.key {
		case `"state"`:
			state = f
		case `"metadata"`:
			meta = f
		case `"version"`:
			v, ok := integer(f)
			if !ok || v < 0 {
				return errors.New("shadow: version is not a non-negative integer")
			}
			out.version, hasVersion = v, true
		default:
			return fmt.Errorf("shadow: unknown key %s in document", f.key)
		}
	}
	if !hasVersion {
		return errors.New("shadow: document has no version")
	}
	if state == nil {
		if meta != nil {
			return errors.New("shadow: metadata without state")
		}
		*d = out
		return nil
	}
	if state.kind != kObject {
		return errors.New("shadow: state is not an object")
	}
	if meta == nil || meta.kind != kObject || len(meta.items) != len(state.items) {
		return errors.New("shadow: metadata does not mirror state")
	}
	out.exists = true
	for i := range state.items {
		f := &state.items[i]
		if f.kind != kObject || len(f.items) == 0 {
			return fmt.Errorf("shadow: state.%s is not a non-empty object", unquote(f.key))
		}
		if err := checkStored(f, false); err != nil {
			return err
		}
		m := lookupAt(meta, f.key, i)
		if m == nil {
			return fmt.Errorf("shadow: no metadata for state.%s", unquote(f.key))
		}
		if err := attachMeta(f, m); err != nil {
			return fmt.Errorf("shadow: metadata of state.%s: %w", unquote(f.key), err)
		}
		switch f.key {
		case `"desired"`:
			if out.desired != nil {
				return errors.New("shadow: duplicate state.desired")
			}
			out.desired = f
		case `"reported"`:
			if out.reported != nil {
				return errors.New("shadow: duplicate state.reported")
			}
			out.reported = f
		default:
			return fmt.Errorf("shadow: unknown key state.%s", unquote(f.key))
		}
	}
	out.encode()
	*d = out
	return nil
}

// checkStored checks that a value could have been stored by an update: no
// nulls, no duplicate keys, and no empty objects outside arrays.
func checkStored(n *node, inArray bool) error {
	switch n.kind {
	case kNull:
		return errors.New("shadow: null in stored state")
	case kObject:
		if len(n.items) == 0 && !inArray {
			return errors.New("shadow: empty object in stored state")
		}
		if hasDuplicates(n) {
			return errors.New("shadow: duplicate key in stored state")
		}
		for i := range n.items {
			if err := checkStored(&n.items[i], inArray); err != nil {
				return err
			}
		}
	case kArray:
		for i := range n.items {
			if err := checkStored(&n.items[i], true); err != nil {
				return err
			}
		}
	}
	return nil
}

var errMetaShape = errors.New("does not mirror the state")

// attachMeta sets the leaf timestamps of stored value n from its metadata m.
func attachMeta(n, m *node) error {
	switch n.kind {
	case kObject:
		if m.kind != kObject || len(m.items) != len(n.items) {
			return errMetaShape
		}
		for i := range n.items {
			f := &n.items[i]
			mv := lookupAt(m, f.key, i)
			if mv == nil {
				return errMetaShape
			}
			if err := attachMeta(f, mv); err != nil {
				return err
			}
		}
		return nil
	case kArray:
		seen := false
		if !fixedMeta(n, m, &n.ts, &seen) {
			return errMetaShape
		}
		return nil
	}
	ts, ok := timestampOf(m)
	if !ok {
		return errMetaShape
	}
	n.ts = ts
	return nil
}

// fixedMeta checks that m is the metadata of n with every leaf stamped the
// same timestamp, which it stores in *ts.
func fixedMeta(n, m *node, ts *int64, seen *bool) bool {
	switch n.kind {
	case kObject, kArray:
		if m.kind != n.kind || len(m.items) != len(n.items) {
			return false
		}
		for i := range n.items {
			f := &n.items[i]
			mv := &m.items[i]
			if n.kind == kObject {
				if mv = lookupAt(m, f.key, i); mv == nil {
					return false
				}
			}
			if !fixedMeta(f, mv, ts, seen) {
				return false
			}
		}
		return true
	}
	t, ok := timestampOf(m)
	if !ok || (*seen && t != *ts) {
		return false
	}
	*ts, *seen = t, true
	return true
}

// timestampOf reads {"timestamp":N}.
func timestampOf(m *node) (int64, bool) {
	if m.kind != kObject || len(m.items) != 1 || m.items[0].key != `"timestamp"` {
		return 0, false
	}
	return integer(&m.items[0])
}

// integer reads a JSON integer literal (no fraction, no exponent) that fits
// an int64.
func integer(n *node) (int64, bool) {
	if n.kind != kNumber {
		return 0, false
	}
	v, err := strconv.ParseInt(n.raw, 10, 64)
	return v, err == nil
}

// hasDuplicates reports whether object n has a key twice.
func hasDuplicates(n *node) bool {
	if len(n.items) < 2 {
		return false
	}
	if len(n.items) <= 16 {
		for i := 1; i < len(n.items); i++ {
			for j := range i {
				if n.items[i].key == n.items[j].key {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(n.items))
	for i := range n.items {
		if _, dup := seen[n.items[i].key]; dup {
			return true
		}
		seen[n.items[i].key] = struct{}{}
	}
	return false
}

// dedupe drops all but the last occurrence of each key of object n.
func dedupe(n *node) {
	if !hasDuplicates(n) {
		return
	}
	last := make(map[string]int, len(n.items))
	for i := range n.items {
		last[n.items[i].key] = i
	}
	out := n.items[:0]
	for i := range n.items {
		if last[n.items[i].key] == i {
			out = append(out, n.items[i])
		}
	}
	clear(n.items[len(out):])
	n.items = out
}
