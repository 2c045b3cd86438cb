package query

import "fmt"

// Error is a query that could not be parsed or that breaks a limit. Pos is
// the byte offset the message is about; Line and Col restate it for people
// (both 1-based; Col counts runes, so a multi-byte character is one column).
type Error struct {
	Pos  Pos
	Line int
	Col  int
	Msg  string
}

// Error returns "line:col: msg", e.g. "1:17: unexpected AND, expected a term".
func (e *Error) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// Code is the AWS error code an API adapter reports for this error.
func (e *Error) Code() string { return "InvalidQueryException" }

// errorf builds an Error whose Line and Col are filled in later by locate,
// once, at the API boundary: the lexer and parser only track byte offsets.
func errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// locate fills in Line and Col from Pos.
func (e *Error) locate(src string) *Error {
	e.Line, e.Col = lineCol(src, e.Pos)
	return e
}

// lineCol converts a byte offset into a 1-based line and rune column. An
// invalid UTF-8 byte counts as one column, as it prints as one replacement
// character.
func lineCol(src string, pos Pos) (line, col int) {
	if int(pos) > len(src) {
		pos = Pos(len(src))
	}
	if pos < 0 {
		pos = 0
	}
	line, col = 1, 1
	for _, r := range src[:pos] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
