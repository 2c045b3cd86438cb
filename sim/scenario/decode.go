package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder reads one file's yaml.Node tree (a scenario, or a JSON file turned
// into nodes) and reports problems at the nodes' positions.
type decoder struct {
	file  string
	lines []string // the source, for mapping positions inside strings
	c     *collector
	// suppress holds nodes a derived cohort inherited: problems in them
	// were reported for the base cohort already.
	suppress map[*yaml.Node]bool
	// docRefs are the ${job.document.X} uses seen, for crossChecks.
	docRefs []docRef
}

type docRef struct {
	node *yaml.Node
	s    scope
	v    Var
}

func newDecoder(file string, src []byte, c *collector) *decoder {
	return &decoder{file: file, lines: strings.Split(string(src), "\n"), c: c}
}

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) report(warn bool, n *yaml.Node, line, col int, msg string) {
	if n != nil && d.suppress[n] {
		return
	}
	d.c.add(warn, Error{File: d.file, Line: line, Col: col, Msg: msg})
}

// errorf reports an error at n, prefixed with the scope it is in.
func (d *decoder) errorf(n *yaml.Node, s scope, format string, args ...any) {
	p := d.pos(n)
	d.report(false, n, p.Line, p.Col, s.msg(format, args...))
}

// warnf reports a warning at n.
func (d *decoder) warnf(n *yaml.Node, s scope, format string, args ...any) {
	p := d.pos(n)
	d.report(true, n, p.Line, p.Col, s.msg(format, args...))
}

// scope says where a node is, for messages: where names the object
// ("cohort rev-a"), path the key path inside it ("jobs.outcome").
type scope struct{ where, path string }

func (s scope) key(k string) scope {
	if s.path == "" {
		s.path = k
	} else {
		s.path += "." + k
	}
	return s
}

func (s scope) index(i int) scope {
	s.path += "[" + strconv.Itoa(i) + "]"
	return s
}

func (s scope) String() string {
	switch {
	case s.where == "":
		return s.path
	case s.path == "":
		return s.where
	}
	return s.where + ": " + s.path
}

// in names the scope after "in", for unknown keys.
func (s scope) in() string {
	switch {
	case s.where == "" && s.path == "":
		return "the scenario"
	case s.where == "":
		return s.path
	case s.path == "":
		return s.where
	}
	return s.where + " " + s.path
}

func (s scope) msg(format string, args ...any) string {
	m := fmt.Sprintf(format, args...)
	if p := s.String(); p != "" {
		return p + ": " + m
	}
	return m
}

// deref follows aliases; checkTree has ruled out cycles.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node is, for "found ..." in messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("string %q", v)
		case "!!int":
			return "integer " + v
		case "!!float":
			return "number " + v
		case "!!bool":
			return "boolean " + v
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), v)
	}
	return "a YAML document"
}

// fields is a checked mapping: every key known and given once.
type fields struct {
	node *yaml.Node
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
}

func (f fields) get(k string) *yaml.Node { return f.vals[k] }
func (f fields) has(k string) bool       { return f.vals[k] != nil }

// mapping checks that n is a mapping whose keys are among the known keys
// of ctx (knownKeys), each given once, and reports every other key.
func (d *decoder) mapping(n *yaml.Node, s scope, ctx string) (fields, bool) {
	known := knownKeys[ctx]
	n = deref(n)
	f := fields{node: n, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, s, "expected a mapping with keys %s, found %s", strings.Join(known, ", "), describe(n))
		return f, false
	}
	for _, p := range d.pairs(n, s) {
		if !slices.Contains(known, p.key) {
			d.unknownKey(p.k, s, ctx, p.key)
			continue
		}
		f.vals[p.key] = p.v
		f.keys[p.key] = p.k
	}
	return f, true
}

func (d *decoder) unknownKey(k *yaml.Node, s scope, ctx, key string) {
	known := knownKeys[ctx]
	if why, ok := unsupportedKeys[ctx][key]; ok {
		d.errorf(k, scope{}, "%q in %s is not supported: %s", key, s.in(), why)
		return
	}
	hint := ""
	if m := closest(key, known); m != "" {
		hint = fmt.Sprintf(", did you mean %q?", m)
	}
	d.errorf(k, scope{}, "unknown key %q in %s%s (known: %s)", key, s.in(), hint, strings.Join(known, ", "))
}

