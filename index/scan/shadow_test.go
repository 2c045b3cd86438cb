package scan

import (
	"encoding/json"
	"testing"
)

func TestComputeDelta(t *testing.T) {
	tests := []struct {
		desired, reported, want string
	}{
		{`{}`, `{}`, `{}`},
		{`{"a":1}`, `{}`, `{"a":1}`},
		{`{"a":1}`, `{"a":1.0}`, `{}`},
		{`{"a":1}`, `{"a":"1"}`, `{"a":1}`},
		{`{"a":[1,2]}`, `{"a":[1,2]}`, `{}`},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, `{"a":[1,2]}`},
		{`{"a":{"b":1,"c":2}}`, `{"a":{"b":1}}`, `{"a":{"c":2}}`},
		{`{"a":{"b":1}}`, `{"a":{"b":1,"c":2}}`, `{}`},
		{`{"a":{"b":1}}`, `{"a":5}`, `{"a":{"b":1}}`},
		{`{"a":5}`, `{"a":{"b":1}}`, `{"a":5}`},
		{`{"a":{}}`, `{}`, `{"a":{}}`},
		{`{"a":null}`, `{"a":null}`, `{}`},
		{`{"a":true}`, `{"a":false}`, `{"a":true}`},
		{`{"a":"X"}`, `{"a":"x"}`, `{"a":"X"}`}, // values are compared exactly, not folded
	}
	dec := func(s string) map[string]any {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v.(map[string]any)
	}
	for _, tt := range tests {
		got := computeDelta(dec(tt.desired), dec(tt.reported))
		if !jsonEqual(got, dec(tt.want)) {
			b, _ := json.Marshal(got)
			t.Errorf("computeDelta(%s, %s) = %s; want %s", tt.desired, tt.reported, b, tt.want)
		}
	}
}
