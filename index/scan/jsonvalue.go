package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/fleetlab/fleetlab/index/query"
)

// Decoded JSON is held as the generic encoding/json types, with numbers kept
// as json.Number so that a number is typed by its literal (query.ParseNumber)
// exactly as the query parser types a query value:
// map[string]any, []any, string, json.Number, bool, nil.

// decodeJSON decodes one JSON value and rejects trailing data.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// decodeObject decodes a shadow or Device Defender document, which is a JSON
// object or (as SearchIndex returns it) a JSON string holding one. Empty
// input and null, also inside the string, mean "absent" (ok false).
func decodeObject(raw json.RawMessage) (obj map[string]any, ok bool, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, false, err
	}
	if s, isString := v.(string); isString {
		if v, err = decodeJSON([]byte(s)); err != nil {
			return nil, false, fmt.Errorf("in JSON string: %w", err)
		}
	}
	switch v := v.(type) {
	case nil:
		return nil, false, nil
	case map[string]any:
		return v, true, nil
	default:
		return nil, false, fmt.Errorf("want a JSON object, got %s", jsonType(v))
	}
}

// jsonEqual is deep JSON equality as the shadow service applies it when it
// computes a delta: numbers compare numerically (1 == 1.0), arrays compare
// whole and in order, objects by key set and values.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return false
		}
		x, okx := query.ParseNumber(string(a))
		y, oky := query.ParseNumber(string(bn))
		if okx && oky {
			return x == y
		}
		return a == bn // out of float64 range: compare the literals
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bs[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !jsonEqual(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
