package shadow

import "strings"

// compact returns a copy of the tree under n in two allocations (its nodes
// and one string holding every key and scalar), sharing nothing with the
// tree it copies. A stored shadow lives for as long as its thing; without
// this it would keep alive the whole arena and payload of every update that
// left a value in it, about 2 KB for a shadow of three values that has seen
// a few updates.
func compact(n *node) *node {
	if n == nil {
		return nil
	}
	var size treeSize
	size.add(n)
	var text strings.Builder
	text.Grow(size.text)
	writeText(&text, n)
	c := compactor{nodes: make([]node, 1, size.nodes), text: text.String()}
	c.copy(&c.nodes[0], n)
	return &c.nodes[0]
}

// treeSize counts what a tree holds.
type treeSize struct{ nodes, text int }

func (s *treeSize) add(n *node) {
	s.nodes++
	s.text += len(n.key) + len(n.raw)
	for i := range n.items {
		s.add(&n.items[i])
	}
}

// writeText writes the keys and scalars of a tree in the order copy reads
// them back.
func writeText(b *strings.Builder, n *node) {
	b.WriteString(n.key)
	b.WriteString(n.raw)
	for i := range n.items {
		writeText(b, &n.items[i])
	}
}

type compactor struct {
	nodes []node // every node of the copy; a container's items are a run of it
	text  string
	at    int // next unread byte of text
}

func (c *compactor) take(n int) string {
	s := c.text[c.at : c.at+n]
	c.at += n
	return s
}

// copy copies src into dst, its items into the next run of c.nodes.
func (c *compactor) copy(dst, src *node) {
	*dst = node{key: c.take(len(src.key)), raw: c.take(len(src.raw)), ts: src.ts, kind: src.kind}
	if len(src.items) == 0 {
		return
	}
	start := len(c.nodes)
	c.nodes = c.nodes[:start+len(src.items)]
	items := c.nodes[start:len(c.nodes):len(c.nodes)]
	for i := range src.items {
		c.copy(&items[i], &src.items[i])
	}
	dst.items = items
}
