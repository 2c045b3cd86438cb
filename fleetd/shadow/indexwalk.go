package shadow

import "strconv"

// LeafKind is the type of an indexed shadow value.
type LeafKind uint8

const (
	LeafString LeafKind = iota
	LeafNumber
	LeafBool
)

// Leaf is one value of a shadow as the fleet index takes it.
type Leaf struct {
	Kind LeafKind
	Str  string
	Num  float64
	Bool bool
}

// Parts selects sections for WalkIndexParts.
type Parts uint8

const (
	PartDesired  Parts = 1 << iota // desired.* and metadata.desired.*
	PartReported                   // reported.* and metadata.reported.*
	PartDelta                      // delta.*
	PartsAll     = PartDesired | PartReported | PartDelta
)

// WalkIndex calls fn for every value the fleet index takes from the shadow,
// with its dotted path after prefix (say "shadow."): reported.<p>, desired.<p>,
// delta.<p>, metadata.reported.<p>.timestamp, metadata.desired.<p>.timestamp,
// then hasDelta and version. An array of scalars gives one call per
// element; an array holding an object or an array is skipped whole (and so
// is an array's metadata, an array of objects), as the index skips them.
// It calls nothing for a shadow that does not exist.
//
// It gives what IndexObject gives once flattened, without building maps:
// the fleet index re-flattens a shadow on every update. The path is valid
// only during the call (the walk reuses its buffer): copy it to keep it.
func (d Doc) WalkIndex(prefix string, fn func(path []byte, l Leaf)) {
	d.WalkIndexParts(prefix, PartsAll, fn)
}

// WalkIndexParts is WalkIndex restricted to some sections (hasDelta and
// version always come): an update that left desired alone need not re-read
// it to re-index the shadow.
func (d Doc) WalkIndexParts(prefix string, parts Parts, fn func(path []byte, l Leaf)) {
	if !d.exists {
		return
	}
	buf := make([]byte, 0, 64)
	at := func(s string) []byte { return append(append(buf[:0], prefix...), s...) }
	if d.desired != nil && parts&PartDesired != 0 {
		buf = walkValues(at("desired"), d.desired, fn)
		buf = walkMeta(at("metadata.desired"), d.desired, fn)
	}
	if d.reported != nil && parts&PartReported != 0 {
		buf = walkValues(at("reported"), d.reported, fn)
		buf = walkMeta(at("metadata.reported"), d.reported, fn)
	}
	hasDelta := false
	if d.desired != nil {
		emit := fn
		if parts&PartDelta == 0 {
			emit = func([]byte, Leaf) {} // still walked: hasDelta needs it
		}
		buf, hasDelta = walkDelta(at("delta"), d.desired, d.reported, emit)
	}
	fn(at("hasDelta"), Leaf{Kind: LeafBool, Bool: hasDelta})
	fn(at("version"), Leaf{Kind: LeafNumber, Num: float64(d.version)})
}

// walkValues emits the leaves under path (an object's members, an array's
// scalar elements, or a scalar) and returns the path buffer for reuse.
func walkValues(path []byte, n *node, fn func([]byte, Leaf)) []byte {
	switch n.kind {
	case kObject:
		base := len(path)
		for i := range n.items {
			path = append(append(path[:base], '.'), unquote(n.items[i].key)...)
			path = walkValues(path, &n.items[i], fn)
		}
		return path[:base]
	case kArray:
		for i := range n.items {
			if k := n.items[i].kind; k == kObject || k == kArray {
				return path
			}
		}
		for i := range n.items {
			emitScalar(path, &n.items[i], fn)
		}
		return path
	}
	emitScalar(path, n, fn)
	return path
}

func emitScalar(path []byte, n *node, fn func([]byte, Leaf)) {
	switch n.kind {
	case kString:
		fn(path, Leaf{Kind: LeafString, Str: unquote(n.raw)})
	case kNumber:
		if f, err := strconv.ParseFloat(n.raw, 64); err == nil {
			fn(path, Leaf{Kind: LeafNumber, Num: f})
		}
	case kBool:
		fn(path, Leaf{Kind: LeafBool, Bool: n.raw == "true"})
	}
}

