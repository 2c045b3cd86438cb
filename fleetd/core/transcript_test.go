package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/internal/transcript"
)

// harness drives a Core through a transcript on a virtual clock that starts
// at 2026-01-01T00:00:00Z and moves only with "tick".
type harness struct {
	c       *Core
	opts    Options
	now     time.Time
	records map[string][]byte // what a store would hold
	vars    map[string]string // names for generated values (see bind)
}

func newHarness(o Options) *harness {
	return &harness{c: New(o), opts: o, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), records: map[string][]byte{}}
}

// op is one operation of the transcript language: decode the input, run,
// return the response.
type op func(h *harness, tc transcript.Case) (any, error)

func decode[T any](tc transcript.Case, v *T) error {
	if strings.TrimSpace(tc.Input) == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(tc.Input))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// do wraps a mutating registry operation whose request carries the names
// given as arguments.
func do[Req, Resp any](fn func(*registry.Registry, Req, time.Time) (Resp, error), fill func(*Req, transcript.Case)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		if fill != nil {
			fill(&req, tc)
		}
		return Do(h.c, h.now, fn, req)
	}
}

func doErr[Req any](fn func(*registry.Registry, Req, time.Time) error, fill func(*Req, transcript.Case)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		if fill != nil {
			fill(&req, tc)
		}
		return nil, DoErr(h.c, h.now, fn, req)
	}
}

func read[Req, Resp any](fn func(*registry.Registry, Req) (Resp, error), fill func(*Req, transcript.Case)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		if fill != nil {
			fill(&req, tc)
		}
		return Read(h.c, fn, req)
	}
}

