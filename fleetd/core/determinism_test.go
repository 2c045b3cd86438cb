package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// randomHistory drives a Core through a seeded random sequence of
// operations and returns everything it produced, in order.
func randomHistory(t *testing.T, seed uint64, steps int) []byte {
	c := New(Options{Seed: 7, IndexLag: 5 * time.Second})
	r := rand.New(rand.NewPCG(seed, 1))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	thing := func() string { return fmt.Sprintf("t%d", r.IntN(40)) }
	record := func(resp any, err error) {
		b, _ := json.Marshal(resp)
		fmt.Fprintf(&out, "%s %v\n", b, err)
	}
	record(nil, c.UpdateIndexingConfiguration(now, IndexingConfiguration{ThingIndexingConfiguration: &ThingIndexingConfiguration{
		ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS"}}))
	for step := range steps {
		switch r.IntN(9) {
		case 0, 1:
			record(Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: thing()}))
		case 2, 3, 4:
			payload := fmt.Sprintf(`{"state":{"reported":{"fw":"2.%d.0","temp":%d},"desired":{"fw":"2.%d.0"}}}`, r.IntN(3), r.IntN(100), r.IntN(3))
			record(c.UpdateThingShadow(now, FromMQTT, thing(), "", []byte(payload)))
		case 5:
			c.Connect(now, ConnectRequest{ClientID: thing()})
		case 6:
			c.Disconnect(now, thing(), ReasonConnectionLost)
		case 7:
			record(nil, DoErr(c, now, (*registry.Registry).DeleteThing, registry.DeleteThingRequest{ThingName: thing()}))
		case 8:
			if step%50 == 8 {
				record(c.CreateDynamicThingGroup(now, registry.CreateDynamicThingGroupRequest{
					ThingGroupName: fmt.Sprintf("g%d", step), QueryString: fmt.Sprintf("shadow.reported.temp > %d", r.IntN(100))}))
			}
		}
		now = now.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
		for d := c.NextDeadline(); !d.IsZero() && !d.After(now); d = c.NextDeadline() {
			c.Tick(d)
		}
		rd := c.Ready()
		for _, m := range rd.Messages {
			fmt.Fprintf(&out, "msg %s %s\n", m.Topic, m.Payload)
		}
		for _, e := range rd.Events {
			fmt.Fprintf(&out, "event %+v\n", e)
		}
		for _, rec := range rd.Records {
			fmt.Fprintf(&out, "record %s %s\n", rec.Key, rec.Value)
		}
	}
	resp, err := c.SearchIndex(SearchIndexRequest{QueryString: "*", MaxResults: 500})
	record(resp, err)
	return out.Bytes()
}

// TestDeterminism: the same seed and the same operations give the same
// responses, messages, events and records, byte for byte.
func TestDeterminism(t *testing.T) {
	a := randomHistory(t, 42, 1500)
	b := randomHistory(t, 42, 1500)
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs of one history differ (%d vs %d bytes)", len(a), len(b))
	}
	if c := randomHistory(t, 43, 1500); bytes.Equal(a, c) {
		t.Fatal("different histories gave identical output: the test sees nothing")
	}
}
