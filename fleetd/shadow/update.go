package shadow

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// Options are the shadow service's limits and FleetLab's extensions. A zero
// field takes its default; a negative limit is no limit.
type Options struct {
	// MaxStateBytes bounds the state document after an update: the compact
	// JSON {"desired":…,"reported":…}, metadata excluded (AWS: 8 KB).
	MaxStateBytes int
	// MaxPayloadBytes bounds the update request itself.
	MaxPayloadBytes int
	// MaxDepth bounds the nesting inside desired and reported: the section
	// object is level 1, each object or array inside it one more.
	MaxDepth int
	// DeltaOnReportedOnly publishes /update/delta also after updates without
	// a desired section, whenever a delta remains (DECISIONS.md, Shadows).
	DeltaOnReportedOnly bool
}

// DefaultOptions returns AWS's limits.
func DefaultOptions() Options {
	return Options{MaxStateBytes: 8192, MaxPayloadBytes: 16384, MaxDepth: 6}
}

func (o Options) withDefaults() Options {
	def := DefaultOptions()
	if o.MaxStateBytes == 0 {
		o.MaxStateBytes = def.MaxStateBytes
	}
	if o.MaxPayloadBytes == 0 {
		o.MaxPayloadBytes = def.MaxPayloadBytes
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = def.MaxDepth
	}
	return o
}

// Update is the outcome of an accepted update: the new document and the
// payloads to publish. Accepted, Delta and Documents share one allocation.
type Update struct {
	Doc Doc
	// Accepted is the /update/accepted payload (and the REST response).
	Accepted []byte
	// Delta is the /update/delta payload, nil when none is published.
	Delta []byte
	// Documents is the /update/documents payload.
	Documents []byte
	// ChangedDesired and ChangedReported report whether the section's JSON
	// changed (values added, removed or rewritten with other text); metadata
	// timestamps change on every update regardless.
	ChangedDesired, ChangedReported bool
	// TouchedDesired and TouchedReported report whether the request had the
	// section at all: its leaves' metadata timestamps moved even when no
	// value changed.
	TouchedDesired, TouchedReported bool
	touched                         Touched
}

// request is a decoded update request.
type request struct {
	state             *node // the state object (validated)
	desired, reported *node // its members: nil when absent, a kNull node when null
	token             string
	version           int64
	hasVersion        bool
}

// Payloads selects the payloads ApplyUpdateFor encodes.
type Payloads uint8

const (
	PayloadAccepted Payloads = 1 << iota
	PayloadDocuments
	PayloadDelta
	AllPayloads = PayloadAccepted | PayloadDocuments | PayloadDelta
)

// ApplyUpdate applies an update request (the /update payload or the
// UpdateThingShadow body) to prev at time now. A shadow that does not exist
// is created. The error is an *awserr.Error; the caller publishes
// RejectedPayload(err, ClientToken(payload), now).
func ApplyUpdate(prev Doc, payload []byte, now time.Time, o Options) (Update, error) {
	return ApplyUpdateFor(prev, payload, now, o, AllPayloads, nil)
}

// Scratch is working memory ApplyUpdateFor reuses from one call to the
// next instead of allocating it: the parsed request and the merge. An
// Update's Touched reads it, so an Update is good until the next call with
// the same Scratch. Not for concurrent use.
type Scratch struct {
	a    arena
	path []byte // the path buffer of the Update's WalkIndexTouched
}

