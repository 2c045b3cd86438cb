package shadow

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

// node is one JSON value. Stored documents are trees of nodes that are never
// mutated once the update that made them returns. A container holds its
// members as values, not pointers, so that a whole tree can live in one
// allocation (see compact).
type node struct {
	// key is the member's name when the node is an object member: the
	// canonical quoted JSON string; empty otherwise.
	key string
	// raw is the JSON text of a scalar: numbers as sent, strings quoted in
	// canonical form (see appendQuoted), so equal strings have equal raw.
	raw string
	// items are an object's members in order, or an array's elements
	// (with empty keys).
	items []node
	// ts is the metadata timestamp (epoch seconds) of a leaf: a scalar, or
	// an array, whose elements all carry the array's timestamp.
	ts   int64
	kind kind
}

// arena hands out nodes in chunks, so parsing a payload and merging it
// cost a handful of allocations instead of one per value.
type arena struct {
	nodes []node
	// stack is the parser's first stack of members: the arena is garbage
	// once the update returns, nodes live in their own chunks.
	stack [8]node
}

// node returns a new node outside any container.
func (a *arena) node(k kind) *node {
	n := &a.makeItems(1)[:1][0]
	*n = node{kind: k} // a reused arena holds old nodes
	return n
}

// reset empties the arena for another update, keeping its first chunk
// when it holds n nodes at least (an earlier chunk, replaced when full, is
// left to whatever still points into it).
func (a *arena) reset(n int) {
	if cap(a.nodes) < n {
		a.nodes = make([]node, 0, n)
	}
	a.nodes = a.nodes[:0]
}

// makeItems returns an empty slice with capacity n that no other caller
// shares.
func (a *arena) makeItems(n int) []node {
	if n == 0 {
		return nil
	}
	if cap(a.nodes)-len(a.nodes) < n {
		a.nodes = make([]node, 0, max(n, 32, cap(a.nodes)))
	}
	s := a.nodes[len(a.nodes) : len(a.nodes) : len(a.nodes)+n]
	a.nodes = a.nodes[:len(a.nodes)+n]
	return s
}

// parse errors, mapped to AWS messages by the caller.
type parseErr uint8

const (
	parseOK parseErr = iota
	parseSyntax
	parseDeep
)

// parser is a strict RFC 8259 recursive-descent parser over a string whose
// UTF-8 the caller has validated. Scalars keep their text; strings are put in
// canonical form.
type parser struct {
	s        string
	i        int
	depth    int
	maxDepth int // hard recursion cap
	err      parseErr
	a        *arena
	stack    []node // members of the objects and arrays being parsed
}

const hardDepth = 1000

// newParser returns a parser over s; a may be nil when only skip, str and
// scalar are used.
func newParser(s string, a *arena, maxDepth int) parser {
	p := parser{s: s, a: a, maxDepth: max(hardDepth, maxDepth+3)}
	if a != nil {
		p.stack = a.stack[:0]
	}
	return p
}

func (p *parser) fail(e parseErr) {
	if p.err == parseOK {
		p.err = e
	}
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// end reports whether only whitespace is left.
func (p *parser) end() bool {
	p.ws()
	return p.i == len(p.s)
}

// value parses one value into a node; nil on error (p.err set).
func (p *parser) value() *node {
	v, ok := p.parse()
	if !ok {
		return nil
	}
	n := p.a.node(v.kind)
	*n = v
	return n
}

// parse parses one value; false on error (p.err set).
func (p *parser) parse() (node, bool) {
	p.ws()
	if p.i < len(p.s) && (p.s[p.i] == '{' || p.s[p.i] == '[') {
		k := kArray
		if p.s[p.i] == '{' {
			k = kObject
		}
		return p.container(k)
	}
	k, raw, ok := p.scalar()
	return node{kind: k, raw: raw}, ok
}

// scalar parses a string, number, true, false or null.
func (p *parser) scalar() (kind, string, bool) {
	if p.i >= len(p.s) {
		p.fail(parseSyntax)
		return 0, "", false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		raw, ok := p.str()
		return kString, raw, ok
	case c == '-' || (c >= '0' && c <= '9'):
		raw, ok := p.number()
		return kNumber, raw, ok
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p.s)-p.i >= len(lit) && p.s[p.i:p.i+len(lit)] == lit {
			p.i += len(lit)
			if lit == "null" {
				return kNull, "", true
			}
			return kBool, lit, true
		}
	}
	p.fail(parseSyntax)
	return 0, "", false
}

