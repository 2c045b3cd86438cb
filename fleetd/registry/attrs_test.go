package registry

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWithPayloadMatchesApplyPayload applies random payloads to random
// attributes both as Attrs (withPayload) and as a map (applyPayload, which
// thing groups keep using) and compares the results, and Get with a map
// lookup.
func TestWithPayloadMatchesApplyPayload(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	values := []string{"", "", "A", "B", "us-east-1", "12"}
	randomMap := func() map[string]string {
		if r.IntN(5) == 0 {
			return nil
		}
		m := map[string]string{}
		for range r.IntN(5) {
			m[fmt.Sprint("k", r.IntN(6))] = values[r.IntN(len(values))]
		}
		return m
	}
	for i := range 5000 {
		cur := randomMap()
		maps.DeleteFunc(cur, func(_, v string) bool { return v == "" }) // stored attributes are never empty
		if len(cur) == 0 {
			cur = nil
		}
		var p *AttributePayload
		if r.IntN(6) > 0 {
			p = &AttributePayload{Attributes: randomMap()}
		}
		merge := r.IntN(2) == 0
		want := applyPayload(cur, p, merge)
		got := withPayload(attrsOf(cur), p, merge, func(s string) string { return s })
		if !maps.Equal(got.Map(), want) || (want == nil) != (got == nil) {
			t.Fatalf("%d: withPayload(%v, %+v, %v) = %v; want %v", i, cur, p, merge, got, want)
		}
		if !slices.IsSortedFunc(got, byName) {
			t.Fatalf("%d: withPayload gave unsorted %v", i, got)
		}
		for k := range 7 {
			name := fmt.Sprint("k", k)
			gv, gok := got.Get(name)
			wv, wok := want[name]
			if gv != wv || gok != wok {
				t.Fatalf("%d: %v.Get(%s) = %q, %v; want %q, %v", i, got, name, gv, gok, wv, wok)
			}
		}
	}
}

func TestAttrsMap(t *testing.T) {
	tests := []struct {
		in   Attrs
		want map[string]string
	}{
		{nil, nil},
		{Attrs{}, nil},
		{Attrs{{"a", "1"}, {"b", "2"}}, map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		if got := tt.in.Map(); !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%v.Map() = %#v; want %#v", tt.in, got, tt.want)
		}
		if got := attrsOf(tt.want); !slices.Equal(got, tt.in) {
			t.Errorf("attrsOf(%v) = %v; want %v", tt.want, got, tt.in)
		}
	}
}
