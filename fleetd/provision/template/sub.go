package template

import (
	"strings"
)

// sub is {"Fn::Sub": "text ${Name}"} or {"Fn::Sub": ["text ${x}", {"x": value}]}.
// A name is looked up in the variables first, then among the parameters;
// ${!Literal} writes ${Literal}.
type sub struct {
	path  string
	parts []subPart
	vars  map[string]stringExpr
}

// subPart is either literal text or a ${name} to substitute.
type subPart struct {
	text string
	name string // non-empty for a substitution
}

// parseSubFormat splits an Fn::Sub format into parts. It fails on an
// unterminated ${ or an empty ${}.
func parseSubFormat(format string) ([]subPart, string) {
	var parts []subPart
	var text strings.Builder
	rest := format
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			text.WriteString(rest)
			break
		}
		text.WriteString(rest[:i])
		rest = rest[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, "unterminated ${ in Fn::Sub format"
		}
		name := rest[:end]
		rest = rest[end+1:]
		if literal, ok := strings.CutPrefix(name, "!"); ok {
			text.WriteString("${" + literal + "}")
			continue
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, "empty ${} in Fn::Sub format"
		}
		if text.Len() > 0 {
			parts = append(parts, subPart{text: text.String()})
			text.Reset()
		}
		parts = append(parts, subPart{name: name})
	}
	if text.Len() > 0 {
		parts = append(parts, subPart{text: text.String()})
	}
	return parts, ""
}

func (su *sub) evalString(s *scope) (string, error) {
	var b strings.Builder
	for _, p := range su.parts {
		if p.name == "" {
			b.WriteString(p.text)
			continue
		}
		var v string
		var err error
		if e, ok := su.vars[p.name]; ok {
			v, err = e.evalString(s)
		} else {
			v, err = s.lookup(su.path, p.name)
		}
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}
