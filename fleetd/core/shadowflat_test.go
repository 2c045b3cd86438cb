package core

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index"
)

// TestShadowFlatMatchesFlatten holds the fast shadow walker equal to the
// reference path (the shadow as a map, flattened by the index package) on
// random documents: nested objects, arrays of scalars and of objects,
// deletions, deltas.
func TestShadowFlatMatchesFlatten(t *testing.T) {
	c := New(Options{Seed: 1})
	c.idx.icfg = index.AllOn()
	r := rand.New(rand.NewPCG(1, 1))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	values := []string{`1`, `2.5`, `"a"`, `"B"`, `true`, `null`, `[1,2]`, `["x","y"]`, `[{"o":1}]`, `{"n":{"m":3}}`, `{}`, `-7`}
	keys := []string{"a", "b", "c.d", "e"}
	for trial := range 300 {
		var d shadow.Doc
		for step := range 6 {
			section := []string{"desired", "reported"}[r.IntN(2)]
			payload := fmt.Sprintf(`{"state":{"%s":{"%s":%s,"%s":%s}}}`, section,
				keys[r.IntN(len(keys))], values[r.IntN(len(values))], keys[r.IntN(len(keys))], values[r.IntN(len(values))])
			u, err := shadow.ApplyUpdate(d, []byte(payload), now.Add(time.Duration(step)*time.Second), shadow.DefaultOptions())
			if err != nil {
				continue
			}
			d = u.Doc
			want, err := index.Flatten(&index.Document{ShadowObject: d.IndexObject()}, c.idx.icfg)
			if err != nil {
				t.Fatal(err)
			}
			got := c.shadowFlat(&c.flatBuf, "", &d)
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("trial %d, after %s:\n walker %v\n flatten %v", trial, payload, got, want)
			}
		}
	}
}
