package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// parseQuery reads a fleet-index query string, reporting parse errors at
// their place in the YAML (or JSON) source and warning about comparisons
// that do not do what they seem to.
func (p *parser) parseQuery(n *yaml.Node, s scope) (string, query.Node, bool) {
	return p.parseQueryFor(n, s, true)
}

// parseQueryFor parses a query; indexed says whether the fleet index
// answers it (dynamic groups, timeline queries), so that fields the
// indexing configuration leaves out deserve a warning, or the simulator's
// own state does (jobs.rules).
func (p *parser) parseQueryFor(n *yaml.Node, s scope, indexed bool) (string, query.Node, bool) {
	d := p.d
	qs, ok := d.nonEmpty(n, s)
	if !ok {
		return "", nil, false
	}
	q, err := query.Parse(qs)
	if err != nil {
		var qe *query.Error
		if !errors.As(err, &qe) {
			d.errorf(n, s, "%v", err)
			return qs, nil, false
		}
		line, col, exact := d.stringPosExact(n, qe.Line, qe.Col)
		msg := qe.Msg
		if !exact {
			msg = fmt.Sprintf("%s (at %d:%d of the query)", msg, qe.Line, qe.Col)
		}
		d.report(false, n, line, col, s.msg("%s", msg))
		return qs, nil, false
	}
	p.queryWarnings(n, s, qs, q, indexed)
	return qs, q, true
}

// versionLike matches strings that look like dotted versions: 2.1.0,
// v10.2, 1.2.3-rc1.
var versionLike = regexp.MustCompile(`^[vV]?[0-9]+(\.[0-9]+)+([-+][0-9A-Za-z.+-]*)?$`)

// versionBound reports whether a range bound is written as a version: a
// version-like string, or a quoted number such as "1.10" (a number like
// 60.5 written bare is taken for a number).
func versionBound(b *query.Bound) bool {
	if b == nil || !versionLike.MatchString(b.Value) {
		return false
	}
	_, isNum := query.ParseNumber(b.Value)
	return !isNum || b.Quoted
}

// queryWarnings warns about ranges that compare version strings lexically
// and about fields the indexing configuration does not index.
func (p *parser) queryWarnings(n *yaml.Node, s scope, qs string, q query.Node, indexed bool) {
	d, ix := p.d, p.sc.Indexing
	walkQuery(q, func(qn query.Node) {
		r, ok := qn.(*query.Range)
		if !ok || ix.fieldType(r.Field) == index.TypeVersion {
			return
		}
		bound := r.Upper
		if !versionBound(bound) {
			bound = r.Lower
		}
		if !versionBound(bound) {
			return
		}
		ql, qc := queryLineCol(qs, int(r.At))
		line, col := d.stringPos(n, ql, qc)
		what, why := "strings", `on AWS "10.0.0" < "2.1.0" holds`
		if v, isNum := query.ParseNumber(bound.Value); isNum {
			// Numeric against numbers, lexical against strings: wrong
			// for versions either way.
			what = "numbers or strings"
			why = fmt.Sprintf(`%q is the number %s against numbers, and "1.9" > "1.10" as strings`, bound.Value, strconv.FormatFloat(v, 'g', -1, 64))
		}
		d.report(true, n, line, col, s.msg(
			"%s compares %s, not versions: %s; "+
				"declare %s as a custom field of type Version in indexing.customFields (a FleetLab extension) or compare a numeric field",
			rangeText(r), what, why, r.Field))
	})
	if !indexed || !ix.On() {
		return
	}
	cfg := ix.Config
	for _, field := range query.Fields(q) {
		why := ""
		switch {
		case strings.HasPrefix(field, "shadow.name."):
			if cfg.NamedShadowIndexingMode != "ON" {
				why = "namedShadowIndexingMode is not ON"
			}
		case strings.HasPrefix(field, "shadow."):
			if cfg.ThingIndexingMode != "REGISTRY_AND_SHADOW" {
				why = "thingIndexingMode is " + cfg.ThingIndexingMode + ", not REGISTRY_AND_SHADOW"
			}
		case strings.HasPrefix(field, "connectivity."):
			if cfg.ThingConnectivityIndexingMode != "STATUS" {
				why = "thingConnectivityIndexingMode is not STATUS"
			}
		case strings.HasPrefix(field, "deviceDefender."):
			if cfg.DeviceDefenderIndexingMode != "VIOLATIONS" {
				why = "deviceDefenderIndexingMode is not VIOLATIONS"
			}
		}
		if why != "" {
			d.warnf(n, s, "%s is not indexed (indexing: %s), so it matches nothing", field, why)
		}
	}
}

// rangeText prints a range the way people write it: f < "v" for a
// one-sided one.
func rangeText(r *query.Range) string {
	b := func(x *query.Bound) string { return strconv.Quote(x.Value) }
	switch {
	case r.Lower == nil && r.Upper != nil:
		op := "<"
		if r.IncludeUpper {
			op = "<="
		}
		return fmt.Sprintf("%s %s %s", r.Field, op, b(r.Upper))
	case r.Upper == nil && r.Lower != nil:
		op := ">"
		if r.IncludeLower {
			op = ">="
		}
		return fmt.Sprintf("%s %s %s", r.Field, op, b(r.Lower))
	}
	return query.String(r)
}

