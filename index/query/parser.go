package query

import "fmt"

// maxDepth caps nesting of parentheses, field groups and NOT chains, so a
// hostile query cannot exhaust the stack of the parser, the printer or an
// evaluator. AWS's 1000-byte limit allows ~500 levels; real queries use a few.
// It applies both to the input as written and to its canonical String.
const maxDepth = 64

// Parse parses a query under DefaultLimits. The error, if any, is an *Error.
func Parse(s string) (Node, error) {
	return ParseWithLimits(s, DefaultLimits())
}

// ParseWithLimits parses a query and checks it against l; a zero field of l
// means no limit. The error, if any, is an *Error.
func ParseWithLimits(s string, l Limits) (Node, error) {
	if l.MaxQueryBytes > 0 && len(s) > l.MaxQueryBytes {
		return nil, errorf(0, "query is %d bytes; at most %d are allowed", len(s), l.MaxQueryBytes).locate(s)
	}
	p := parser{lx: lexer{src: s}}
	n, err := p.parseQuery()
	if err == nil {
		err = checkNesting(n, 0, false)
	}
	if err == nil {
		err = l.check(s, n)
	}
	if err != nil {
		return nil, err.locate(s)
	}
	return n, nil
}

type parser struct {
	lx     lexer
	tok    token // the lookahead, valid when peeked
	peeked bool
	depth  int
	// field is the field of the enclosing field group, "" outside one:
	// inside thingName:(...) every leaf gets Field "thingName".
	field string
}

func (p *parser) peek() token {
	if !p.peeked {
		p.tok, p.peeked = p.lx.next(), true
	}
	return p.tok
}

func (p *parser) next() token {
	t := p.peek()
	p.peeked = false
	return t
}

// checkNesting applies maxDepth to the query as String prints it, which may
// nest deeper than the input did: "a OR b c" prints as "a OR (b AND c)".
// Without it a query at the limit would print to one beyond it. n's parent
// is nested depth levels deep; parens says whether String parenthesises n.
func checkNesting(n Node, depth int, parens bool) *Error {
	var clauses []Node
	switch n := n.(type) {
	case *Not:
		if depth+1 > maxDepth {
			return errorf(n.At, "query nests more than %d levels deep", maxDepth)
		}
		return checkNesting(n.X, depth+1, true)
	case *And:
		clauses = n.Clauses
	case *Or:
		clauses = n.Clauses
	default:
		return nil
	}
	if parens {
		if depth++; depth > maxDepth {
			return errorf(n.Pos(), "query nests more than %d levels deep", maxDepth)
		}
	}
	for _, c := range clauses {
		if err := checkNesting(c, depth, true); err != nil {
			return err
		}
	}
	return nil
}

