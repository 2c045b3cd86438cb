package query

import (
	"strings"
	"unicode/utf8"
)

// String prints n as a canonical query that parses back to n (positions
// aside): explicit AND and OR, NOT rather than '-', parentheses around every
// And or Or nested in another node, comparisons as ranges, and values
// escaped where the lexer would otherwise read them differently.
//
// This holds for every AST that Parse returns. A hand-built AST round-trips
// when it could have come from Parse: And and Or with two or more clauses,
// field names made of field characters, and Include false on open range
// ends (an unquoted empty value prints as "").
func String(n Node) string {
	var b strings.Builder
	writeNode(&b, n)
	return b.String()
}

func (n *Or) String() string       { return String(n) }
func (n *And) String() string      { return String(n) }
func (n *Not) String() string      { return String(n) }
func (n *MatchAll) String() string { return String(n) }
func (n *Exists) String() string   { return String(n) }
func (n *Term) String() string     { return String(n) }
func (n *Wildcard) String() string { return String(n) }
func (n *Range) String() string    { return String(n) }

func writeNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Or:
		writeClauses(b, n.Clauses, " OR ")
	case *And:
		writeClauses(b, n.Clauses, " AND ")
	case *Not:
		b.WriteString("NOT ")
		writeOperand(b, n.X)
	case *MatchAll:
		b.WriteByte('*')
	case *Exists:
		b.WriteString(n.Field)
		b.WriteString(":*")
	case *Term:
		writeField(b, n.Field)
		if n.Quoted || n.Value == "" {
			writePhrase(b, n.Value)
		} else {
			writeValue(b, n.Value, n.Field == "")
		}
	case *Wildcard:
		writeField(b, n.Field)
		writePattern(b, n.Pattern, n.Field == "")
	case *Range:
		writeRange(b, n)
	}
}

func writeClauses(b *strings.Builder, clauses []Node, op string) {
	for i, c := range clauses {
		if i > 0 {
			b.WriteString(op)
		}
		writeOperand(b, c)
	}
}

// writeOperand parenthesises a nested And or Or. Precedence alone would
// make some of these parentheses redundant, but then an And inside an And
// would flatten on reparse; explicit grouping keeps the tree.
func writeOperand(b *strings.Builder, n Node) {
	switch n.(type) {
	case *And, *Or:
		b.WriteByte('(')
		writeNode(b, n)
		b.WriteByte(')')
	default:
		writeNode(b, n)
	}
}

func writeField(b *strings.Builder, field string) {
	if field != "" {
		b.WriteString(field)
		b.WriteByte(':')
	}
}

func writePhrase(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// valueSpecials are escaped wherever they occur in an unquoted value. Only
// some of them are special in every position, but escaping all of them
// keeps the rule simple and the output unambiguous.
const valueSpecials = `()[]{}"\*?<>=`

// needsEscape reports whether rune r of an unquoted value must be escaped.
// A bare value (no field) also escapes ':', which would make it a field,
// and a leading '-', which would make it NOT. After "field:" both are
// ordinary: thingName:a:b, attributes.temp:-5.
func needsEscape(r rune, first, bare bool) bool {
	return isSpace(r) || strings.ContainsRune(valueSpecials, r) || strings.ContainsRune(unsupportedRunes, r) ||
		bare && (r == ':' || first && r == '-')
}

// writeValue writes an unquoted literal value (a Term's value or a range
// bound), escaping what the lexer would misread. The keywords, and TO,
// which ends a range's lower bound, get a leading backslash.
func writeValue(b *strings.Builder, v string, bare bool) {
	if isKeyword(v) || v == "TO" {
		b.WriteByte('\\')
	}
	for i := 0; i < len(v); {
		r, w := utf8.DecodeRuneInString(v[i:])
		if needsEscape(r, i == 0, bare) {
			b.WriteByte('\\')
		}
		b.WriteString(v[i : i+w]) // the original bytes, even if invalid UTF-8
		i += w
	}
}

// writePattern writes a wildcard pattern: its metacharacters and escapes
// as they are, every other rune escaped as writeValue would.
func writePattern(b *strings.Builder, p string, bare bool) {
	for i := 0; i < len(p); {
		switch p[i] {
		case '*', '?':
			b.WriteByte(p[i])
			i++
			continue
		case '\\':
			if i+1 == len(p) {
				b.WriteString(`\\`)
				i++
				continue
			}
			_, w := utf8.DecodeRuneInString(p[i+1:])
			b.WriteString(p[i : i+1+w])
			i += 1 + w
			continue
		}
		r, w := utf8.DecodeRuneInString(p[i:])
		if needsEscape(r, i == 0, bare) {
			b.WriteByte('\\')
		}
		b.WriteString(p[i : i+w])
		i += w
	}
}

// writeRange prints f:[lo TO hi]. An open end takes the bracket of the
// other end, so f < 5 prints as f:{* TO 5} and f >= 5 as f:[5 TO *].
func writeRange(b *strings.Builder, n *Range) {
	writeField(b, n.Field)
	inclLower, inclUpper := n.IncludeLower, n.IncludeUpper
	switch {
	case n.Lower == nil && n.Upper == nil:
		inclLower, inclUpper = true, true
	case n.Lower == nil:
		inclLower = inclUpper
	case n.Upper == nil:
		inclUpper = inclLower
	}
	if inclLower {
		b.WriteByte('[')
	} else {
		b.WriteByte('{')
	}
	writeBound(b, n.Lower)
	b.WriteString(" TO ")
	writeBound(b, n.Upper)
	if inclUpper {
		b.WriteByte(']')
	} else {
		b.WriteByte('}')
	}
}

func writeBound(b *strings.Builder, bd *Bound) {
	switch {
	case bd == nil:
		b.WriteByte('*')
	case bd.Quoted || bd.Value == "":
		writePhrase(b, bd.Value)
	default:
		writeValue(b, bd.Value, false)
	}
}
