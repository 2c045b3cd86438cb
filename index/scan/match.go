package scan

import (
	"fmt"
	"strings"

	"github.com/fleetlab/fleetlab/index/query"
)

// predicate decides one query node for one flattened document. A query is
// compiled into predicates once per Search, so per-leaf work (parsing a
// number, compiling a wildcard, folding a value) is not repeated per thing.
type predicate func(fields) bool

// compile turns a query AST into a predicate. It panics on a node type it
// does not know, which can only be a programming error: the AST is closed.
func compile(q query.Node) predicate {
	switch n := q.(type) {
	case *query.MatchAll:
		return func(fields) bool { return true }
	case *query.Exists:
		return leaf(n.Field, func(value) bool { return true })
	case *query.Term:
		return leaf(n.Field, termMatcher(n.Value))
	case *query.Wildcard:
		w := compileWildcard(n.Pattern)
		return leaf(n.Field, func(v value) bool {
			return v.kind == kindString && w.match(v.str)
		})
	case *query.Range:
		return leaf(n.Field, rangeMatcher(n))
	case *query.Not:
		x := compile(n.X)
		return func(f fields) bool { return !x(f) }
	case *query.And:
		cs := compileAll(n.Clauses)
		return func(f fields) bool {
			for _, c := range cs {
				if !c(f) {
					return false
				}
			}
			return true
		}
	case *query.Or:
		cs := compileAll(n.Clauses)
		return func(f fields) bool {
			for _, c := range cs {
				if c(f) {
					return true
				}
			}
			return false
		}
	}
	panic(fmt.Sprintf("scan: unknown query node %T", q))
}

func compileAll(qs []query.Node) []predicate {
	ps := make([]predicate, len(qs))
	for i, q := range qs {
		ps[i] = compile(q)
	}
	return ps
}

// leaf matches a document when any value of field satisfies ok. The empty
// field name (a bare term or wildcard) stands for every searchable field.
func leaf(field string, ok func(value) bool) predicate {
	anyOf := func(vs []value) bool {
		for _, v := range vs {
			if ok(v) {
				return true
			}
		}
		return false
	}
	if field == "" {
		return func(f fields) bool {
			for _, vs := range f {
				if anyOf(vs) {
					return true
				}
			}
			return false
		}
	}
	return func(f fields) bool { return anyOf(f[field]) }
}

// termMatcher matches one query value against a value of any kind: strings
// case-insensitively, numbers numerically when the query value is a number
// literal, booleans by "true"/"false" in any case.
func termMatcher(s string) func(value) bool {
	fs := fold(s)
	n, isNum := query.ParseNumber(s)
	return func(v value) bool {
		switch v.kind {
		case kindString:
			return v.str == fs
		case kindNumber:
			return isNum && v.num == n
		case kindBool:
			return (v.b && fs == "true") || (!v.b && fs == "false")
		}
		return false
	}
}

// rangeMatcher decides a range. Against number bounds (quoted or not) a
// number value compares numerically and a string value lexicographically,
// except the text of a numeric-looking attribute, which is that
// attribute's number; against any other bounds only strings take part,
// compared folded and bytewise, so a range like ["10.0.0" TO "2.1.0"] is
// as lexicographic as on AWS. With both ends open it is an existence test.
func rangeMatcher(r *query.Range) func(value) bool {
	if r.Lower == nil && r.Upper == nil {
		return func(value) bool { return true }
	}
	lo, loNum := boundNumber(r.Lower)
	hi, hiNum := boundNumber(r.Upper)
	numeric := loNum && hiNum
	var los, his string
	if r.Lower != nil {
		los = fold(r.Lower.Value)
	}
	if r.Upper != nil {
		his = fold(r.Upper.Value)
	}
	return func(v value) bool {
		switch {
		case v.kind == kindNumber && numeric:
			if r.Lower != nil && (v.num < lo || (v.num == lo && !r.IncludeLower)) {
				return false
			}
			if r.Upper != nil && (v.num > hi || (v.num == hi && !r.IncludeUpper)) {
				return false
			}
			return true
		case v.kind != kindString, numeric && v.numericText:
			return false
		}
		if r.Lower != nil {
			c := strings.Compare(v.str, los)
			if c < 0 || (c == 0 && !r.IncludeLower) {
				return false
			}
		}
		if r.Upper != nil {
			c := strings.Compare(v.str, his)
			if c > 0 || (c == 0 && !r.IncludeUpper) {
				return false
			}
		}
		return true
	}
}

// boundNumber parses a bound; an open end counts as numeric so that it does
// not decide the kind of the range.
func boundNumber(b *query.Bound) (float64, bool) {
	if b == nil {
		return 0, true
	}
	return query.ParseNumber(b.Value)
}
