package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// nodeKind is the JSON type of a node.
type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// node is a decoded JSON value that keeps object keys in document order,
// so that validation reports problems and inline policy documents print
// their members in the order the author wrote them.
type node struct {
	kind  nodeKind
	text  string   // string value, number literal, or "true"/"false"
	keys  []string // object keys in document order
	elems []*node  // array elements, or object values parallel to keys
}

// get returns the value of an object member, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.elems[i]
		}
	}
	return nil
}

// decodeTree decodes one JSON value and nothing after it. Duplicate object
// keys, which encoding/json would silently collapse, are reported as
// problems; syntax errors end decoding.
func decodeTree(body []byte, probs *problems) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	n, err := decodeNode(dec, "", probs)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the template at offset %d", dec.InputOffset())
	}
	return n, nil
}

func decodeNode(dec *json.Decoder, path string, probs *problems) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("unexpected end of JSON at offset %d", dec.InputOffset())
		}
		return nil, fmt.Errorf("invalid JSON at offset %d: %w", dec.InputOffset(), err)
	}
	switch v := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case bool:
		if v {
			return &node{kind: kindBool, text: "true"}, nil
		}
		return &node{kind: kindBool, text: "false"}, nil
	case json.Number:
		return &node{kind: kindNumber, text: string(v)}, nil
	case string:
		return &node{kind: kindString, text: v}, nil
	case json.Delim:
		if v == '[' {
			n := &node{kind: kindArray}
			for dec.More() {
				e, err := decodeNode(dec, indexPath(path, len(n.elems)), probs)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		n := &node{kind: kindObject}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("invalid JSON at offset %d: %w", dec.InputOffset(), err)
			}
			key := kt.(string) // the decoder only yields string keys inside objects
			if n.get(key) != nil {
				probs.add(joinPath(path, key), "duplicate key")
			}
			v, err := decodeNode(dec, joinPath(path, key), probs)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.elems = append(n.elems, v)
		}
		_, err := dec.Token() // '}'
		return n, err
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}
