package query

import "strconv"

// Pos is a byte offset into the query string. Errors convert it to a
// 1-based line:column pair.
type Pos int

// Node is a node of a parsed query. Every node knows where it starts.
type Node interface {
	Pos() Pos
	node()
}

// Or matches things that match any clause. It always has two or more clauses.
type Or struct {
	At      Pos
	Clauses []Node
}

// And matches things that match every clause; juxtaposition ("a b") and the
// keyword AND both produce it. It always has two or more clauses.
type And struct {
	At      Pos
	Clauses []Node
}

// Not matches every indexed thing that does not match X ("NOT x" or "-x").
type Not struct {
	At Pos
	X  Node
}

// MatchAll is the bare query "*": every indexed thing.
type MatchAll struct {
	At Pos
}

// Exists is "field:*": things that have any value for Field.
type Exists struct {
	At    Pos
	Field string
}

// Term matches a value exactly (case-insensitively for strings, numerically
// when both sides are numbers). Field is empty for a bare term, which matches
// the value in any field. Value is unescaped. Quoted records that the value
// was written as a "phrase"; it changes tokenisation, not typing.
type Term struct {
	At     Pos
	Field  string
	Value  string
	Quoted bool
}

// Wildcard matches string values against Pattern, in which '*' stands for any
// run of characters and '?' for exactly one; a backslash makes the next
// character literal (so `\*` is a literal star and `\\` a backslash).
// Field is empty for a bare wildcard term.
type Wildcard struct {
	At      Pos
	Field   string
	Pattern string
}

// Bound is one end of a Range. A nil *Bound is an open end ("*").
type Bound struct {
	Value  string
	Quoted bool
}

// Range matches values between Lower and Upper. Comparisons desugar to
// ranges: "f < 5" is f:{* TO 5}, "f >= 5" is f:[5 TO *]. The comparison is
// numeric when every present bound is a number, lexicographic on the
// case-folded strings otherwise.
type Range struct {
	At           Pos
	Field        string
	Lower        *Bound
	Upper        *Bound
	IncludeLower bool
	IncludeUpper bool
}

func (n *Or) Pos() Pos       { return n.At }
func (n *And) Pos() Pos      { return n.At }
func (n *Not) Pos() Pos      { return n.At }
func (n *MatchAll) Pos() Pos { return n.At }
func (n *Exists) Pos() Pos   { return n.At }
func (n *Term) Pos() Pos     { return n.At }
func (n *Wildcard) Pos() Pos { return n.At }
func (n *Range) Pos() Pos    { return n.At }

func (*Or) node()       {}
func (*And) node()      {}
func (*Not) node()      {}
func (*MatchAll) node() {}
func (*Exists) node()   {}
func (*Term) node()     {}
func (*Wildcard) node() {}
func (*Range) node()    {}

// ParseNumber reports whether s is a JSON number literal
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and returns its value.
// This is the one definition of "numeric" shared by the parser, the index
// and the evaluators: "00123" and "1." are strings, "-1.5e3" is a number.
func ParseNumber(s string) (float64, bool) {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	if i == n {
		return 0, false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return 0, false
	}
	if i < n && s[i] == '.' {
		i++
		start := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i != n {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false // out of float64 range
	}
	return f, true
}