type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs returns the entries of mapping n, reporting keys that are not
// scalars, merge keys and duplicates (which are left out).
func (d *decoder) pairs(n *yaml.Node, s scope) []pair {
	var out []pair
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, s, "expected a key, found %s", describe(k))
			continue
		case k.ShortTag() == "!!merge":
			d.errorf(k, s, "YAML merge keys (<<) are not supported; cohorts inherit with like:")
			continue
		case k.ShortTag() == "!!null":
			d.errorf(k, s, "expected a key, found null")
			continue
		}
		if f := first[k.Value]; f != nil {
			d.errorf(k, s, "duplicate key %q (first at line %d)", k.Value, f.Line)
			continue
		}
		first[k.Value] = k
		out = append(out, pair{k.Value, k, v})
	}
	return out
}

// closest returns the known key nearest to key by edit distance when it is
// close enough to be a typo, or "".
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(key), strings.ToLower(k)); dist < bestD {
			best, bestD = k, dist
		}
	}
	if bestD > len(key)/2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// missing reports a required key absent from the mapping f.
func (d *decoder) missing(f fields, s scope, key, what string) {
	d.errorf(f.node, s, "missing %s (%s)", key, what)
}

func (d *decoder) str(n *yaml.Node, s scope) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
			hint = fmt.Sprintf(" (quote it: %q)", n.Value)
		}
		d.errorf(n, s, "expected a string, found %s%s", describe(n), hint)
		return "", false
	}
	return n.Value, true
}

// nonEmpty is str that also refuses "".
func (d *decoder) nonEmpty(n *yaml.Node, s scope) (string, bool) {
	v, ok := d.str(n, s)
	if ok && v == "" {
		d.errorf(n, s, "expected a non-empty string")
		return "", false
	}
	return v, ok
}

// enum reads a string that must be one of allowed.
func (d *decoder) enum(n *yaml.Node, s scope, allowed ...string) (string, bool) {
	v, ok := d.str(n, s)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, v) {
		d.errorf(n, s, "expected one of %s, found %q", strings.Join(allowed, ", "), v)
		return "", false
	}
	return v, true
}

// number reads a finite number (a YAML integer or float).
func (d *decoder) number(n *yaml.Node, s scope) (float64, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		d.errorf(n, s, "expected a number, found %s", describe(n))
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		d.errorf(n, s, "expected a finite number, found %s", describe(n))
		return 0, false
	}
	return f, true
}

// integer reads a whole number between lo and hi (a float with no
// fraction, such as 1e6, is accepted).
func (d *decoder) integer(n *yaml.Node, s scope, lo, hi int64) (int64, bool) {
	n = deref(n)
	want := func() string {
		switch {
		case lo == 0 && hi == math.MaxInt64:
			return "a non-negative integer"
		case lo == 1 && hi == math.MaxInt64:
			return "a positive integer"
		case hi == math.MaxInt64:
			return fmt.Sprintf("an integer ≥ %d", lo)
		}
		return fmt.Sprintf("an integer from %d to %d", lo, hi)
	}
	if n == nil || n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		d.errorf(n, s, "expected %s, found %s", want(), describe(n))
		return 0, false
	}
	var i int64
	if n.ShortTag() == "!!int" {
		if err := n.Decode(&i); err != nil {
			d.errorf(n, s, "expected %s, found %s (out of range)", want(), describe(n))
			return 0, false
		}
	} else {
		var f float64
		if err := n.Decode(&f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			d.errorf(n, s, "expected %s, found %s", want(), describe(n))
			return 0, false
		}
		i = int64(f)
	}
	if i < lo || i > hi {
		d.errorf(n, s, "expected %s, found %d", want(), i)
		return 0, false
	}
	return i, true
}

func (d *decoder) boolean(n *yaml.Node, s scope) (bool, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n, s, "expected true or false, found %s", describe(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorf(n, s, "expected true or false, found %s", describe(n))
		return false, false
	}
	return b, true
}

// parseDuration reads a Go duration ("90s", "1h30m"); a bare 0 is zero.
func parseDuration(n *yaml.Node) (time.Duration, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!str":
		v, err := time.ParseDuration(n.Value)
		return v, err == nil
	case "!!int":
		var i int64
		return 0, n.Decode(&i) == nil && i == 0
	}
	return 0, false
}

