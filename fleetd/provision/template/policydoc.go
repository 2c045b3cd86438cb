package template

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// jsonValue is an inline policy document (or a part of it) that may hold
// intrinsic functions anywhere a string or list goes. It prints as compact
// JSON with object members in template order.
type jsonValue interface {
	appendJSON(dst []byte, s *scope) ([]byte, error)
}

type jsonObject struct {
	keys []string
	vals []jsonValue
}

func (o *jsonObject) appendJSON(dst []byte, s *scope) ([]byte, error) {
	dst = append(dst, '{')
	for i, k := range o.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = o.vals[i].appendJSON(dst, s); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

type jsonArray []jsonValue

func (a jsonArray) appendJSON(dst []byte, s *scope) ([]byte, error) {
	dst = append(dst, '[')
	for i, v := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = v.appendJSON(dst, s); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// jsonScalar is a number, boolean or null, printed as written.
type jsonScalar string

func (j jsonScalar) appendJSON(dst []byte, _ *scope) ([]byte, error) {
	return append(dst, j...), nil
}

type jsonString struct{ e stringExpr }

func (j jsonString) appendJSON(dst []byte, s *scope) ([]byte, error) {
	v, err := j.e.evalString(s)
	if err != nil {
		return nil, err
	}
	return appendQuoted(dst, v), nil
}

type jsonList struct{ e listExpr }

func (j jsonList) appendJSON(dst []byte, s *scope) ([]byte, error) {
	vs, err := j.e.evalList(s)
	if err != nil {
		return nil, err
	}
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, v)
	}
	return append(dst, ']'), nil
}

// isConstant reports whether v holds no intrinsic function, so the
// document and its hash can be computed once at parse time.
func isConstant(v jsonValue) bool {
	switch v := v.(type) {
	case *jsonObject:
		for _, e := range v.vals {
			if !isConstant(e) {
				return false
			}
		}
		return true
	case jsonArray:
		for _, e := range v {
			if !isConstant(e) {
				return false
			}
		}
		return true
	case jsonScalar:
		return true
	case jsonString:
		_, ok := v.e.(literal)
		return ok
	}
	return false
}

// jsonValueOf compiles an inline document node.
func (c *compiler) jsonValueOf(path string, n *node) jsonValue {
	switch n.kind {
	case kindNull, kindBool, kindNumber:
		if n.kind == kindNull {
			return jsonScalar("null")
		}
		return jsonScalar(n.text)
	case kindString:
		return jsonString{literal(n.text)}
	case kindArray:
		arr := make(jsonArray, len(n.elems))
		ok := true
		for i, e := range n.elems {
			arr[i] = c.jsonValueOf(indexPath(path, i), e)
			ok = ok && arr[i] != nil
		}
		if !ok {
			return nil
		}
		return arr
	}
	if fn, _, isCall := c.intrinsic(path, n); isCall {
		if fn == fnSplit {
			if l := c.listValue(path, n); l != nil {
				return jsonList{l}
			}
			return nil
		}
		if e := c.stringValue(path, n); e != nil {
			return jsonString{e}
		}
		return nil
	} else if fn != "" {
		return nil
	}
	obj := &jsonObject{keys: n.keys, vals: make([]jsonValue, len(n.elems))}
	ok := true
	for i, e := range n.elems {
		obj.vals[i] = c.jsonValueOf(joinPath(path, n.keys[i]), e)
		ok = ok && obj.vals[i] != nil
	}
	if !ok {
		return nil
	}
	return obj
}

// appendQuoted appends s as a JSON string. Unlike encoding/json it does
// not escape <, > and &, which policy documents carry unchanged; invalid
// UTF-8 becomes U+FFFD as encoding/json does.
func appendQuoted(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case b < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			default:
				dst = append(dst, b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// policyNameFor is the name of a policy created from a document without a
// PolicyName: the lowercase hex SHA-256 of the document's bytes.
func policyNameFor(document string) string {
	sum := sha256.Sum256([]byte(document))
	return hex.EncodeToString(sum[:])
}