// ApplyUpdateFor is ApplyUpdate encoding only the payloads in want (the
// others stay nil): a document nobody is subscribed to is not worth
// building. The new document is the same either way. sc may be nil.
func ApplyUpdateFor(prev Doc, payload []byte, now time.Time, o Options, want Payloads, sc *Scratch) (Update, error) {
	o = o.withDefaults()
	if o.MaxPayloadBytes > 0 && len(payload) > o.MaxPayloadBytes {
		return Update{}, tooLarge()
	}
	if !utf8.Valid(payload) {
		return Update{}, badEncoding()
	}
	if sc == nil {
		sc = &Scratch{}
	}
	a := &sc.a
	est := estimateNodes(payload)
	extra := 0
	if prev.desired != nil {
		extra += len(prev.desired.items)
	}
	if prev.reported != nil {
		extra += len(prev.reported.items)
	}
	a.reset(est + extra)
	req, err := parseUpdate(string(payload), a, o.MaxDepth)
	if err != nil {
		return Update{}, err
	}
	if req.hasVersion && req.version != prev.version {
		return Update{}, versionConflict()
	}

	ts := now.Unix()
	// A section the request leaves alone is shared with prev.
	next := Doc{version: prev.version + 1, exists: true, desired: prev.desired, reported: prev.reported, enc: prev.enc, cut: prev.cut}
	m := merger{a: a}
	var u Update
	if req.desired != nil {
		next.desired, u.ChangedDesired = m.section(prev.desired, req.desired, ts)
		u.TouchedDesired = true
	}
	if req.reported != nil {
		next.reported, u.ChangedReported = m.section(prev.reported, req.reported, ts)
		u.TouchedReported = true
	}

	// Sizes first: the state limit is checked before anything is encoded.
	var size [4]int
	if req.desired == nil {
		size[partDesired], size[partMetaDesired] = len(prev.part(partDesired)), len(prev.part(partMetaDesired))
	} else if next.desired != nil {
		size[partDesired], size[partMetaDesired] = sizeValue(next.desired), sizeMeta(next.desired)
	}
	if req.reported == nil {
		size[partReported], size[partMetaReported] = len(prev.part(partReported)), len(prev.part(partMetaReported))
	} else if next.reported != nil {
		size[partReported], size[partMetaReported] = sizeValue(next.reported), sizeMeta(next.reported)
	}
	if o.MaxStateBytes > 0 && sectionsSize(size[partDesired], size[partReported]) > o.MaxStateBytes {
		return Update{}, tooLarge()
	}
	// A section's encoding is built on the stack when it fits, and copied
	// once into the Doc's string.
	var encBuf [1024]byte
	var st stamp
	for s, touched := range [2]bool{req.desired != nil, req.reported != nil} {
		if !touched {
			continue
		}
		next.enc[s], next.cut[s] = "", 0
		tree := *next.section(s)
		if tree == nil {
			continue // removed
		}
		enc := encBuf[:0]
		if n := size[s] + size[s+2]; n > len(encBuf) {
			enc = make([]byte, 0, n)
		}
		enc = appendValue(enc, tree)
		cut := len(enc)
		next.settle(s, appendMeta(enc, tree, &st), cut)
	}

	// The payloads, in one buffer sized from above.
	var nowSt stamp
	nowStamp := nowSt.text(ts)
	wantDelta := want&PayloadDelta != 0 && ((req.desired != nil && req.desired.kind == kObject) || o.DeltaOnReportedOnly) && next.desired != nil
	tail := len(`,"version":,"timestamp":,"clientToken":}`) + 20 + len(nowStamp) + len(req.token)
	capacity := 0
	if want&PayloadAccepted != 0 {
		capacity += len(`{"state":,"metadata":`) + sizeValue(req.state) + sizeMetaAt(req.state, len(nowStamp)) + tail
	}
	if want&PayloadDocuments != 0 {
		capacity += len(`{"previous":,"current":`) + prev.snapshotSize() + next.snapshotSize() + tail
	}
	if wantDelta {
		capacity += len(`{"state":,"metadata":`) + size[partDesired] + size[partMetaDesired] + tail
	}
	var out []byte
	if capacity > 0 {
		out = make([]byte, 0, capacity)
	}

	if want&PayloadAccepted != 0 {
		out = append(out, `{"state":`...)
		out = appendValue(out, req.state)
		out = append(out, `,"metadata":`...)
		out = appendMetaAt(out, req.state, nowStamp)
		out = append(out, `,"version":`...)
		out = strconv.AppendInt(out, next.version, 10)
		out = appendTail(out, ts, req.token)
		u.Accepted = out[:len(out):len(out)]
	}

	if want&PayloadDocuments != 0 {
		start := len(out)
		out = append(out, `{"previous":`...)
		if prev.exists {
			out = prev.appendSnapshot(out)
		} else {
			out = append(out, "null"...)
		}
		out = append(out, `,"current":`...)
		out = next.appendSnapshot(out)
		out = appendTail(out, ts, req.token)
		u.Documents = out[start:len(out):len(out)]
	}

	if wantDelta {
		start := len(out)
		out = append(out, `{"version":`...)
		out = strconv.AppendInt(out, next.version, 10)
		out = append(out, `,"timestamp":`...)
		out = strconv.AppendInt(out, ts, 10)
		out = append(out, `,"state":`...)
		var some bool
		if out, some = appendDelta(out, next.desired, next.reported, false); some {
			out = append(out, `,"metadata":`...)
			out, _ = appendDeltaStamp(out, next.desired, next.reported, true, &st)
			if req.token != "" {
				out = append(out, `,"clientToken":`...)
				out = append(out, req.token...)
			}
			out = append(out, '}')
			u.Delta = out[start:len(out):len(out)]
		}
	}
	u.Doc = next
	u.touched = Touched{desired: req.desired, reported: req.reported, delta: prev.desired != nil || next.desired != nil, path: &sc.path}
	return u, nil
}

