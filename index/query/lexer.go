package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The query language is context-sensitive at the character level: after
// "field:" a value may contain ':' '<' '=' (thingName:a:b, arn:aws:...),
// inside a range a bound ends at ']' or '}', while a bare word that is
// followed by ':' is a field name. So the lexer has one entry point per
// context (next, fieldValue, cmpValue, rangeBody), and the parser, which
// knows the context, calls the right one. It never looks more than one token
// ahead, so switching context is always safe.

// eof is what the lexer sees past the end of the query.
const eof rune = -1

type tokenKind int

const (
	tEOF       tokenKind = iota
	tError               // text is the message
	tLParen              // (
	tRParen              // )
	tMinus               // - prefix, same as NOT
	tAND                 // AND
	tOR                  // OR
	tNOT                 // NOT
	tField               // "name:"; text is the name; the ':' is consumed
	tCmp                 // "name <"; text is the name, op the operator
	tWord                // a value; text is raw, with its escapes
	tPhrase              // a "quoted phrase"; text is unescaped
	tRangeOpen           // [ or {; text is the bracket
)

type token struct {
	kind tokenKind
	pos  Pos
	text string
	op   string // tCmp only: "<", "<=", ">" or ">="
}

// describe names a token for "unexpected X" messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tMinus:
		return "'-'"
	case tAND, tOR, tNOT:
		return t.text
	case tField:
		return fmt.Sprintf("field %q", t.text)
	case tCmp:
		return fmt.Sprintf("comparison on %q", t.text)
	case tPhrase:
		return "quoted phrase"
	case tRangeOpen:
		return fmt.Sprintf("'%s'", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type lexer struct {
	src string
	off int // byte offset of the next unread character
}

func (l *lexer) errorf(pos int, format string, args ...any) token {
	return token{kind: tError, pos: Pos(pos), text: fmt.Sprintf(format, args...)}
}

// peekRune returns the next rune and its width without consuming it. An
// invalid UTF-8 byte comes back as utf8.RuneError of width 1 and is an
// ordinary word character.
func (l *lexer) peekRune() (rune, int) {
	if l.off >= len(l.src) {
		return eof, 0
	}
	if c := l.src[l.off]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(l.src[l.off:])
}

// skipSpace consumes whitespace and reports how many bytes it skipped.
func (l *lexer) skipSpace() int {
	start := l.off
	for {
		r, w := l.peekRune()
		if !isSpace(r) {
			return l.off - start
		}
		l.off += w
	}
}

// next returns the next token in operator context: at the top level, after
// an operator, or inside a parenthesised group.
func (l *lexer) next() token {
	l.skipSpace()
	start := l.off
	r, w := l.peekRune()
	switch r {
	case eof:
		return token{kind: tEOF, pos: Pos(start)}
	case '(':
		l.off += w
		return token{kind: tLParen, pos: Pos(start)}
	case ')':
		l.off += w
		return token{kind: tRParen, pos: Pos(start)}
	case '-':
		l.off += w
		return token{kind: tMinus, pos: Pos(start)}
	case '"':
		return l.endOfValue(l.phrase(), "quoted phrase")
	case '[', '{':
		l.off += w
		return token{kind: tRangeOpen, pos: Pos(start), text: string(r)}
	case ']', '}':
		return l.errorf(start, "unexpected '%c' outside a range", r)
	case ':':
		return l.errorf(start, "unexpected ':', expected a field name before it")
	case '<', '>':
		return l.errorf(start, "unexpected '%c', expected a field name before it", r)
	case '=':
		return l.errorf(start, "unexpected '=': match a value with field:value")
	}
	return l.word()
}

// word scans a field name followed by ':' or a comparison, or else a bare
// value. The longest run of field characters decides: "a.b:" is a field,
// "a.b <" a comparison, anything else a value that goes on to the next
// unescaped whitespace or parenthesis.
func (l *lexer) word() token {
	start := l.off
	for {
		r, w := l.peekRune()
		if !isFieldRune(r) {
			break
		}
		if strings.ContainsRune(unsupportedRunes, r) {
			return l.unsupported(r)
		}
		l.off += w
	}
	if name := l.src[start:l.off]; name != "" {
		r, _ := l.peekRune()
		switch {
		case r == ':':
			l.off++
			return token{kind: tField, pos: Pos(start), text: name}
		case r == '<' || r == '>':
			return l.comparison(start, name)
		case isSpace(r) && !isKeyword(name):
			// "connectivity.timestamp > 1557651600000": spaces are allowed
			// around the operator. Keywords stay keywords ("a AND <5" is an
			// error, not a comparison on a field named AND).
			save := l.off
			l.skipSpace()
			if r, _ := l.peekRune(); r == '<' || r == '>' {
				return l.comparison(start, name)
			}
			l.off = save
		}
	}
	t := l.scanWord(isBareStop)
	if t.kind == tError {
		return t
	}
	raw := l.src[start:l.off]
	switch r, _ := l.peekRune(); r {
	case ':', '<', '>':
		return l.errorf(start, "invalid field name %q: a field name cannot contain %q", raw, firstNonField(raw))
	case '=':
		return l.errorf(l.off, "unexpected '=': match a value with field:value")
	}
	switch raw {
	case "AND":
		return token{kind: tAND, pos: Pos(start), text: raw}
	case "OR":
		return token{kind: tOR, pos: Pos(start), text: raw}
	case "NOT":
		return token{kind: tNOT, pos: Pos(start), text: raw}
	}
	return token{kind: tWord, pos: Pos(start), text: raw}
}

// isBareStop ends a bare value. ':' '<' '>' '=' end it too, so that a
// misspelt field ("a*:b", "a=b") is reported instead of silently becoming a
// value that matches nothing.
func isBareStop(r rune) bool {
	return isSpace(r) || strings.ContainsRune("():<>=", r)
}

// isValueStop ends a value after "field:" or a comparison operator.
func isValueStop(r rune) bool {
	return isSpace(r) || r == '(' || r == ')'
}

// isBoundStop ends a range bound.
func isBoundStop(r rune) bool {
	return isSpace(r) || r == ']' || r == '}'
}

func firstNonField(s string) rune {
	for _, r := range s {
		if !isFieldRune(r) {
			return r
		}
	}
	return utf8.RuneError // unreachable: the caller saw a non-field rune
}

// comparison scans the operator after a field name; the value follows in
// cmpValue.
func (l *lexer) comparison(start int, name string) token {
	opStart := l.off
	l.off++
	if l.off < len(l.src) && l.src[l.off] == '=' {
		l.off++
	}
	return token{kind: tCmp, pos: Pos(start), text: name, op: l.src[opStart:l.off]}
}

// scanWord consumes runes up to an unescaped one for which stop reports
// true, or the end. A backslash escapes any next character.
// unsupported reports a character AWS does not support, at the current
// position.
func (l *lexer) unsupported(r rune) token {
	return l.errorf(l.off, "%q is not supported in a fleet-index query (AWS supports none of %s; escape it with '\\' to search for it)", r, unsupportedRunes)
}

func (l *lexer) scanWord(stop func(rune) bool) token {
	start := l.off
	for {
		r, w := l.peekRune()
		if r == eof || stop(r) {
			break
		}
		if strings.ContainsRune(unsupportedRunes, r) {
			return l.unsupported(r)
		}
		if r == '\\' {
			if l.off+w >= len(l.src) {
				return l.errorf(l.off, `expected a character after '\'`)
			}
			_, w2 := utf8.DecodeRuneInString(l.src[l.off+w:])
			w += w2
		}
		l.off += w
	}
	return token{kind: tWord, pos: Pos(start), text: l.src[start:l.off]}
}

// phrase scans a "quoted phrase" from its opening quote. Inside it only \"
// and \\ are escapes; any other backslash is literal, so a phrase like
// "C:\temp" needs no doubling.
func (l *lexer) phrase() token {
	start := l.off
	var b strings.Builder
	for i := start + 1; i < len(l.src); i++ {
		switch c := l.src[i]; {
		case c == '"':
			l.off = i + 1
			return token{kind: tPhrase, pos: Pos(start), text: b.String()}
		case c == '\\' && i+1 < len(l.src) && (l.src[i+1] == '"' || l.src[i+1] == '\\'):
			i++
			b.WriteByte(l.src[i])
		default:
			b.WriteByte(c) // byte-wise is safe: '"' and '\\' never occur inside a multi-byte rune
		}
	}
	return l.errorf(start, "unterminated quoted phrase")
}

// endOfValue insists that a phrase or range is followed by whitespace, ')'
// or the end: `f:"a"*` is more likely a mistake than "f:a AND *".
func (l *lexer) endOfValue(t token, what string) token {
	if t.kind == tError {
		return t
	}
	if r, _ := l.peekRune(); r != eof && !isSpace(r) && r != ')' {
		return l.errorf(l.off, "expected whitespace or ')' after the %s", what)
	}
	return t
}

// fieldValue scans what follows "field:": a group's '(', a range's opening
// bracket, a phrase or a word. Whitespace after the ':' is not allowed.
func (l *lexer) fieldValue() token {
	start := l.off
	r, w := l.peekRune()
	switch {
	case r == '(':
		l.off += w
		return token{kind: tLParen, pos: Pos(start)}
	case r == '[' || r == '{':
		l.off += w
		return token{kind: tRangeOpen, pos: Pos(start), text: string(r)}
	case r == '"':
		return l.endOfValue(l.phrase(), "quoted phrase")
	case r == eof || isSpace(r) || r == ')':
		return l.errorf(start, "expected a value after ':'")
	case r == '<' || r == '>':
		return l.errorf(start, "unexpected '%c' after ':', expected a value (compare with field%cvalue)", r, r)
	case r == '=':
		return l.errorf(start, "unexpected '=' after ':', expected a value")
	}
	return l.scanWord(isValueStop)
}

// cmpValue scans the value after a comparison operator; spaces may precede it.
func (l *lexer) cmpValue(op string) token {
	l.skipSpace()
	start := l.off
	switch r, _ := l.peekRune(); {
	case r == '"':
		return l.endOfValue(l.phrase(), "quoted phrase")
	case r == eof || r == '(' || r == ')' || r == '<' || r == '>' || r == '=':
		return l.errorf(start, "expected a value after '%s'", op)
	}
	return l.scanWord(isValueStop)
}

// rangeLit is a scanned range: the bounds (nil when open) and whether each
// bracket was inclusive.
type rangeLit struct {
	lower, upper         *Bound
	inclLower, inclUpper bool
}

// rangeBody scans `lo TO hi]` after the opening bracket open. The returned
// token is an error or the closing bracket.
func (l *lexer) rangeBody(open string) (rangeLit, token) {
	rl := rangeLit{inclLower: open == "["}
	l.skipSpace()
	lo, t := l.bound("lower")
	if t.kind == tError {
		return rl, t
	}
	if l.skipSpace() == 0 {
		if r, _ := l.peekRune(); r != eof && r != ']' && r != '}' {
			return rl, l.errorf(l.off, "expected whitespace after the lower bound")
		}
	}
	toStart := l.off
	if to := l.scanWord(isBoundStop); to.kind == tError {
		return rl, to
	} else if to.text != "TO" {
		return rl, l.errorf(toStart, "expected TO in range")
	}
	if l.skipSpace() == 0 {
		return rl, l.errorf(l.off, "expected whitespace and the upper bound after TO")
	}
	hi, t := l.bound("upper")
	if t.kind == tError {
		return rl, t
	}
	l.skipSpace()
	closeAt := l.off
	switch r, _ := l.peekRune(); r {
	case ']', '}':
		l.off++
		rl.inclUpper = r == ']'
	case eof:
		return rl, l.errorf(closeAt, "unterminated range, expected ']' or '}'")
	default:
		return rl, l.errorf(closeAt, "expected ']' or '}' after the upper bound")
	}
	rl.lower, rl.upper = lo, hi
	// An open end includes nothing; keeping its flag false gives one AST
	// for [* TO 5] and {* TO 5].
	rl.inclLower = rl.inclLower && lo != nil
	rl.inclUpper = rl.inclUpper && hi != nil
	return rl, l.endOfValue(token{kind: tRangeOpen, pos: Pos(closeAt), text: l.src[closeAt:l.off]}, "range")
}

// bound scans one end of a range: a phrase, "*" for open, or a literal word.
// Wildcards mean nothing in a bound; `*` is special only on its own.
func (l *lexer) bound(which string) (*Bound, token) {
	start := l.off
	switch r, _ := l.peekRune(); r {
	case '"':
		t := l.phrase()
		if t.kind == tError {
			return nil, t
		}
		return &Bound{Value: t.text, Quoted: true}, t
	case eof, ']', '}':
		return nil, l.errorf(start, "expected the %s bound of the range", which)
	}
	t := l.scanWord(isBoundStop)
	switch {
	case t.kind == tError:
		return nil, t
	case t.text == "*":
		return nil, t
	case t.text == "TO":
		return nil, l.errorf(start, "unexpected TO, expected the %s bound of the range", which)
	}
	return &Bound{Value: unescape(t.text)}, t
}