// enter and leave bracket every recursive descent that the input controls.
func (p *parser) enter(at Pos) *Error {
	p.depth++
	if p.depth > maxDepth {
		return errorf(at, "query nests more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// unexpected reports t where something else was expected; a lexical error
// token carries its own, more precise, message.
func (p *parser) unexpected(t token, expected string) *Error {
	if t.kind == tError {
		return errorf(t.pos, "%s", t.text)
	}
	return errorf(t.pos, "unexpected %s, expected %s", t.describe(), expected)
}

// at formats a position for messages that point back at an opening bracket.
func (p *parser) at(pos Pos) string {
	line, col := lineCol(p.lx.src, pos)
	return fmt.Sprintf("%d:%d", line, col)
}

func (p *parser) parseQuery() (Node, *Error) {
	if p.peek().kind == tEOF {
		return nil, errorf(0, "empty query")
	}
	n, err := p.parseOr("")
	if err != nil {
		return nil, err
	}
	// parseAnd takes every token that can start a term, so only these remain.
	switch t := p.next(); t.kind {
	case tEOF:
		return n, nil
	case tRParen:
		return nil, errorf(t.pos, "unexpected ')' without a matching '('")
	default:
		return nil, p.unexpected(t, "end of query")
	}
}

// parseOr: and ("OR" and)*. The clauses of one chain form one Or node.
func (p *parser) parseOr(after string) (Node, *Error) {
	first, err := p.parseAnd(after)
	if err != nil || p.peek().kind != tOR {
		return first, err
	}
	or := &Or{At: first.Pos(), Clauses: []Node{first}}
	for p.peek().kind == tOR {
		p.next()
		x, err := p.parseAnd(" after OR")
		if err != nil {
			return nil, err
		}
		or.Clauses = append(or.Clauses, x)
	}
	return or, nil
}

// parseAnd: unary (["AND"] unary)*. Juxtaposition is AND, so "a NOT b" is
// a AND NOT b. A parenthesised And inside stays a nested node.
func (p *parser) parseAnd(after string) (Node, *Error) {
	first, err := p.parseUnary(after)
	if err != nil {
		return nil, err
	}
	var and *And
	for {
		ctx := ""
		switch p.peek().kind {
		case tOR, tRParen, tEOF:
			if and == nil {
				return first, nil
			}
			return and, nil
		case tAND:
			p.next()
			ctx = " after AND"
		}
		x, err := p.parseUnary(ctx)
		if err != nil {
			return nil, err
		}
		if and == nil {
			and = &And{At: first.Pos(), Clauses: []Node{first}}
		}
		and.Clauses = append(and.Clauses, x)
	}
}

// parseUnary: ("NOT" | "-") unary | primary.
func (p *parser) parseUnary(after string) (Node, *Error) {
	t := p.peek()
	if t.kind != tNOT && t.kind != tMinus {
		return p.parsePrimary(after)
	}
	p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseUnary(" after " + t.describe())
	if err != nil {
		return nil, err
	}
	return &Not{At: t.pos, X: x}, nil
}

func (p *parser) parsePrimary(after string) (Node, *Error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		return p.parens(t.pos, "'('")
	case tWord:
		if p.field == "" && t.text == "*" {
			return &MatchAll{At: t.pos}, nil
		}
		return valueNode(t.pos, p.field, t.text), nil
	case tPhrase:
		return &Term{At: t.pos, Field: p.field, Value: t.text, Quoted: true}, nil
	case tField:
		if p.field != "" {
			return nil, errorf(t.pos, "field %q inside the group of field %q; a field group holds values only", t.text, p.field)
		}
		return p.fieldClause(t)
	case tCmp:
		if p.field != "" {
			return nil, errorf(t.pos, "comparison on %q inside the group of field %q; a field group holds values only", t.text, p.field)
		}
		return p.comparison(t)
	case tRangeOpen:
		if p.field == "" {
			return nil, errorf(t.pos, "unexpected '%s', a range must follow a field and ':'", t.text)
		}
		return p.rangeClause(p.field, t.pos, t.text)
	}
	return nil, p.unexpected(t, "a term"+after)
}

// parens parses the inside of a parenthesised query or field group, whose
// '(' is at open. Parentheses produce no node.
func (p *parser) parens(open Pos, what string) (Node, *Error) {
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseOr(" after '('")
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tRParen {
		return nil, p.unexpected(t, fmt.Sprintf("')' to close the %s at %s", what, p.at(open)))
	}
	return x, nil
}

// valueNode builds the leaf for a raw word in a field (Field "" for a bare
// word): "*" tests existence, an unescaped * or ? makes a wildcard.
func valueNode(at Pos, field, raw string) Node {
	switch {
	case raw == "*":
		return &Exists{At: at, Field: field}
	case hasWildcard(raw):
		return &Wildcard{At: at, Field: field, Pattern: wildcardPattern(raw)}
	}
	return &Term{At: at, Field: field, Value: unescape(raw)}
}

// fieldClause parses what follows "field:" (the token f).
func (p *parser) fieldClause(f token) (Node, *Error) {
	v := p.lx.fieldValue()
	switch v.kind {
	case tLParen:
		p.field = f.text
		x, err := p.parens(v.pos, fmt.Sprintf("group of %q", f.text))
		p.field = ""
		if err != nil {
			return nil, err
		}
		// The group's outermost node starts where the field does, as
		// thingName:a and thingName:(a) both start at thingName.
		setPos(x, f.pos)
		return x, nil
	case tRangeOpen:
		return p.rangeClause(f.text, f.pos, v.text)
	case tPhrase:
		return &Term{At: f.pos, Field: f.text, Value: v.text, Quoted: true}, nil
	case tWord:
		if isKeyword(v.text) {
			return nil, errorf(v.pos, "unexpected %s, expected a value after ':'", v.text)
		}
		return valueNode(f.pos, f.text, v.text), nil
	}
	return nil, p.unexpected(v, "a value after ':'")
}

// rangeClause parses a range after its opening bracket.
func (p *parser) rangeClause(field string, at Pos, open string) (Node, *Error) {
	rl, t := p.lx.rangeBody(open)
	if t.kind == tError {
		return nil, p.unexpected(t, "a range")
	}
	return &Range{At: at, Field: field, Lower: rl.lower, Upper: rl.upper,
		IncludeLower: rl.inclLower, IncludeUpper: rl.inclUpper}, nil
}

// comparison desugars "f < v" and friends into a half-open Range.
func (p *parser) comparison(c token) (Node, *Error) {
	v := p.lx.cmpValue(c.op)
	var b *Bound
	switch {
	case v.kind == tError:
		return nil, p.unexpected(v, "a value")
	case v.kind == tPhrase:
		b = &Bound{Value: v.text, Quoted: true}
	case v.text == "*":
		return nil, errorf(v.pos, "unexpected '*' after '%s', expected a value (field:* tests that a field exists)", c.op)
	case isKeyword(v.text):
		return nil, errorf(v.pos, "unexpected %s, expected a value after '%s'", v.text, c.op)
	default:
		// Like a range bound, a compared value is literal: no wildcards.
		b = &Bound{Value: unescape(v.text)}
	}
	r := &Range{At: c.pos, Field: c.text}
	switch c.op {
	case "<", "<=":
		r.Upper, r.IncludeUpper = b, c.op == "<="
	default:
		r.Lower, r.IncludeLower = b, c.op == ">="
	}
	return r, nil
}

func setPos(n Node, at Pos) {
	switch n := n.(type) {
	case *Or:
		n.At = at
	case *And:
		n.At = at
	case *Not:
		n.At = at
	case *MatchAll:
		n.At = at
	case *Exists:
		n.At = at
	case *Term:
		n.At = at
	case *Wildcard:
		n.At = at
	case *Range:
		n.At = at
	}
}
