package shadow

// compact copies a tree (nil for nil) into one allocation, taking every key
// and scalar from values, the tree's text as appendValue writes it: the
// section's encoding. The copy shares nothing with the tree it copies. A
// stored shadow lives for as long as its thing: without this it would keep
// alive the arena and payload of every update that left a value in it, and
// each of its allocations costs the garbage collector a mark on every
// cycle, at a million shadows.
func compact(n *node, values string) *node {
	if n == nil {
		return nil
	}
	c := compactor{nodes: make([]node, 1, treeNodes(n)), text: values}
	c.copy(&c.nodes[0], n, false)
	if c.at != len(values) {
		panic("shadow: a section's encoding does not match its tree")
	}
	return &c.nodes[0]
}

// treeNodes counts the nodes of a tree; 0 for nil.
func treeNodes(n *node) int {
	if n == nil {
		return 0
	}
	s := 1
	for i := range n.items {
		s += treeNodes(&n.items[i])
	}
	return s
}

type compactor struct {
	nodes []node // every node of the copy; a container's items are a run of it
	text  string // the appendValue text of the tree
	at    int    // next unread byte of text
}

func (c *compactor) take(n int) string {
	s := c.text[c.at : c.at+n]
	c.at += n
	return s
}

// copy copies src into dst, its items into the next run of c.nodes, reading
// its key (when it is an object member) and scalars where appendValue wrote
// them. Stored values hold no null, which appendValue writes as text no
// node keeps.
func (c *compactor) copy(dst, src *node, member bool) {
	*dst = node{ts: src.ts, kind: src.kind}
	if member {
		dst.key = c.take(len(src.key))
		c.at++ // ':'
	}
	if src.kind != kObject && src.kind != kArray {
		dst.raw = c.take(len(src.raw))
		return
	}
	c.at++ // '{' or '['
	if n := len(src.items); n > 0 {
		start := len(c.nodes)
		c.nodes = c.nodes[:start+n]
		dst.items = c.nodes[start : start+n : start+n]
	}
	for i := range src.items {
		if i > 0 {
			c.at++ // ','
		}
		c.copy(&dst.items[i], &src.items[i], src.kind == kObject)
	}
	c.at++ // '}' or ']'
}