// container parses an object or an array (p.s[p.i] is its opening bracket).
func (p *parser) container(k kind) (node, bool) {
	p.depth++
	if p.depth > p.maxDepth {
		p.fail(parseDeep)
		return node{}, false
	}
	p.i++
	closing := byte(']')
	if k == kObject {
		closing = '}'
	}
	mark := len(p.stack)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == closing {
		p.i++
	} else {
		for {
			var key string
			if k == kObject {
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != '"' {
					p.fail(parseSyntax)
					return node{}, false
				}
				var ok bool
				if key, ok = p.str(); !ok {
					return node{}, false
				}
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != ':' {
					p.fail(parseSyntax)
					return node{}, false
				}
				p.i++
			}
			v, ok := p.parse()
			if !ok {
				return node{}, false
			}
			v.key = key
			p.stack = append(p.stack, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == closing {
				p.i++
				break
			}
			p.fail(parseSyntax)
			return node{}, false
		}
	}
	members := p.stack[mark:]
	n := node{kind: k, items: append(p.a.makeItems(len(members)), members...)}
	clear(members)
	p.stack = p.stack[:mark]
	p.depth--
	return n, true
}

// skip validates one value without building nodes.
func (p *parser) skip() bool {
	p.ws()
	if p.i >= len(p.s) {
		p.fail(parseSyntax)
		return false
	}
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		p.depth++
		if p.depth > p.maxDepth {
			p.fail(parseDeep)
			return false
		}
		p.i++
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == closing {
			p.i++
			p.depth--
			return true
		}
		for {
			if c == '{' {
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != '"' {
					p.fail(parseSyntax)
					return false
				}
				if _, ok := p.str(); !ok {
					return false
				}
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != ':' {
					p.fail(parseSyntax)
					return false
				}
				p.i++
			}
			if !p.skip() {
				return false
			}
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == closing {
				p.i++
				p.depth--
				return true
			}
			p.fail(parseSyntax)
			return false
		}
	default:
		_, _, ok := p.scalar()
		return ok
	}
}

// str parses a string at p.i and returns it quoted in canonical form.
func (p *parser) str() (string, bool) {
	start := p.i
	for i := start + 1; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '"':
			p.i = i + 1
			return p.s[start : i+1], true
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			p.fail(parseSyntax)
			return "", false
		}
	}
	p.fail(parseSyntax)
	return "", false
}

// strSlow decodes a string with escapes and re-encodes it canonically.
func (p *parser) strSlow(start int) (string, bool) {
	var dec []byte
	i := start + 1
	for {
		if i >= len(p.s) {
			p.fail(parseSyntax)
			return "", false
		}
		c := p.s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(appendQuoted(nil, string(dec))), true
		case c < 0x20:
			p.fail(parseSyntax)
			return "", false
		case c != '\\':
			dec = append(dec, c)
			i++
			continue
		}
		if i+1 >= len(p.s) {
			p.fail(parseSyntax)
			return "", false
		}
		e := p.s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			dec = append(dec, e)
		case 'b':
			dec = append(dec, '\b')
		case 'f':
			dec = append(dec, '\f')
		case 'n':
			dec = append(dec, '\n')
		case 'r':
			dec = append(dec, '\r')
		case 't':
			dec = append(dec, '\t')
		case 'u':
			r, ok := hex4(p.s, i)
			if !ok {
				p.fail(parseSyntax)
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+6 <= len(p.s) && p.s[i] == '\\' && p.s[i+1] == 'u' {
					r2, ok = hex4(p.s, i+2)
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dec = utf8.AppendRune(dec, r)
		default:
			p.fail(parseSyntax)
			return "", false
		}
	}
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number parses a JSON number and keeps its text. Numbers outside the
// float64 range are refused, so every stored number has a float64 value.
func (p *parser) number() (string, bool) {
	s, i := p.s, p.i
	start := i
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if !digits() {
		p.fail(parseSyntax)
		return "", false
	}
	check := false
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			p.fail(parseSyntax)
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			p.fail(parseSyntax)
			return "", false
		}
		check = true
	}
	raw := s[start:i]
	if check || len(raw) > 300 {
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			p.fail(parseSyntax)
			return "", false
		}
	}
	p.i = i
	return raw, true
}

// appendQuoted appends s as a canonical JSON string: only '"', '\\' and
// control characters are escaped (\b \f \n \r \t, else \u00XX).
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[last:i]...)
		last = i + 1
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// unquote decodes a canonical quoted string.
func unquote(q string) string {
	s := q[1 : len(q)-1]
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			return unquoteSlow(s)
		}
	}
	return s
}

