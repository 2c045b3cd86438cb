package shadow

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// checkSettled checks what settle promises of each section of a stored
// Doc: its nodes are one run of memory, its keys and scalars point into its
// encoding, and the encoding is what the tree encodes to.
func checkSettled(t *testing.T, d Doc, what string) {
	t.Helper()
	var st stamp
	for s, tree := range [2]*node{d.desired, d.reported} {
		if tree == nil {
			if d.enc[s] != "" {
				t.Fatalf("%s: section %d has no tree but an encoding %s", what, s, d.enc[s])
			}
			continue
		}
		lo := uintptr(unsafe.Pointer(tree))
		hi := lo + uintptr(treeNodes(tree))*unsafe.Sizeof(node{})
		encLo := uintptr(unsafe.Pointer(unsafe.StringData(d.enc[s])))
		encHi := encLo + uintptr(len(d.enc[s]))
		var walk func(x *node)
		walk = func(x *node) {
			if p := uintptr(unsafe.Pointer(x)); p < lo || p >= hi {
				t.Fatalf("%s: a node of section %d lies outside its one allocation", what, s)
			}
			for _, text := range [2]string{x.key, x.raw} {
				if text == "" {
					continue
				}
				if p := uintptr(unsafe.Pointer(unsafe.StringData(text))); p < encLo || p+uintptr(len(text)) > encHi {
					t.Fatalf("%s: text %s of section %d lies outside its encoding", what, text, s)
				}
			}
			for i := range x.items {
				walk(&x.items[i])
			}
		}
		walk(tree)
		if got, want := string(appendValue(nil, tree)), d.part(s); got != want {
			t.Fatalf("%s: section %d encodes to %s; the encoding holds %s", what, s, got, want)
		}
		if got, want := string(appendMeta(nil, tree, &st)), d.part(s+2); got != want {
			t.Fatalf("%s: metadata of section %d encodes to %s; the encoding holds %s", what, s, got, want)
		}
	}
}

// TestStoredDocSettled: over random updates (both sections or one, nulls
// that delete, whole sections removed), through a shared Scratch as the
// core runs them and through a store round trip, every stored Doc is
// settled, and an update shares the section it leaves alone.
func TestStoredDocSettled(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var sc Scratch
	for run := range 200 {
		var doc Doc
		for step := range 10 {
			state := map[string]any{}
			if r.IntN(3) > 0 {
				state["reported"] = randomSection(r, step > 0)
			}
			if r.IntN(2) == 0 {
				state["desired"] = randomSection(r, step > 0)
			}
			payload, _ := json.Marshal(map[string]any{"state": state})
			u, err := ApplyUpdateFor(doc, payload, now.Add(time.Duration(step)*time.Second), DefaultOptions(), AllPayloads, &sc)
			if err != nil {
				continue
			}
			for s, touched := range [2]bool{u.TouchedDesired, u.TouchedReported} {
				if !touched && *u.Doc.section(s) != *doc.section(s) {
					t.Fatalf("run %d step %d: %s copied section %d, which it leaves alone", run, step, payload, s)
				}
			}
			doc = u.Doc
			checkSettled(t, doc, string(payload))
			stored, _ := doc.MarshalJSON()
			var back Doc
			if err := back.UnmarshalJSON(stored); err != nil {
				t.Fatalf("run %d step %d: UnmarshalJSON(%s) = %v", run, step, stored, err)
			}
			checkSettled(t, back, string(stored))
		}
	}
}

func TestCompactIsOneAllocation(t *testing.T) {
	d := mustUpdate(t, `{"state":{"desired":{"a":1,"b":{"c":[1,"x",{},[]]}},"reported":{"a":2,"t":"hot"}}}`)
	values := d.part(partDesired)
	if got := testing.AllocsPerRun(100, func() { compact(d.desired, values) }); got != 1 {
		t.Errorf("compact: %v allocations; want 1", got)
	}
}
