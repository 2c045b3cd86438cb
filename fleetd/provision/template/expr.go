package template

import (
	"strconv"
	"strings"
)

// stringExpr is a compiled value that evaluates to a string: a literal or
// Ref, Fn::Join, Fn::Sub, Fn::Select, Fn::FindInMap. Whether a value is a
// string or a list is known at parse time, so type mistakes such as a
// Fn::Split where a thing name belongs are Parse problems, not evaluation
// failures.
type stringExpr interface {
	evalString(s *scope) (string, error)
}

// listExpr is a compiled value that evaluates to a list of strings: a JSON
// array of string values or Fn::Split.
type listExpr interface {
	evalList(s *scope) ([]string, error)
}

type literal string

func (l literal) evalString(*scope) (string, error) { return string(l), nil }

// ref is {"Ref": name}: a declared parameter or a pseudo-parameter.
type ref struct {
	path, name string
}

func (r *ref) evalString(s *scope) (string, error) { return s.lookup(r.path, r.name) }

// join is {"Fn::Join": [delimiter, list]}.
type join struct {
	delimiter string
	list      listExpr
}

func (j *join) evalString(s *scope) (string, error) {
	parts, err := j.list.evalList(s)
	if err != nil {
		return "", err
	}
	return strings.Join(parts, j.delimiter), nil
}

// split is {"Fn::Split": [delimiter, source]}.
type split struct {
	delimiter string
	source    stringExpr
}

func (sp *split) evalList(s *scope) ([]string, error) {
	v, err := sp.source.evalString(s)
	if err != nil {
		return nil, err
	}
	return strings.Split(v, sp.delimiter), nil
}

// selectExpr is {"Fn::Select": [index, list]}. The index is a literal
// when the template spells it as a number or a numeric string.
type selectExpr struct {
	path  string
	index stringExpr
	list  listExpr
}

func (se *selectExpr) evalString(s *scope) (string, error) {
	is, err := se.index.evalString(s)
	if err != nil {
		return "", err
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 {
		return "", evalFailure(se.path, "index %q is not a non-negative integer", is)
	}
	list, err := se.list.evalList(s)
	if err != nil {
		return "", err
	}
	if i >= len(list) {
		return "", evalFailure(se.path, "index %d is out of range for a list of %d", i, len(list))
	}
	return list[i], nil
}

// findInMap is {"Fn::FindInMap": [map, topKey, secondKey]}.
type findInMap struct {
	path                 string
	mapName, top, second stringExpr
}

func (f *findInMap) evalString(s *scope) (string, error) {
	name, err := f.mapName.evalString(s)
	if err != nil {
		return "", err
	}
	top, err := f.top.evalString(s)
	if err != nil {
		return "", err
	}
	second, err := f.second.evalString(s)
	if err != nil {
		return "", err
	}
	m, ok := s.t.mappings[name]
	if !ok {
		return "", evalFailure(f.path, "no mapping %q", name)
	}
	inner, ok := m[top]
	if !ok {
		return "", evalFailure(f.path, "mapping %q has no key %q", name, top)
	}
	v, ok := inner[second]
	if !ok {
		return "", evalFailure(f.path, "mapping %q key %q has no key %q", name, top, second)
	}
	return v, nil
}

// listLiteral is a JSON array of string values.
type listLiteral []stringExpr

func (l listLiteral) evalList(s *scope) ([]string, error) {
	out := make([]string, len(l))
	for i, e := range l {
		v, err := e.evalString(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
