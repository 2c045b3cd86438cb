package policy

import (
	"fmt"
	"net/netip"
	"strings"
)

type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opBool
	opIPAddress
	opArnEquals
	opArnLike
	opNull
)

type qualifier uint8

const (
	qualNone qualifier = iota
	qualForAnyValue
	qualForAllValues
)

// operator is a parsed condition operator such as
// "ForAllValues:StringNotLikeIfExists".
type operator struct {
	kind      opKind
	negate    bool
	qualifier qualifier
	ifExists  bool
}

var operatorNames = map[string]operator{
	"StringEquals":              {kind: opStringEquals},
	"StringNotEquals":           {kind: opStringEquals, negate: true},
	"StringEqualsIgnoreCase":    {kind: opStringEqualsIgnoreCase},
	"StringNotEqualsIgnoreCase": {kind: opStringEqualsIgnoreCase, negate: true},
	"StringLike":                {kind: opStringLike},
	"StringNotLike":             {kind: opStringLike, negate: true},
	"Bool":                      {kind: opBool},
	"IpAddress":                 {kind: opIPAddress},
	"NotIpAddress":              {kind: opIPAddress, negate: true},
	"ArnEquals":                 {kind: opArnEquals},
	"ArnNotEquals":              {kind: opArnEquals, negate: true},
	"ArnLike":                   {kind: opArnLike},
	"ArnNotLike":                {kind: opArnLike, negate: true},
	"Null":                      {kind: opNull},
}

func parseOperator(name string) (operator, error) {
	base := name
	q := qualNone
	if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		base, q = rest, qualForAnyValue
	} else if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		base, q = rest, qualForAllValues
	}
	base, ifExists := strings.CutSuffix(base, "IfExists")
	op, ok := operatorNames[base]
	switch {
	case !ok && (strings.HasPrefix(base, "Numeric") || strings.HasPrefix(base, "Date") || base == "BinaryEquals"):
		return operator{}, fmt.Errorf("condition operator %s is not supported by fleetd", name)
	case !ok:
		return operator{}, fmt.Errorf("unknown condition operator %q", name)
	case op.kind == opNull && (ifExists || q != qualNone):
		return operator{}, fmt.Errorf("condition operator %s: Null takes no qualifier and no IfExists", name)
	}
	op.qualifier, op.ifExists = q, ifExists
	return op, nil
}

// compiledCondition is one operator/key pair ready to evaluate.
type compiledCondition struct {
	operator
	key      varRef
	values   []pattern      // string, Bool and Arn operators
	prefixes []netip.Prefix // IpAddress
	// Null: whether "true" (key absent) and "false" (present) are listed.
	nullAbsent, nullPresent bool
}

func compileCondition(c *Condition, variables bool) compiledCondition {
	op, err := parseOperator(c.Operator)
	if err != nil {
		// Parse validated the operator; a hand-built Document with a bad
		// one gets a condition that never holds.
		return compiledCondition{operator: operator{kind: opNull}}
	}
	cc := compiledCondition{operator: op, key: parseVarName(c.Key)}
	for _, v := range c.Values {
		switch op.kind {
		case opNull:
			if strings.EqualFold(v, "true") {
				cc.nullAbsent = true
			} else {
				cc.nullPresent = true
			}
		case opIPAddress:
			if p, err := parseIPPrefix(v); err == nil {
				cc.prefixes = append(cc.prefixes, p)
			}
		case opBool:
			cc.values = append(cc.values, compilePattern(strings.ToLower(v), false, false))
		default:
			glob := op.kind == opStringLike || op.kind == opArnLike || op.kind == opArnEquals
			cc.values = append(cc.values, compilePattern(v, glob, variables))
		}
	}
	return cc
}

// holds evaluates the condition with IAM's rules for absent keys: a
// negated operator, IfExists and ForAllValues hold, anything else fails.
func (c *compiledCondition) holds(ctx *Context) bool {
	if c.kind == opNull {
		present := c.key.values(ctx).n > 0
		return present && c.nullPresent || !present && c.nullAbsent
	}
	if c.kind == opIPAddress && c.key.kind == varSourceIP {
		if !ctx.SourceIP.IsValid() {
			return c.absent()
		}
		return c.matchAddr(ctx.SourceIP)
	}
	kv := c.key.values(ctx)
	if kv.n == 0 {
		return c.absent()
	}
	// Without a qualifier a multi-valued key (.List) asks what a reader
	// expects: some value matches, or, negated, no value matches.
	anyValue := c.qualifier == qualForAnyValue || c.qualifier == qualNone && !c.negate
	for i := 0; i < kv.n; i++ {
		ok := c.matchValue(ctx, kv.at(i))
		if anyValue && ok {
			return true
		}
		if !anyValue && !ok {
			return false
		}
	}
	return !anyValue
}

func (c *compiledCondition) absent() bool {
	switch {
	case c.ifExists:
		return true
	case c.qualifier == qualForAnyValue:
		return false
	case c.qualifier == qualForAllValues:
		return true
	}
	return c.negate
}

// matchValue applies the operator to one value of the key. A policy value
// whose variable does not resolve matches nothing; under a negated
// operator it fails the condition, so that an unresolved variable never
// widens what a statement covers.
func (c *compiledCondition) matchValue(ctx *Context, v string) bool {
	if c.kind == opIPAddress {
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		return c.matchAddr(addr)
	}
	fold := c.kind == opStringEqualsIgnoreCase || c.kind == opBool
	for i := range c.values {
		matched, resolved := c.values[i].match(v, ctx, fold)
		if !resolved && c.negate {
			return false
		}
		if matched {
			return !c.negate
		}
	}
	return c.negate
}

func (c *compiledCondition) matchAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.prefixes {
		if p.Contains(addr) {
			return !c.negate
		}
	}
	return c.negate
}
