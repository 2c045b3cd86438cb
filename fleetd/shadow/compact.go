package shadow

import "strings"

// compact returns a copy of the tree under n in three allocations (its
// nodes, its members and one string holding every key and scalar), sharing
// nothing with the tree it copies. A stored shadow lives for as long as its
// thing; without this it would keep alive the whole arena and payload of
// every update that left a value in it, about 2 KB for a shadow of three
// values that has seen a few updates.
func compact(n *node) *node {
	if n == nil {
		return nil
	}
	var size treeSize
	size.add(n)
	var text strings.Builder
	text.Grow(size.text)
	writeText(&text, n)
	c := compactor{
		nodes:  make([]node, 0, size.nodes),
		fields: make([]field, 0, size.fields),
		text:   text.String(),
	}
	return c.copy(n)
}

// treeSize counts what a tree holds.
type treeSize struct{ nodes, fields, text int }

func (s *treeSize) add(n *node) {
	s.nodes++
	s.text += len(n.raw)
	s.fields += len(n.fields)
	for _, f := range n.fields {
		s.text += len(f.key)
		s.add(f.val)
	}
}

// writeText writes the keys and scalars of a tree in the order copy reads
// them back.
func writeText(b *strings.Builder, n *node) {
	b.WriteString(n.raw)
	for _, f := range n.fields {
		b.WriteString(f.key)
		writeText(b, f.val)
	}
}

type compactor struct {
	nodes  []node
	fields []field
	text   string
	at     int // next unread byte of text
}

func (c *compactor) take(n int) string {
	s := c.text[c.at : c.at+n]
	c.at += n
	return s
}

func (c *compactor) copy(n *node) *node {
	c.nodes = append(c.nodes, node{kind: n.kind, ts: n.ts})
	out := &c.nodes[len(c.nodes)-1]
	out.raw = c.take(len(n.raw))
	if len(n.fields) == 0 {
		return out
	}
	start := len(c.fields)
	c.fields = c.fields[:start+len(n.fields)]
	fs := c.fields[start : start+len(n.fields) : start+len(n.fields)]
	for i, f := range n.fields {
		fs[i].key = c.take(len(f.key))
		fs[i].val = c.copy(f.val)
	}
	out.fields = fs
	return out
}