// duration reads a non-negative Go duration.
func (d *decoder) duration(n *yaml.Node, s scope) (time.Duration, bool) {
	v, ok := parseDuration(n)
	if !ok {
		d.errorf(n, s, "expected a duration such as \"90s\", \"10m\" or \"6h\", found %s", describe(n))
		return 0, false
	}
	if v < 0 {
		d.errorf(n, s, "expected a duration ≥ 0, found %s", v)
		return 0, false
	}
	return v, true
}

// seq checks that n is a list.
func (d *decoder) seq(n *yaml.Node, s scope, what string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errorf(n, s, "expected a list of %s, found %s", what, describe(n))
		return nil, false
	}
	return n.Content, true
}

// strList reads a list of strings, reporting duplicates.
func (d *decoder) strList(n *yaml.Node, s scope, what string) ([]string, bool) {
	items, ok := d.seq(n, s, what)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		v, ok2 := d.nonEmpty(it, s.index(i))
		if !ok2 {
			ok = false
			continue
		}
		if slices.Contains(out, v) {
			d.errorf(it, s.index(i), "%q is listed twice", v)
			ok = false
			continue
		}
		out = append(out, v)
	}
	return out, ok
}

// toJSON converts n into a JSON-compatible value: map[string]any, []any,
// string, json.Number, bool or nil.
func (d *decoder) toJSON(n *yaml.Node, s scope) (any, bool) {
	n = deref(n)
	if n == nil {
		d.errorf(n, s, "expected a value")
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		for _, p := range d.pairs(n, s) {
			v, ok2 := d.toJSON(p.v, s.key(p.key))
			ok = ok && ok2
			m[p.key] = v
		}
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		ok := true
		for i, c := range n.Content {
			v, ok2 := d.toJSON(c, s.index(i))
			ok = ok && ok2
			l = append(l, v)
		}
		return l, ok
	case yaml.ScalarNode:
		return d.scalarJSON(n, s)
	}
	d.errorf(n, s, "expected a JSON-compatible value, found %s", describe(n))
	return nil, false
}

// scalarJSON converts a scalar: numbers keep their text when it is a JSON
// number literal.
func (d *decoder) scalarJSON(n *yaml.Node, s scope) (any, bool) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, true
	case "!!null":
		return nil, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			d.errorf(n, s, "expected true or false, found %s", describe(n))
			return nil, false
		}
		return b, true
	case "!!int":
		if jsonNumber(n.Value) {
			return json.Number(n.Value), true
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			var f float64
			if err := n.Decode(&f); err != nil {
				d.errorf(n, s, "integer %s is out of range", n.Value)
				return nil, false
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
		}
		return json.Number(strconv.FormatInt(i, 10)), true
	case "!!float":
		if jsonNumber(n.Value) {
			return json.Number(n.Value), true
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.errorf(n, s, "expected a finite number, found %s (JSON has no infinities or NaN)", describe(n))
			return nil, false
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
	}
	d.errorf(n, s, "expected a JSON value, found %s", describe(n))
	return nil, false
}

// jsonNumber reports whether s is a JSON number literal.
func jsonNumber(s string) bool {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < n && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < n && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == n
}

const (
	maxDepth = 200       // nesting levels a scenario may use
	maxNodes = 1_000_000 // nodes after expanding aliases
)

// checkTree rules out alias cycles, alias bombs and absurd nesting before
// anything walks the tree.
func checkTree(root *yaml.Node) (*yaml.Node, string) {
	size := map[*yaml.Node]int{}
	visiting := map[*yaml.Node]bool{}
	var bad *yaml.Node
	var msg string
	var walk func(n *yaml.Node, depth int) int
	walk = func(n *yaml.Node, depth int) int {
		if bad != nil || n == nil {
			return 0
		}
		if depth > maxDepth {
			bad, msg = n, fmt.Sprintf("nested deeper than %d levels", maxDepth)
			return 0
		}
		if s, ok := size[n]; ok {
			return s
		}
		if visiting[n] {
			bad, msg = n, "an alias refers to a node that contains it"
			return 0
		}
		visiting[n] = true
		total := 1
		if n.Kind == yaml.AliasNode {
			total += walk(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			total += walk(c, depth+1)
			if total > maxNodes {
				if bad == nil {
					bad, msg = n, fmt.Sprintf("the document expands to more than %d nodes (aliases?)", maxNodes)
				}
				return total
			}
		}
		visiting[n] = false
		size[n] = total
		return total
	}
	walk(root, 0)
	return bad, msg
}
