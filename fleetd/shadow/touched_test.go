package shadow

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// collect walks a shadow into path → leaves.
func collect(walk func(fn func([]byte, Leaf))) map[string][]Leaf {
	out := map[string][]Leaf{}
	walk(func(p []byte, l Leaf) { out[string(p)] = append(out[string(p)], l) })
	return out
}

// randomValue draws a JSON value for a shadow section: nested objects,
// scalars, arrays, and nulls (which delete) where allowed.
func randomValue(r *rand.Rand, depth int, nulls bool) any {
	switch k := r.IntN(10); {
	case k < 3 && depth < 3:
		obj := map[string]any{}
		for range 1 + r.IntN(3) {
			obj[fmt.Sprintf("k%d", r.IntN(4))] = randomValue(r, depth+1, nulls)
		}
		return obj
	case k < 5:
		return float64(r.IntN(5))
	case k < 7:
		return fmt.Sprintf("s%d", r.IntN(3))
	case k < 8:
		return []any{float64(r.IntN(3)), "x"}
	case k < 9 && nulls:
		return nil
	}
	return r.IntN(2) == 0
}

func randomSection(r *rand.Rand, nulls bool) any {
	if nulls && r.IntN(12) == 0 {
		return nil // the whole section
	}
	obj := map[string]any{}
	for range 1 + r.IntN(4) {
		obj[fmt.Sprintf("k%d", r.IntN(4))] = randomValue(r, 1, nulls)
	}
	return obj
}

// TestWalkIndexTouchedEqualsFullWalk: over random shadows and updates
// (nested objects, nulls that delete, objects replacing scalars and back,
// arrays, whole sections set to null), replacing in the full walk of the
// shadow before an update the paths the touched walks report gives the
// full walk of the shadow after it. So re-indexing an update from the
// touched walks alone leaves the index exactly as a full re-index would.
func TestWalkIndexTouchedEqualsFullWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for run := range 300 {
		var doc Doc
		for step := range 12 {
			state := map[string]any{}
			if r.IntN(3) > 0 {
				state["reported"] = randomSection(r, step > 0)
			}
			if r.IntN(2) == 0 {
				state["desired"] = randomSection(r, step > 0)
			}
			if len(state) == 0 {
				state["reported"] = randomSection(r, false)
			}
			payload, _ := json.Marshal(map[string]any{"state": state})
			u, err := ApplyUpdate(doc, payload, now.Add(time.Duration(step)*time.Second), DefaultOptions())
			if err != nil {
				continue // e.g. an update that deletes what does not exist on a new shadow
			}
			if doc.Exists() {
				before := collect(func(fn func([]byte, Leaf)) { doc.WalkIndex("shadow.", fn) })
				after := collect(func(fn func([]byte, Leaf)) { u.Doc.WalkIndex("shadow.", fn) })
				oldT := collect(func(fn func([]byte, Leaf)) { doc.WalkIndexTouched("shadow.", u.Touched(), fn) })
				newT := collect(func(fn func([]byte, Leaf)) { u.Doc.WalkIndexTouched("shadow.", u.Touched(), fn) })
				got := map[string][]Leaf{}
				for p, ls := range before {
					if _, touched := oldT[p]; !touched {
						if _, touched := newT[p]; !touched {
							got[p] = ls
						}
					}
				}
				for p, ls := range newT {
					got[p] = ls
				}
				if !reflect.DeepEqual(got, after) {
					t.Fatalf("run %d step %d: update %s\nbefore %v\nafter  %v\ngot    %v\ntouched old %v new %v", run, step, payload, before, after, got, oldT, newT)
				}
			}
			doc = u.Doc
		}
	}
}
