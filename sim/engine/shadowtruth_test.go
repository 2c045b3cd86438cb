package engine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShadowTruthMerge checks the compact true shadow against the shadow
// service's merge: nested objects merge key by key, null deletes, a scalar
// replaces an object and the other way round.
func TestShadowTruthMerge(t *testing.T) {
	steps := []struct{ reported, desired, want string }{
		{`{"fw":"1.0","t":60.5,"cfg":{"a":1,"b":{"c":true}}}`, `{"interval":30}`,
			`{"reported":{"fw":"1.0","t":60.5,"cfg":{"a":1,"b":{"c":true}}},"desired":{"interval":30}}`},
		{`{"t":61,"cfg":{"b":{"c":false,"d":"x\"y"}}}`, ``,
			`{"reported":{"fw":"1.0","t":61,"cfg":{"a":1,"b":{"c":false,"d":"x\"y"}}},"desired":{"interval":30}}`},
		{`{"cfg":{"b":null},"fw":null}`, `{"interval":null}`,
			`{"reported":{"t":61,"cfg":{"a":1}}}`},
		{`{"cfg":"flat"}`, ``, `{"reported":{"t":61,"cfg":"flat"}}`},
		{`{"cfg":{"x":[1,2]}}`, ``, `{"reported":{"t":61,"cfg":{"x":[1,2]}}}`},
		{`{"t":null,"cfg":null}`, ``, `null`},
	}
	paths := newPathTable()
	var doc, scratch []byte
	for i, st := range steps {
		var rep, des map[string]any
		if st.reported != "" {
			json.Unmarshal([]byte(st.reported), &rep)
		}
		if st.desired != "" {
			json.Unmarshal([]byte(st.desired), &des)
		}
		leaves := paths.flattenUpdate(nil, "reported", rep)
		leaves = paths.flattenUpdate(leaves, "desired", des)
		doc, scratch = paths.merge(doc, leaves, scratch)
		var want map[string]any
		json.Unmarshal([]byte(st.want), &want)
		if diff := cmp.Diff(want, paths.object(doc)); diff != "" {
			t.Errorf("step %d: truth differs (-want +got):\n%s", i, diff)
		}
	}
}