var ops = map[string]op{
	"create-thing": do((*registry.Registry).CreateThing, func(r *registry.CreateThingRequest, tc transcript.Case) { r.ThingName = tc.Arg("name", "") }),
	"update-thing": doErr((*registry.Registry).UpdateThing, func(r *registry.UpdateThingRequest, tc transcript.Case) { r.ThingName = tc.Arg("name", "") }),
	"delete-thing": doErr((*registry.Registry).DeleteThing, func(r *registry.DeleteThingRequest, tc transcript.Case) { r.ThingName = tc.Arg("name", "") }),
	"describe-thing": read((*registry.Registry).DescribeThing, func(r *registry.DescribeThingRequest, tc transcript.Case) {
		r.ThingName = tc.Arg("name", "")
	}),
	"create-thing-type": do((*registry.Registry).CreateThingType, func(r *registry.CreateThingTypeRequest, tc transcript.Case) {
		r.ThingTypeName = tc.Arg("name", "")
	}),
	"create-thing-group": do((*registry.Registry).CreateThingGroup, func(r *registry.CreateThingGroupRequest, tc transcript.Case) {
		r.ThingGroupName = tc.Arg("name", "")
	}),
	"add-thing-to-group":      doErr((*registry.Registry).AddThingToThingGroup, nil),
	"remove-thing-from-group": doErr((*registry.Registry).RemoveThingFromThingGroup, nil),
	"list-things-in-group": read((*registry.Registry).ListThingsInThingGroup, func(r *registry.ListThingsInThingGroupRequest, tc transcript.Case) {
		r.ThingGroupName = tc.Arg("name", "")
		r.Recursive = tc.Has("recursive")
	}),
	"describe-thing-group": read((*registry.Registry).DescribeThingGroup, func(r *registry.DescribeThingGroupRequest, tc transcript.Case) {
		r.ThingGroupName = tc.Arg("name", "")
	}),
	"deprecate-thing-type": doErr((*registry.Registry).DeprecateThingType, func(r *registry.DeprecateThingTypeRequest, tc transcript.Case) {
		r.ThingTypeName = tc.Arg("name", "")
	}),
	"delete-thing-type": doErr((*registry.Registry).DeleteThingType, func(r *registry.DeleteThingTypeRequest, tc transcript.Case) {
		r.ThingTypeName = tc.Arg("name", "")
	}),
	"describe-thing-type": read((*registry.Registry).DescribeThingType, func(r *registry.DescribeThingTypeRequest, tc transcript.Case) {
		r.ThingTypeName = tc.Arg("name", "")
	}),
	"delete-thing-group": doErr((*registry.Registry).DeleteThingGroup, func(r *registry.DeleteThingGroupRequest, tc transcript.Case) {
		r.ThingGroupName = tc.Arg("name", "")
	}),
	"list-things-in-billing-group": read((*registry.Registry).ListThingsInBillingGroup, func(r *registry.ListThingsInBillingGroupRequest, tc transcript.Case) {
		r.BillingGroupName = tc.Arg("name", "")
	}),
	"create-billing-group": do((*registry.Registry).CreateBillingGroup, func(r *registry.CreateBillingGroupRequest, tc transcript.Case) {
		r.BillingGroupName = tc.Arg("name", "")
	}),
	"add-thing-to-billing-group": doErr((*registry.Registry).AddThingToBillingGroup, nil),
	"create-dynamic-group": func(h *harness, tc transcript.Case) (any, error) {
		var req registry.CreateDynamicThingGroupRequest
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		req.ThingGroupName = tc.Arg("name", "")
		return h.c.CreateDynamicThingGroup(h.now, req)
	},
	"update-dynamic-group": func(h *harness, tc transcript.Case) (any, error) {
		var req registry.UpdateDynamicThingGroupRequest
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		req.ThingGroupName = tc.Arg("name", "")
		return h.c.UpdateDynamicThingGroup(h.now, req)
	},
	"delete-dynamic-group": doErr((*registry.Registry).DeleteDynamicThingGroup, func(r *registry.DeleteDynamicThingGroupRequest, tc transcript.Case) {
		r.ThingGroupName = tc.Arg("name", "")
	}),
	"update-indexing": func(h *harness, tc transcript.Case) (any, error) {
		var req IndexingConfiguration
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		return nil, h.c.UpdateIndexingConfiguration(h.now, req)
	},
	"get-indexing": func(h *harness, tc transcript.Case) (any, error) { return h.c.GetIndexingConfiguration(), nil },
	"search": func(h *harness, tc transcript.Case) (any, error) {
		resp, err := h.c.SearchIndex(SearchIndexRequest{IndexName: tc.Arg("index", ""), QueryString: tc.Input,
			MaxResults: 500})
		if err != nil || tc.Has("full") {
			return resp, err
		}
		names := []string{}
		for _, t := range resp.Things {
			names = append(names, t.ThingName)
		}
		for _, g := range resp.ThingGroups {
			names = append(names, g.(ThingGroupDocument).ThingGroupName)
		}
		return names, nil
	},
	"statistics": func(h *harness, tc transcript.Case) (any, error) {
		return h.c.GetStatistics(AggregationRequest{QueryString: tc.Input, AggregationField: tc.Arg("field", "")})
	},
	"shadow-update": shadowOp((*Core).UpdateThingShadow),
	"shadow-get":    shadowOp((*Core).GetThingShadow),
	"shadow-delete": shadowOp((*Core).DeleteThingShadow),
	"connect": func(h *harness, tc transcript.Case) (any, error) {
		h.c.Connect(h.now, ConnectRequest{ClientID: tc.Arg("client", ""), PrincipalID: "cert-1", IPAddress: "127.0.0.1"})
		return nil, nil
	},
	"disconnect": func(h *harness, tc transcript.Case) (any, error) {
		h.c.Disconnect(h.now, tc.Arg("client", ""), tc.Arg("reason", ReasonClientInitiated))
		return nil, nil
	},
	"connectivity": func(h *harness, tc transcript.Case) (any, error) {
		return h.c.GetThingConnectivityData(tc.Arg("name", ""))
	},
}

func shadowOp(fn func(*Core, time.Time, Source, string, string, []byte) ([]byte, error)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		src := FromHTTP
		if tc.Has("mqtt") {
			src = FromMQTT
		}
		out, err := fn(h.c, h.now, src, tc.Arg("thing", ""), tc.Arg("name", ""), []byte(tc.Input))
		if out == nil {
			return nil, err
		}
		return json.RawMessage(out), err
	}
}

