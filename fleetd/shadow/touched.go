package shadow

import "strings"

// MayChange reports whether the update can have changed the values of
// field, a path that WalkIndex gives under prefix: false only when the
// field's flattened values are the same before and after the update. It
// decides without walking either shadow, so a caller can tell an update
// that no query on field can see (a temperature, for a group on the
// firmware version) from the request's shape alone.
//
// An update leaves alone what its request does not name: a section it
// lacks is shared as it was, and an object it merges into keeps the
// members it does not name, timestamps included. So a field may change
// only when it lies under a path the request wrote (its value, or its
// metadata.<section> timestamp), in the delta when the shadow had or has
// desired, or is hasDelta or version.
func (t Touched) MayChange(prefix, field string) bool {
	rest, ok := strings.CutPrefix(field, prefix)
	if !ok {
		return false
	}
	switch rest {
	case "version", "hasDelta":
		return true
	}
	if strings.HasPrefix(rest, "delta.") {
		return t.delta
	}
	for _, s := range [2]struct {
		name, meta string
		req        *node
	}{{"desired.", "metadata.desired.", t.desired}, {"reported.", "metadata.reported.", t.reported}} {
		if path, ok := strings.CutPrefix(rest, s.name); ok {
			return writes(s.req, path)
		}
		if path, ok := strings.CutPrefix(rest, s.meta); ok {
			// A leaf's timestamp is its path and ".timestamp".
			path, ok = strings.CutSuffix(path, ".timestamp")
			return ok && writes(s.req, path)
		}
	}
	return false
}

// writes reports whether request section req (nil when absent) wrote at or
// above dotted path: a member it names whose key is path or a prefix of it
// at a dot, followed down while the request gave an object. Keys may hold
// dots themselves, so every member that fits is tried.
func writes(req *node, path string) bool {
	if req == nil {
		return false
	}
	if req.kind != kObject {
		return true // the section set to null: all of it goes
	}
	for i := range req.items {
		f := &req.items[i]
		k := unquote(f.key)
		if path == k {
			return true
		}
		if len(path) > len(k) && path[len(k)] == '.' && path[:len(k)] == k {
			if f.kind != kObject || writes(f, path[len(k)+1:]) {
				return true
			}
		}
	}
	return false
}

// TouchedCopy holds a Touched apart from the update it came from. A
// Touched reads the request in its update's Scratch, which the next update
// overwrites; a walk made later, on another goroutine, reads a copy.
type TouchedCopy struct {
	nodes []node // the request's sections: keys and shape, no values
	path  []byte // the path buffer of the copy's walks
}

// Keep copies into c what t's walks and MayChange read (the keys the
// request wrote and which of them it gave objects) and returns a Touched
// that reads c alone. It reuses c's storage: a Touched that an earlier
// Keep returned is then no longer valid.
func (c *TouchedCopy) Keep(t Touched) Touched {
	n := shapeNodes(t.desired) + shapeNodes(t.reported)
	if cap(c.nodes) < n {
		c.nodes = make([]node, 0, n)
	}
	// Every node is placed before any is followed: the storage never moves.
	c.nodes = c.nodes[:0]
	kept := Touched{delta: t.delta, path: &c.path}
	kept.desired = c.section(t.desired)
	kept.reported = c.section(t.reported)
	return kept
}

func (c *TouchedCopy) section(src *node) *node {
	if src == nil {
		return nil
	}
	c.nodes = c.nodes[:len(c.nodes)+1]
	dst := &c.nodes[len(c.nodes)-1]
	c.copyShape(dst, src)
	return dst
}

// copyShape copies src's key and kind into dst, and an object's members
// into the next run of c.nodes.
func (c *TouchedCopy) copyShape(dst, src *node) {
	*dst = node{key: src.key, kind: src.kind}
	if src.kind != kObject || len(src.items) == 0 {
		return
	}
	start := len(c.nodes)
	c.nodes = c.nodes[:start+len(src.items)]
	dst.items = c.nodes[start : start+len(src.items) : start+len(src.items)]
	for i := range src.items {
		c.copyShape(&dst.items[i], &src.items[i])
	}
}

// shapeNodes counts the nodes copyShape makes of n: n, and an object's
// members down through objects.
func shapeNodes(n *node) int {
	if n == nil {
		return 0
	}
	count := 1
	if n.kind == kObject {
		for i := range n.items {
			count += shapeNodes(&n.items[i])
		}
	}
	return count
}
