package core

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// TestUnheardShadowDocuments checks Options.Heard: shadow payloads nobody
// would receive are not published, the shadow changes all the same, and an
// HTTP update still answers with its accepted document.
func TestUnheardShadowDocuments(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	update := []byte(`{"state":{"desired":{"fw":"2"},"reported":{"fw":"1"}}}`)
	for _, tc := range []struct {
		name  string
		heard func([]byte) bool
		src   Source
		want  []string // suffixes of the published topics
	}{
		{"all heard", nil, FromMQTT, []string{"/update/accepted", "/update/documents", "/update/delta"}},
		{"only delta heard", func(tp []byte) bool { return bytes.HasSuffix(tp, []byte("/delta")) }, FromMQTT, []string{"/update/delta"}},
		{"none heard", func([]byte) bool { return false }, FromMQTT, nil},
		{"none heard over HTTP", func([]byte) bool { return false }, FromHTTP, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{Seed: 1, Heard: tc.heard})
			c.Ready()
			accepted, err := c.UpdateThingShadow(now, tc.src, "t1", "", update)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range c.Ready().Messages {
				got = append(got, strings.TrimPrefix(m.Topic, "$aws/things/t1/shadow"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("published %q; want %q", got, tc.want)
			}
			if (accepted != nil) != (tc.src == FromHTTP || tc.heard == nil) {
				t.Errorf("accepted document %q from %v", accepted, tc.src)
			}
			doc, err := c.GetThingShadow(now, FromHTTP, "t1", "", nil)
			if err != nil || !strings.Contains(string(doc), `"version":1`) || !strings.Contains(string(doc), `"delta":{"fw":"2"}`) {
				t.Errorf("shadow after the update: %s, %v", doc, err)
			}
		})
	}
}

// TestRecycleLosesNothing checks that handing a Ready back reuses its
// slices without losing what the core produced in between.
func TestRecycleLosesNothing(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(Options{Seed: 1})
	c.Ready()
	update := func(thing string) {
		if _, err := c.UpdateThingShadow(now, FromMQTT, thing, "", []byte(`{"state":{"reported":{"a":1}}}`)); err != nil {
			t.Fatal(err)
		}
	}
	topics := func(r Ready) (out []string) {
		for _, m := range r.Messages {
			out = append(out, m.Topic)
		}
		return out
	}
	update("t1")
	first := c.Ready()
	update("t2") // produced before the first Ready is handed back
	c.Recycle(first)
	if got := topics(c.Ready()); len(got) != 2 || !strings.Contains(got[0], "/t2/") {
		t.Fatalf("after a late Recycle: %q; want t2's two messages", got)
	}
	update("t3")
	second := c.Ready()
	c.Recycle(second)
	update("t4")
	if got := topics(c.Ready()); len(got) != 2 || !strings.Contains(got[0], "/t4/") || !strings.Contains(got[1], "/t4/") {
		t.Fatalf("after Recycle: %q; want t4's two messages", got)
	}
}

// TestUpdatePayloadNotRetained checks that UpdateThingShadow keeps nothing
// of its payload: a driver reuses its buffer for the next update.
func TestUpdatePayloadNotRetained(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(Options{Seed: 1, Heard: func([]byte) bool { return false }})
	payload := []byte(`{"state":{"reported":{"fw":"1.0.0","t":21.5,"tags":["a","b"],"nested":{"k":"v"}}}}`)
	if _, err := c.UpdateThingShadow(now, FromMQTT, "t1", "", payload); err != nil {
		t.Fatal(err)
	}
	want, err := c.GetThingShadow(now, FromHTTP, "t1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	for i := range payload {
		payload[i] = 'x'
	}
	if got, _ := c.GetThingShadow(now, FromHTTP, "t1", "", nil); string(got) != string(want) {
		t.Errorf("after the payload was overwritten the shadow reads\n%s\nwant\n%s", got, want)
	}
}

// TestShadowHeardTopics checks the topics Options.Heard is asked about for
// classic and named shadow updates.
func TestShadowHeardTopics(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var asked []string
	c := New(Options{Seed: 1, Heard: func(tp []byte) bool { asked = append(asked, string(tp)); return false }})
	for _, name := range []string{"", "cfg"} {
		if _, err := c.UpdateThingShadow(now, FromMQTT, "t1", name, []byte(`{"state":{"reported":{"a":1}}}`)); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, topic := range []string{"$aws/things/t1/shadow", "$aws/things/t1/shadow/name/cfg"} {
		for _, suffix := range []string{"/update/accepted", "/update/documents", "/update/delta"} {
			want = append(want, topic+suffix)
		}
	}
	if !slices.Equal(asked, want) {
		t.Errorf("asked about\n%q\nwant\n%q", asked, want)
	}
}

// TestShadowHandle checks that an update through a handle is the update by
// name: the same document, indexed under the thing's current dense id even
// after the thing was deleted and made again.
func TestShadowHandle(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(Options{Seed: 1})
	cfg := &ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW"}
	if err := c.UpdateIndexingConfiguration(now, IndexingConfiguration{ThingIndexingConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	byName := New(Options{Seed: 1})
	if _, err := c.ShadowHandle("bad/name"); err == nil {
		t.Error("a handle for an invalid thing name")
	}
	if _, err := c.UpdateThingShadowVia(now, FromHTTP, ShadowHandle{}, "", []byte(`{}`)); err == nil {
		t.Error("an update through the zero handle")
	}
	h, err := c.ShadowHandle("t1")
	if err != nil {
		t.Fatal(err)
	}
	selects := func(qs string) []string {
		t.Helper()
		q, err := c.idx.ix.Parse(qs)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, id := range c.idx.ix.Bitmap(q).ToArray() {
			names = append(names, c.views.get(id).Name)
		}
		return names
	}
	for i, step := range []string{"create", "update", "named", "recreate", "update"} {
		switch step {
		case "create":
			Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: "t1"})
		case "recreate":
			DoErr(c, now, (*registry.Registry).DeleteThing, registry.DeleteThingRequest{ThingName: "t1"})
			Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: "other"})
			Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: "t1"})
		}
		name := ""
		if step == "named" {
			name = "cfg"
		}
		payload := fmt.Appendf(nil, `{"state":{"reported":{"step":%d}}}`, i)
		got, err := c.UpdateThingShadowVia(now, FromHTTP, h, name, payload)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := byName.UpdateThingShadow(now, FromHTTP, "t1", name, payload)
		if string(got) != string(want) {
			t.Errorf("%s: through the handle %s, by name %s", step, got, want)
		}
		if name == "" {
			if got := selects(fmt.Sprint("shadow.reported.step:", i)); !slices.Equal(got, []string{"t1"}) {
				t.Errorf("%s: the index selects %v for the update, want [t1]", step, got)
			}
		}
		now = now.Add(time.Second)
	}
}