// run executes one case and prints the response, then what the Core
// produced: messages, events and the keys of changed records.
func (h *harness) run(t *testing.T, tc transcript.Case) string {
	var b strings.Builder
	switch tc.Cmd {
	case "tick":
		d, err := time.ParseDuration(tc.Words[0])
		if err != nil {
			t.Fatalf("%s: %v", tc.Pos, err)
		}
		target := h.now.Add(d)
		for dl := h.c.NextDeadline(); !dl.IsZero() && !dl.After(target); dl = h.c.NextDeadline() {
			h.now = dl
			h.c.Tick(dl)
		}
		h.now = target
		fmt.Fprintf(&b, "now %s\n", h.now.Format(time.RFC3339))
	case "restart":
		// A new Core from the records alone must answer as the old one.
		h.persist()
		c := New(h.opts)
		keys := make([]string, 0, len(h.records))
		for k := range h.records {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := c.Restore(k, h.records[k]); err != nil {
				t.Fatalf("%s: restore %s: %v", tc.Pos, k, err)
			}
		}
		if err := c.FinishRestore(h.now); err != nil {
			t.Fatalf("%s: %v", tc.Pos, err)
		}
		h.c = c
		fmt.Fprintf(&b, "restored %d records\n", len(keys))
		return h.redact(b.String())
	default:
		fn := ops[tc.Cmd]
		if fn == nil {
			t.Fatalf("%s: unknown command %s", tc.Pos, tc.Cmd)
		}
		resp, err := fn(h, tc)
		switch {
		case err != nil:
			if e, ok := awserr.As(err); ok {
				fmt.Fprintf(&b, "error %d %s: %s\n", e.Status, e.Code, e.Message)
			} else {
				fmt.Fprintf(&b, "error: %v\n", err)
			}
		case resp != nil:
			out, _ := json.Marshal(resp)
			fmt.Fprintf(&b, "%s\n", out)
		default:
			b.WriteString("ok\n")
		}
	}
	r := h.c.Ready()
	if tc.Has("quiet") {
		// Large runs: how many of each message and event, not each one.
		summarize(&b, r)
	} else {
		for _, m := range r.Messages {
			if m.ClientID != "" {
				fmt.Fprintf(&b, "reply %s %s %s\n", m.ClientID, m.Topic, m.Payload)
				continue
			}
			fmt.Fprintf(&b, "publish %s %s\n", m.Topic, m.Payload)
		}
		for _, e := range r.Events {
			fmt.Fprintf(&b, "event %s", e.Kind)
			for _, kv := range [][2]string{{"job", e.Job}, {"thing", e.Thing}, {"group", e.Group}, {"status", e.Status}, {"detail", e.Detail}} {
				if kv[1] != "" {
					fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
				}
			}
			if e.Dynamic {
				b.WriteString(" dynamic")
			}
			b.WriteString("\n")
		}
	}
	if tc.Has("records") {
		for _, rec := range r.Records {
			fmt.Fprintf(&b, "record %s %s\n", rec.Key, rec.Value)
		}
	}
	h.apply(r.Records)
	return h.redact(b.String())
}

func (h *harness) apply(recs []Record) {
	for _, r := range recs {
		if r.Value == nil {
			delete(h.records, r.Key)
		} else {
			h.records[r.Key] = r.Value
		}
	}
}

func (h *harness) persist() { h.apply(h.c.Ready().Records) }

func runTranscript(t *testing.T, file string, o Options) {
	h := newHarness(o)
	transcript.Run(t, "testdata/"+file, func(t *testing.T, tc transcript.Case) string { return h.run(t, tc) })
}

func TestTranscriptRegistry(t *testing.T)   { runTranscript(t, "registry.txt", Options{Seed: 1}) }
func TestTranscriptShadow(t *testing.T)     { runTranscript(t, "shadow.txt", Options{Seed: 1}) }
func TestTranscriptIndexing(t *testing.T)   { runTranscript(t, "indexing.txt", Options{Seed: 1}) }
func TestTranscriptDynamic(t *testing.T)    { runTranscript(t, "dynamic.txt", Options{Seed: 1}) }
func TestTranscriptGroupIndex(t *testing.T) { runTranscript(t, "groupindex.txt", Options{Seed: 1}) }
func TestTranscriptLag(t *testing.T) {
	runTranscript(t, "lag.txt", Options{Seed: 1, IndexLag: 30 * time.Second})
}