func unquoteSlow(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, _ := hex4(s, i+1)
			b = append(b, byte(r))
			i += 4
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// quotedLen is the byte length of the string a canonical quoted string
// holds.
func quotedLen(q string) int {
	n := len(q) - 2
	for i := 1; i < len(q)-1; i++ {
		if q[i] == '\\' {
			if q[i+1] == 'u' {
				n -= 5
				i += 5
			} else {
				n--
				i++
			}
		}
	}
	return n
}

// appendValue appends the compact JSON of n.
func appendValue(b []byte, n *node) []byte {
	switch n.kind {
	case kNull:
		return append(b, "null"...)
	case kObject:
		b = append(b, '{')
		for i := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, n.items[i].key...)
			b = append(b, ':')
			b = appendValue(b, &n.items[i])
		}
		return append(b, '}')
	case kArray:
		b = append(b, '[')
		for i := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, &n.items[i])
		}
		return append(b, ']')
	}
	return append(b, n.raw...)
}

// stamp renders {"timestamp":ts} texts, remembering the last one: the
// leaves of a document mostly share a few timestamps.
type stamp struct {
	ts  int64
	n   int
	buf [len(`{"timestamp":}`) + 20]byte
}

func (st *stamp) text(ts int64) []byte {
	if st.n == 0 || st.ts != ts {
		b := append(st.buf[:0], `{"timestamp":`...)
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, '}')
		st.ts, st.n = ts, len(b)
	}
	return st.buf[:st.n]
}

// appendMetaAt appends the metadata of n with every leaf stamped the same
// text: objects mirror their members, arrays their elements, anything else
// (null too) becomes the stamp.
func appendMetaAt(b []byte, n *node, stamp []byte) []byte {
	switch n.kind {
	case kObject:
		b = append(b, '{')
		for i := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, n.items[i].key...)
			b = append(b, ':')
			b = appendMetaAt(b, &n.items[i], stamp)
		}
		return append(b, '}')
	case kArray:
		b = append(b, '[')
		for i := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMetaAt(b, &n.items[i], stamp)
		}
		return append(b, ']')
	}
	return append(b, stamp...)
}

// appendMeta appends the metadata of a stored value: each leaf carries its
// own timestamp, an array's elements the array's.
func appendMeta(b []byte, n *node, st *stamp) []byte {
	if n.kind != kObject {
		return appendMetaAt(b, n, st.text(n.ts))
	}
	b = append(b, '{')
	for i := range n.items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n.items[i].key...)
		b = append(b, ':')
		b = appendMeta(b, &n.items[i], st)
	}
	return append(b, '}')
}

// equal reports whether two values are equal as JSON: objects regardless of
// member order, arrays element by element, numbers by value (1 equals 1.0).
func equal(a, b *node) bool {
	if a == b {
		return true
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kObject:
		if len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			g := lookupAt(b, a.items[i].key, i)
			if g == nil || !equal(&a.items[i], g) {
				return false
			}
		}
		return true
	case kArray:
		if len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !equal(&a.items[i], &b.items[i]) {
				return false
			}
		}
		return true
	case kNumber:
		if a.raw == b.raw {
			return true
		}
		x, err1 := strconv.ParseFloat(a.raw, 64)
		y, err2 := strconv.ParseFloat(b.raw, 64)
		return err1 == nil && err2 == nil && x == y
	}
	return a.raw == b.raw
}

// sameText reports whether two values have the same JSON text (member order
// aside): cheaper than equal, and what "changed" means for an update.
func sameText(a, b *node) bool {
	if a == b {
		return true
	}
	if a.kind != b.kind || len(a.items) != len(b.items) {
		return false
	}
	switch a.kind {
	case kObject:
		for i := range a.items {
			g := lookupAt(b, a.items[i].key, i)
			if g == nil || !sameText(&a.items[i], g) {
				return false
			}
		}
		return true
	case kArray:
		for i := range a.items {
			if !sameText(&a.items[i], &b.items[i]) {
				return false
			}
		}
		return true
	}
	return a.raw == b.raw
}

// lookup returns the member key of object n, or nil.
func lookup(n *node, key string) *node { return lookupAt(n, key, -1) }

// lookupAt is lookup trying position hint first: objects written in the
// same order find every member at once.
func lookupAt(n *node, key string, hint int) *node {
	if n == nil {
		return nil
	}
	if hint >= 0 && hint < len(n.items) && n.items[hint].key == key {
		return &n.items[hint]
	}
	for i := range n.items {
		if n.items[i].key == key {
			return &n.items[i]
		}
	}
	return nil
}

// toAny converts a value to what encoding/json decodes into an any.
func toAny(n *node) any {
	switch n.kind {
	case kObject:
		m := make(map[string]any, len(n.items))
		for i := range n.items {
			m[unquote(n.items[i].key)] = toAny(&n.items[i])
		}
		return m
	case kArray:
		s := make([]any, len(n.items))
		for i := range n.items {
			s[i] = toAny(&n.items[i])
		}
		return s
	case kString:
		return unquote(n.raw)
	case kNumber:
		f, _ := strconv.ParseFloat(n.raw, 64)
		return f
	case kBool:
		return n.raw == "true"
	}
	return nil
}
