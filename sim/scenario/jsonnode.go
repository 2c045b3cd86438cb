package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// jsonTree parses a JSON file into yaml nodes carrying their line and
// column in that file, so that a template or job file is checked by the
// same code as inline YAML and its problems point into the file. (The YAML
// parser itself is no JSON parser: it rejects "\/" and surrogate pairs.)
// Duplicate keys are kept, for the mapping check to report.
func jsonTree(data []byte) (*yaml.Node, *Error) {
	if err := checkJSON(data); err != nil {
		return nil, err
	}
	p := &jsonParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	return p.value(0)
}

// checkJSON finds syntax errors first, with the offsets encoding/json's
// scanner gives them (the token reader's are less exact).
func checkJSON(data []byte) *Error {
	at := func(off int, msg string) *Error {
		line, col := lineColAt(data, off)
		return &Error{Line: line, Col: col, Msg: "invalid JSON: " + msg}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return at(int(se.Offset)-1, se.Error())
		case errors.Is(err, io.EOF):
			return at(len(data), "empty file, expected a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return at(len(data), "unexpected end of file")
		}
		return at(0, err.Error())
	}
	rest := data[dec.InputOffset():]
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 {
		return at(len(data)-len(trimmed), "unexpected data after the JSON value")
	}
	return nil
}

type jsonParser struct {
	data []byte
	dec  *json.Decoder
}

// tokenStart is the offset of the next token: the decoder's offset skips
// over whitespace, commas and colons.
func (p *jsonParser) tokenStart() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) errAt(off int, msg string) *Error {
	line, col := lineColAt(p.data, off)
	return &Error{Line: line, Col: col, Msg: "invalid JSON: " + msg}
}

func (p *jsonParser) fail(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset) - 1
		if off < 0 {
			off = 0
		}
		return p.errAt(off, strings.TrimPrefix(se.Error(), "json: "))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.errAt(len(p.data), "unexpected end of file")
	}
	return p.errAt(p.tokenStart(), err.Error())
}

func (p *jsonParser) value(depth int) (*yaml.Node, *Error) {
	if depth > maxDepth {
		return nil, p.errAt(p.tokenStart(), fmt.Sprintf("nested deeper than %d levels", maxDepth))
	}
	start := p.tokenStart()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	line, col := lineColAt(p.data, start)
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			for p.dec.More() {
				kstart := p.tokenStart()
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				kl, kc := lineColAt(p.data, kstart)
				key, _ := ktok.(string)
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Style: yaml.DoubleQuotedStyle, Line: kl, Column: kc}
				v, e := p.value(depth + 1)
				if e != nil {
					return nil, e
				}
				n.Content = append(n.Content, k, v)
			}
		case '[':
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			for p.dec.More() {
				v, e := p.value(depth + 1)
				if e != nil {
					return nil, e
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, p.errAt(start, fmt.Sprintf("unexpected %q", t))
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.fail(err)
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", string(t)
		if strings.ContainsAny(string(t), ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", fmt.Sprint(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

// lineColAt converts a byte offset into a 1-based line and character column.
func lineColAt(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line, col = 1, 1
	for i := 0; i < off; {
		r, w := utf8.DecodeRune(data[i:])
		i += w
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