// appendTail appends `,"timestamp":ts[,"clientToken":token]}`.
func appendTail(b []byte, ts int64, token string) []byte {
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	if token != "" {
		b = append(b, `,"clientToken":`...)
		b = append(b, token...)
	}
	return append(b, '}')
}

// estimateNodes bounds the number of values in a JSON text: each follows a
// ':', a ',' or a '[', or is the root.
func estimateNodes(b []byte) int {
	n := bytes.Count(b, []byte{':'}) + bytes.Count(b, []byte{','}) + bytes.Count(b, []byte{'['}) + 1
	return min(n, 1024)
}

// parseUpdate decodes and validates an update request.
func parseUpdate(s string, a *arena, maxDepth int) (request, error) {
	var r request
	p := newParser(s, a, maxDepth)
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return r, invalid(MsgInvalidJSON)
	}
	p.i++
	p.depth = 1
	var token, version *node
	hasState := false
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
	} else {
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				p.fail(parseSyntax)
				break
			}
			key, ok := p.str()
			if !ok {
				break
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				p.fail(parseSyntax)
				break
			}
			p.i++
			switch key {
			case `"state"`:
				r.state, hasState = p.value(), true
			case `"clientToken"`:
				token = p.value()
			case `"version"`:
				version = p.value()
			default:
				p.skip()
			}
			if p.err != parseOK {
				break
			}
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				break
			}
			p.fail(parseSyntax)
			break
		}
	}
	if p.err == parseOK && !p.end() {
		p.fail(parseSyntax)
	}
	switch p.err {
	case parseSyntax:
		return r, invalid(MsgInvalidJSON)
	case parseDeep:
		if maxDepth <= 0 {
			maxDepth = hardDepth
		}
		return r, tooDeep(maxDepth)
	}

	if token != nil {
		if token.kind != kString || quotedLen(token.raw) > MaxClientTokenBytes {
			return r, invalid(MsgInvalidToken)
		}
		r.token = token.raw
	}
	if version != nil {
		v, ok := integer(version)
		if !ok {
			return r, invalid(MsgInvalidVersion)
		}
		r.version, r.hasVersion = v, true
	}
	if !hasState {
		return r, invalid(MsgMissingState)
	}
	if r.state.kind != kObject {
		return r, invalid(MsgStateNotObject)
	}
	dedupe(r.state)
	for i := range r.state.items {
		f := &r.state.items[i]
		switch f.key {
		case `"desired"`:
			if f.kind != kObject && f.kind != kNull {
				return r, invalid(MsgDesiredNotObject)
			}
			r.desired = f
		case `"reported"`:
			if f.kind != kObject && f.kind != kNull {
				return r, invalid(MsgReportedNotObj)
			}
			r.reported = f
		default:
			return r, invalid(MsgInvalidNode)
		}
	}
	for _, sec := range [2]*node{r.desired, r.reported} {
		if sec != nil && sec.kind == kObject {
			if err := checkSection(sec, 1, maxDepth, false); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// checkSection validates a container at nesting level depth inside desired
// or reported: the depth limit, no null inside arrays; it also drops
// duplicate keys (the last one wins, as in encoding/json).
func checkSection(n *node, depth, maxDepth int, inArray bool) error {
	if maxDepth > 0 && depth > maxDepth {
		return tooDeep(maxDepth)
	}
	if n.kind == kObject {
		dedupe(n)
	}
	for i := range n.items {
		switch f := &n.items[i]; f.kind {
		case kNull:
			if inArray || n.kind == kArray {
				return invalid(MsgInvalidJSON)
			}
		case kObject, kArray:
			if err := checkSection(f, depth+1, maxDepth, inArray || n.kind == kArray); err != nil {
				return err
			}
		}
	}
	return nil
}

// merger builds the new state trees, copying only the objects on the paths
// an update touches.
type merger struct {
	a       *arena
	ts      int64
	changed bool
}

// section applies one section of a request (an object or null) to the
// stored section old (nil when absent) and returns the new section and
// whether its JSON changed.
func (m *merger) section(old, upd *node, ts int64) (*node, bool) {
	if upd.kind == kNull {
		return nil, old != nil
	}
	m.ts, m.changed = ts, false
	v, some := m.object(old, upd)
	if !some {
		return nil, m.changed
	}
	n := m.a.node(kObject)
	*n = v
	return n, m.changed
}

// object deep-merges request object upd into stored value old (nil when
// absent) and returns the result, false when it is empty: members set to
// null are deleted, objects merge, anything else replaces. The result has
// no key; its members are new, shared with neither old nor upd.
func (m *merger) object(old, upd *node) (node, bool) {
	var base []node
	if old != nil {
		if old.kind == kObject {
			base = old.items
		} else {
			m.changed = true
		}
	}
	out := append(m.a.makeItems(len(base)+len(upd.items)), base...)
	var index map[string]int
	if len(base) > 16 && len(upd.items) > 4 {
		index = make(map[string]int, len(out))
		for i := range out {
			index[out[i].key] = i
		}
	}
	// A deleted member stays in out as a null until the end: stored values
	// are never null.
	removed := 0
	for j := range upd.items {
		f := &upd.items[j]
		i := -1
		if index != nil {
			if k, ok := index[f.key]; ok {
				i = k
			}
		} else {
			for k := range out {
				if out[k].key == f.key {
					i = k
					break
				}
			}
		}
		v := *f
		switch v.kind {
		case kNull:
			if i >= 0 && out[i].kind != kNull {
				out[i] = node{key: f.key, kind: kNull}
				removed++
				m.changed = true
			}
			continue
		case kObject:
			var prev *node
			if i >= 0 && out[i].kind != kNull {
				prev = &out[i]
			}
			var some bool
			if v, some = m.object(prev, f); !some {
				if i >= 0 && out[i].kind != kNull {
					out[i] = node{key: f.key, kind: kNull}
					removed++
					m.changed = true
				}
				continue
			}
			v.key = f.key
		default:
			v.ts = m.ts
			if i < 0 || out[i].kind == kNull || !sameText(&out[i], &v) {
				m.changed = true
			}
		}
		if i >= 0 {
			if out[i].kind == kNull {
				removed--
			}
			out[i] = v
		} else {
			out = append(out, v)
			if index != nil {
				index[f.key] = len(out) - 1
			}
		}
	}
	if removed > 0 {
		kept := out[:0]
		for i := range out {
			if out[i].kind != kNull {
				kept = append(kept, out[i])
			}
		}
		clear(out[len(kept):])
		out = kept
	}
	if len(out) == 0 {
		return node{}, false
	}
	return node{kind: kObject, items: out}, true
}

// sizeValue is the length of appendValue's output.
func sizeValue(n *node) int {
	switch n.kind {
	case kNull:
		return 4
	case kObject, kArray:
		s := 2
		if len(n.items) > 0 {
			s += len(n.items) - 1
		}
		for i := range n.items {
			if n.kind == kObject {
				s += len(n.items[i].key) + 1
			}
			s += sizeValue(&n.items[i])
		}
		return s
	}
	return len(n.raw)
}

// sizeMetaAt is the length of appendMetaAt's output for a stamp of
// stampLen bytes.
func sizeMetaAt(n *node, stampLen int) int {
	switch n.kind {
	case kObject, kArray:
		s := 2
		if len(n.items) > 0 {
			s += len(n.items) - 1
		}
		for i := range n.items {
			if n.kind == kObject {
				s += len(n.items[i].key) + 1
			}
			s += sizeMetaAt(&n.items[i], stampLen)
		}
		return s
	}
	return stampLen
}

// sizeMeta is the length of appendMeta's output.
func sizeMeta(n *node) int {
	if n.kind != kObject {
		return sizeMetaAt(n, len(`{"timestamp":}`)+intLen(n.ts))
	}
	s := 2
	if len(n.items) > 0 {
		s += len(n.items) - 1
	}
	for i := range n.items {
		s += len(n.items[i].key) + 1 + sizeMeta(&n.items[i])
	}
	return s
}

// intLen is the number of characters of v in decimal.
func intLen(v int64) int {
	if v >= 1e9 && v < 1e10 {
		return 10 // epoch seconds from 2001 to 2286
	}
	n, u := 1, uint64(v)
	if v < 0 {
		n, u = 2, -u
	}
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}