// walkMeta emits the metadata timestamps of a stored section's scalar
// leaves; an array's metadata is an array of objects, not indexed.
func walkMeta(path []byte, n *node, fn func([]byte, Leaf)) []byte {
	switch n.kind {
	case kObject:
		base := len(path)
		for i := range n.items {
			path = append(append(path[:base], '.'), unquote(n.items[i].key)...)
			path = walkMeta(path, &n.items[i], fn)
		}
		return path[:base]
	case kArray:
		return path
	}
	base := len(path)
	path = append(path, ".timestamp"...)
	fn(path, Leaf{Kind: LeafNumber, Num: float64(n.ts)})
	return path[:base]
}

// walkDelta emits the delta of desired object des against reported object
// rep (nil when absent) and reports whether the delta has any key.
func walkDelta(path []byte, des, rep *node, fn func([]byte, Leaf)) ([]byte, bool) {
	some := false
	base := len(path)
	for i := range des.items {
		f := &des.items[i]
		rv := lookupAt(rep, f.key, i)
		path = append(append(path[:base], '.'), unquote(f.key)...)
		if f.kind == kObject && rv != nil && rv.kind == kObject {
			var sub bool
			path, sub = walkDelta(path, f, rv, fn)
			some = some || sub
			continue
		}
		if rv != nil && equal(f, rv) {
			continue
		}
		some = true
		path = walkValues(path, f, fn)
	}
	return path[:base], some
}

// Touched is the shape of an update request: the paths of desired and
// reported it wrote. WalkIndexTouched walks only those, so re-indexing an
// update costs what it wrote, not the whole shadow.
type Touched struct {
	desired, reported *node   // the request's sections; nil when absent
	delta             bool    // the shadow had or has desired: a delta to walk
	path              *[]byte // a path buffer to reuse (the Scratch's)
}

// Touched returns the paths the update's request wrote.
func (u Update) Touched() Touched { return u.touched }

// WalkIndexTouched is WalkIndex restricted to what a request wrote: under
// each section the request had, the values and metadata timestamps at the
// request's paths (a whole section when the request set it to null); then
// the whole delta (it depends on both sections), hasDelta and version.
// Walking the shadow before and after an update with the same Touched
// gives two flats whose difference is the update's whole effect on the
// index: a path the request did not write has the same values in both, so
// leaving it out of both changes nothing. The walks of one update share
// its Scratch's path buffer: make them one at a time.
func (d Doc) WalkIndexTouched(prefix string, t Touched, fn func(path []byte, l Leaf)) {
	if !d.exists {
		return
	}
	var buf []byte
	if t.path != nil {
		buf = *t.path
		defer func() { *t.path = buf[:0] }() // keep what it grew to
	}
	if buf == nil {
		buf = make([]byte, 0, 64)
	}
	at := func(s string) []byte { return append(append(buf[:0], prefix...), s...) }
	for _, s := range [2]struct {
		name, meta string
		doc, req   *node
	}{{"desired", "metadata.desired", d.desired, t.desired}, {"reported", "metadata.reported", d.reported, t.reported}} {
		switch {
		case s.req == nil || s.doc == nil:
		case s.req.kind != kObject:
			buf = walkValues(at(s.name), s.doc, fn)
			buf = walkMeta(at(s.meta), s.doc, fn)
		default:
			buf = walkTouched(at(s.name), s.doc, s.req, fn, walkValues)
			buf = walkTouched(at(s.meta), s.doc, s.req, fn, walkMeta)
		}
	}
	hasDelta := false
	if d.desired != nil {
		buf, hasDelta = walkDelta(at("delta"), d.desired, d.reported, fn)
	}
	fn(at("hasDelta"), Leaf{Kind: LeafBool, Bool: hasDelta})
	fn(at("version"), Leaf{Kind: LeafNumber, Num: float64(d.version)})
}

// walkTouched walks the stored object doc along request object req: a
// member the request wrote as an object into a stored object is followed
// down; any other member the request wrote is emitted whole as stored
// (nothing when it is gone), with walk (walkValues or walkMeta).
func walkTouched(path []byte, doc, req *node, fn func([]byte, Leaf), walk func([]byte, *node, func([]byte, Leaf)) []byte) []byte {
	base := len(path)
	for i := range req.items {
		f := &req.items[i]
		dv := lookup(doc, f.key)
		if dv == nil {
			continue
		}
		path = append(append(path[:base], '.'), unquote(f.key)...)
		if f.kind == kObject && dv.kind == kObject {
			path = walkTouched(path, dv, f, fn, walk)
			continue
		}
		path = walk(path, dv, fn)
	}
	return path[:base]
}
