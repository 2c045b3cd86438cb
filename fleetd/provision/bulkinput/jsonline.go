package bulkinput

import (
	"encoding/json"
	"fmt"
)

// parseJSONLine decodes one line of a JSON-lines file: an object whose
// values become parameters. Strings are taken as they are, numbers and
// booleans as their literal text ("12", "1.5e3", "true"); null, objects
// and arrays are rejected, as are duplicate keys and anything after the
// object. It is a hand-written scanner because encoding/json cannot report
// duplicate keys and costs several times more per line; strings with
// escapes or non-ASCII bytes are handed to encoding/json to decode.
func parseJSONLine(line []byte) (map[string]string, error) {
	p := jsonScanner{data: line}
	p.skipSpace()
	if !p.consume('{') {
		return nil, p.errorf("expected a JSON object")
	}
	params := map[string]string{}
	p.skipSpace()
	if p.consume('}') {
		return params, p.end()
	}
	for {
		p.skipSpace()
		keyStart := p.pos
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if _, dup := params[key]; dup {
			p.pos = keyStart
			return nil, p.errorf("duplicate key %q", key)
		}
		p.skipSpace()
		if !p.consume(':') {
			return nil, p.errorf("expected ':' after key %q", key)
		}
		p.skipSpace()
		value, err := p.value(key)
		if err != nil {
			return nil, err
		}
		params[key] = value
		p.skipSpace()
		if p.consume(',') {
			continue
		}
		if p.consume('}') {
			return params, p.end()
		}
		return nil, p.errorf("expected ',' or '}' after the value of %q", key)
	}
}

type jsonScanner struct {
	data []byte
	pos  int
}

// errorf reports a problem at the current column (1-based, in bytes).
func (p *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at column %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *jsonScanner) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonScanner) consume(b byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == b {
		p.pos++
		return true
	}
	return false
}

// end checks that only white space follows the object.
func (p *jsonScanner) end() error {
	p.skipSpace()
	if p.pos != len(p.data) {
		return p.errorf("unexpected data after the object")
	}
	return nil
}

// string reads a JSON string at the current position.
func (p *jsonScanner) string() (string, error) {
	start := p.pos
	if !p.consume('"') {
		return "", p.errorf("expected a string")
	}
	simple := true
	for p.pos < len(p.data) {
		b := p.data[p.pos]
		switch {
		case b == '"':
			p.pos++
			if simple {
				return string(p.data[start+1 : p.pos-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				p.pos = start
				return "", p.errorf("invalid string: %v", err)
			}
			return s, nil
		case b == '\\':
			simple = false
			p.pos += 2
		case b < 0x20:
			return "", p.errorf("control character in string")
		default:
			if b >= 0x80 {
				simple = false // encoding/json replaces invalid UTF-8
			}
			p.pos++
		}
	}
	p.pos = start
	return "", p.errorf("unterminated string")
}

// value reads the value of key as parameter text.
func (p *jsonScanner) value(key string) (string, error) {
	if p.pos >= len(p.data) {
		return "", p.errorf("missing value for %q", key)
	}
	switch b := p.data[p.pos]; {
	case b == '"':
		return p.string()
	case b == '-' || (b >= '0' && b <= '9'):
		return p.number(key)
	case b == '{' || b == '[':
		return "", p.errorf("the value of %q is an object or array; parameters are strings", key)
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
			if lit == "null" {
				return "", p.errorf("the value of %q is null; parameters are strings", key)
			}
			p.pos += len(lit)
			return lit, nil
		}
	}
	return "", p.errorf("invalid value for %q", key)
}

// number reads a JSON number and returns its text as written.
func (p *jsonScanner) number(key string) (string, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	p.consume('-')
	if p.consume('0') {
		// no further integer digits after a leading zero
	} else if digits() == 0 {
		return "", p.errorf("invalid number for %q", key)
	}
	if p.consume('.') && digits() == 0 {
		return "", p.errorf("invalid number for %q", key)
	}
	if p.consume('e') || p.consume('E') {
		if !p.consume('+') {
			p.consume('-')
		}
		if digits() == 0 {
			return "", p.errorf("invalid number for %q", key)
		}
	}
	return string(p.data[start:p.pos]), nil
}
