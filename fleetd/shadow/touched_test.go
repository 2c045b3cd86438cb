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

// trickyKeys name members so that paths collide: a key holding a dot
// ("a.b" and a→b give one path), a key named timestamp (the metadata's
// suffix), an escaped one.
var trickyKeys = []string{"a", "b", "a.b", "timestamp", "t\tab", "k0"}

// randomTrickyValue is randomValue with trickyKeys.
func randomTrickyValue(r *rand.Rand, depth int, nulls bool) any {
	switch k := r.IntN(10); {
	case k < 4 && depth < 3:
		obj := map[string]any{}
		for range 1 + r.IntN(3) {
			obj[trickyKeys[r.IntN(len(trickyKeys))]] = randomTrickyValue(r, depth+1, nulls)
		}
		return obj
	case k < 5:
		return float64(r.IntN(3))
	case k < 6:
		return fmt.Sprintf("s%d", r.IntN(2))
	case k < 7:
		return []any{float64(r.IntN(2)), "x"}
	case k < 9 && nulls:
		return nil
	}
	return r.IntN(2) == 0
}

func randomTrickySection(r *rand.Rand, nulls bool) any {
	if nulls && r.IntN(12) == 0 {
		return nil
	}
	obj := map[string]any{}
	for range 1 + r.IntN(3) {
		obj[trickyKeys[r.IntN(len(trickyKeys))]] = randomTrickyValue(r, 1, nulls)
	}
	return obj
}

// randomUpdates calls check with every accepted update of random shadows,
// the shadow before it, and the Scratch the update used.
func randomUpdates(t *testing.T, seed uint64, runs int, check func(payload []byte, before Doc, u Update)) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var sc Scratch
	for range runs {
		var doc Doc
		for step := range 12 {
			section := randomSection
			if r.IntN(2) == 0 {
				section = randomTrickySection
			}
			state := map[string]any{}
			if r.IntN(3) > 0 {
				state["reported"] = section(r, step > 0)
			}
			if r.IntN(2) == 0 {
				state["desired"] = section(r, step > 0)
			}
			if len(state) == 0 {
				state["reported"] = section(r, false)
			}
			payload, _ := json.Marshal(map[string]any{"state": state})
			u, err := ApplyUpdateFor(doc, payload, now.Add(time.Duration(step)*time.Second), DefaultOptions(), AllPayloads, &sc)
			if err != nil {
				continue
			}
			if doc.Exists() {
				check(payload, doc, u)
			}
			doc = u.Doc
		}
	}
}

// TestMayChangeCoversWalkDiff: over random shadows and updates (keys with
// dots, keys named timestamp, escaped keys, nulls, sections set to null),
// every field whose values differ between the full walks before and after
// an update is one MayChange reports, through the update's Touched and
// through a kept copy of it. And it is not vacuous: untouched fields are
// reported unchanged.
func TestMayChangeCoversWalkDiff(t *testing.T) {
	var kept TouchedCopy
	ruledOut := 0
	randomUpdates(t, 11, 400, func(payload []byte, before Doc, u Update) {
		old := collect(func(fn func([]byte, Leaf)) { before.WalkIndex("shadow.", fn) })
		new := collect(func(fn func([]byte, Leaf)) { u.Doc.WalkIndex("shadow.", fn) })
		k := kept.Keep(u.Touched())
		for _, fields := range []map[string][]Leaf{old, new} {
			for f := range fields {
				differs := !reflect.DeepEqual(old[f], new[f])
				may, keptMay := u.Touched().MayChange("shadow.", f), k.MayChange("shadow.", f)
				if may != keptMay {
					t.Fatalf("update %s: MayChange(%s) is %v, on the kept copy %v", payload, f, may, keptMay)
				}
				if differs && !may {
					t.Fatalf("update %s: %s went from %v to %v, but MayChange says no\nbefore %v\nafter  %v", payload, f, old[f], new[f], old, new)
				}
				if !may {
					ruledOut++
				}
			}
		}
		if u.Touched().MayChange("shadow.", "shadow.name.x.version") || u.Touched().MayChange("shadow.", "attributes.a") {
			t.Fatalf("update %s: a field outside the shadow may change", payload)
		}
	})
	if ruledOut < 1000 {
		t.Fatalf("MayChange ruled out only %d unchanged fields: too coarse to spare any work", ruledOut)
	}
}

// TestTouchedCopyOutlivesScratch: the walks of a kept Touched give what
// the update's own Touched gave, after later updates have reused the
// Scratch it read (a Touched read from the Scratch then would walk the
// later requests' paths).
func TestTouchedCopyOutlivesScratch(t *testing.T) {
	type pending struct {
		payload       []byte
		before, after Doc
		touched       Touched
		copy          *TouchedCopy
		old, new      map[string][]Leaf
	}
	var queue []pending
	walked := 0
	randomUpdates(t, 12, 200, func(payload []byte, before Doc, u Update) {
		p := pending{payload: payload, before: before, after: u.Doc, copy: &TouchedCopy{}}
		p.old = collect(func(fn func([]byte, Leaf)) { before.WalkIndexTouched("shadow.", u.Touched(), fn) })
		p.new = collect(func(fn func([]byte, Leaf)) { u.Doc.WalkIndexTouched("shadow.", u.Touched(), fn) })
		p.touched = p.copy.Keep(u.Touched())
		queue = append(queue, p)
		if len(queue) < 3 {
			return
		}
		p, queue = queue[0], queue[1:] // two updates later
		old := collect(func(fn func([]byte, Leaf)) { p.before.WalkIndexTouched("shadow.", p.touched, fn) })
		new := collect(func(fn func([]byte, Leaf)) { p.after.WalkIndexTouched("shadow.", p.touched, fn) })
		if !reflect.DeepEqual(old, p.old) || !reflect.DeepEqual(new, p.new) {
			t.Fatalf("update %s: kept walks\nold %v\nnew %v\nwant\nold %v\nnew %v", p.payload, old, new, p.old, p.new)
		}
		walked++
	})
	if walked < 1000 {
		t.Fatalf("only %d updates walked late", walked)
	}
}