func walkQuery(n query.Node, f func(query.Node)) {
	f(n)
	switch n := n.(type) {
	case *query.Or:
		for _, c := range n.Clauses {
			walkQuery(c, f)
		}
	case *query.And:
		for _, c := range n.Clauses {
			walkQuery(c, f)
		}
	case *query.Not:
		walkQuery(n.X, f)
	}
}

// queryLineCol converts a byte offset in a query into a 1-based line and
// character column, as query.Error does.
func queryLineCol(s string, off int) (int, int) {
	return lineColAt([]byte(s), off)
}

// stringPos is stringPosExact without the flag.
func (d *decoder) stringPos(n *yaml.Node, line, col int) (int, int) {
	l, c, _ := d.stringPosExact(n, line, col)
	return l, c
}

// stringPosExact maps a position inside the value of scalar n (1-based line
// and character column of the decoded string) to its position in the
// source. It reads the source the way the scalar's style wrote it: plain,
// 'single' and "double" quoted on one line, and | literal blocks. When it
// cannot be sure (folded or multi-line flow scalars, tags) it returns the
// scalar's own position and exact false.
func (d *decoder) stringPosExact(n *yaml.Node, line, col int) (int, int, bool) {
	n = deref(n)
	if n == nil {
		return 0, 0, false
	}
	lines := strings.Split(n.Value, "\n")
	if line < 1 || line > len(lines) || col < 1 || n.Line < 1 || n.Line > len(d.lines) {
		return n.Line, n.Column, false
	}
	target := []rune(lines[line-1])
	if col-1 > len(target) {
		return n.Line, n.Column, false
	}
	switch n.Style {
	case 0, yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		if line != 1 {
			return n.Line, n.Column, false
		}
		src := []rune(d.lines[n.Line-1])
		i := n.Column - 1 // source index, 0-based
		if n.Style != 0 {
			i++ // the opening quote
		}
		for k := 0; k < col-1; k++ { // decode col-1 characters
			if i >= len(src) {
				return n.Line, n.Column, false
			}
			w, r := scalarRune(src, i, n.Style)
			if w == 0 || k >= len(target) || r != target[k] {
				return n.Line, n.Column, false
			}
			i += w
		}
		return n.Line, i + 1, true
	case yaml.LiteralStyle:
		// The end of a block that ends with a newline is the end of its
		// last line.
		if line == len(lines) && line > 1 && lines[line-1] == "" && col == 1 {
			line, col = line-1, len([]rune(lines[line-2]))+1
		}
		// Content starts on the line after the header; the indentation is
		// that of the first line (there are no indentation indicators or
		// leading blank lines in what this handles).
		srcLine := n.Line + line
		if srcLine > len(d.lines) || strings.TrimSpace(d.lines[n.Line]) == "" {
			return n.Line, n.Column, false
		}
		first := d.lines[n.Line]
		indent := len(first) - len(strings.TrimLeft(first, " "))
		text := d.lines[srcLine-1]
		if len(text) < indent || text[indent:] != lines[line-1] {
			return n.Line, n.Column, false
		}
		return srcLine, indent + col, true
	}
	return n.Line, n.Column, false
}

// scalarRune reads one character of a scalar's value at src[i], returning
// how many source characters it took (0 if it cannot tell).
func scalarRune(src []rune, i int, style yaml.Style) (int, rune) {
	switch style {
	case yaml.SingleQuotedStyle:
		if src[i] == '\'' {
			if i+1 < len(src) && src[i+1] == '\'' {
				return 2, '\''
			}
			return 0, 0
		}
	case yaml.DoubleQuotedStyle:
		if src[i] == '"' {
			return 0, 0
		}
		if src[i] == '\\' {
			if i+1 >= len(src) {
				return 0, 0
			}
			hex := 0
			switch src[i+1] {
			case 'x':
				hex = 2
			case 'u':
				hex = 4
			case 'U':
				hex = 8
			}
			if hex == 0 {
				r, ok := simpleEscapes[src[i+1]]
				if !ok {
					return 0, 0
				}
				return 2, r
			}
			if i+2+hex > len(src) {
				return 0, 0
			}
			v, err := strconv.ParseUint(string(src[i+2:i+2+hex]), 16, 32)
			if err != nil {
				return 0, 0
			}
			r := rune(v)
			w := 2 + hex
			// A JSON surrogate pair is one character.
			if hex == 4 && r >= 0xD800 && r < 0xDC00 && i+w+6 <= len(src) && src[i+w] == '\\' && src[i+w+1] == 'u' {
				if lo, err := strconv.ParseUint(string(src[i+w+2:i+w+6]), 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					return w + 6, (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
				}
			}
			if !utf8.ValidRune(r) {
				return w, utf8.RuneError
			}
			return w, r
		}
	}
	return 1, src[i]
}

var simpleEscapes = map[rune]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f', 'r': '\r',
	'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}
