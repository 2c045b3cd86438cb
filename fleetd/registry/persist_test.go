package registry

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// records returns every record of r.
func records(r *Registry) map[string]string {
	out := map[string]string{}
	for _, k := range r.Keys() {
		v, ok := r.Record(k)
		if !ok {
			panic("Keys lists a missing record " + k)
		}
		out[k] = string(v)
	}
	return out
}

// restore loads src's records into a fresh registry, in a shuffled order.
func restore(t *testing.T, src *Registry, shuffle uint64) *Registry {
	t.Helper()
	keys := src.Keys()
	rand.New(rand.NewPCG(shuffle, 1)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	dst := New(src.Options())
	for _, k := range keys {
		v, _ := src.Record(k)
		if err := dst.Restore(k, v); err != nil {
			t.Fatalf("Restore(%s): %v", k, err)
		}
	}
	if err := dst.FinishRestore(); err != nil {
		t.Fatalf("FinishRestore: %v", err)
	}
	return dst
}

// state is a canonical, comparable picture of a registry: its records plus
// everything derived from them that callers can observe.
type state struct {
	Records       map[string]string
	IDs           map[string]uint32
	Views         map[string]ThingView
	Members       map[string][]string
	Billing       map[string][]string
	DynamicGroups []DynamicGroupInfo
	Lists         []string
}

func snapshot(t *testing.T, r *Registry) state {
	t.Helper()
	s := state{Records: records(r), IDs: map[string]uint32{}, Views: map[string]ThingView{}, Members: map[string][]string{}, Billing: map[string][]string{}}
	for n := range r.things {
		s.IDs[n], _ = r.ThingID(n)
		s.Views[n], _ = r.View(n)
	}
	for n := range r.groups {
		s.Members[n] = r.ThingGroupMembers(n)
	}
	for n := range r.billing {
		s.Billing[n] = r.BillingGroupMembers(n)
	}
	s.DynamicGroups = r.DynamicGroups()
	// Paged lists, as a client walks them.
	resp, err := r.ListThings(ListThingsRequest{MaxResults: 7})
	for err == nil {
		s.Lists = append(s.Lists, jsonString(resp))
		if resp.NextToken == "" {
			break
		}
		resp, err = r.ListThings(ListThingsRequest{MaxResults: 7, NextToken: resp.NextToken})
	}
	groups, _ := r.ListThingGroups(ListThingGroupsRequest{})
	s.Lists = append(s.Lists, jsonString(groups))
	for _, g := range groups.ThingGroups {
		in, _ := r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: g.GroupName, Recursive: true})
		d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: g.GroupName})
		s.Lists = append(s.Lists, jsonString(in), jsonString(d))
	}
	return s
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestRestoreRoundTrip(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			orig := New(Options{Seed: seed, MaxGroupsPerThing: 3, MaxDynamicGroups: 4, Region: "eu-west-1"})
			d := newDriver(seed)
			for range 800 {
				d.step(t, orig)
			}
			orig.DrainChanges()
			copy := restore(t, orig, seed)
			checkInvariants(t, copy)
			if diff := cmp.Diff(snapshot(t, orig), snapshot(t, copy)); diff != "" {
				t.Fatalf("restored registry differs (-orig +restored):\n%s", diff)
			}
			if c := copy.DrainChanges(); !c.Empty() {
				t.Errorf("restore left changes %+v", c)
			}
			// The same further operations lead to the same state, ids and
			// changes: generated ids, dense ids and creation order continue.
			d1, d2 := newDriver(seed+100), newDriver(seed+100)
			for range 400 {
				d1.step(t, orig)
				d2.step(t, copy)
			}
			if diff := cmp.Diff(d1.log, d2.log); diff != "" {
				t.Fatalf("operation results differ after restore (-orig +restored):\n%s", diff)
			}
			if diff := cmp.Diff(orig.DrainChanges(), copy.DrainChanges()); diff != "" {
				t.Errorf("changes differ after restore (-orig +restored):\n%s", diff)
			}
			if diff := cmp.Diff(snapshot(t, orig), snapshot(t, copy)); diff != "" {
				t.Errorf("state differs after restore and more operations (-orig +restored):\n%s", diff)
			}
		})
	}
}

func TestRestoreFromDrainedRecords(t *testing.T) {
	// A store fed only by DrainChanges (put or delete each changed key)
	// holds exactly the registry's records.
	r := New(Options{Seed: 5, MaxGroupsPerThing: 3})
	store := map[string]string{}
	d := newDriver(5)
	for i := range 600 {
		d.step(t, r)
		if i%37 == 0 {
			for _, k := range r.DrainChanges().Records {
				if v, ok := r.Record(k); ok {
					store[k] = string(v)
				} else {
					delete(store, k)
				}
			}
		}
	}
	for _, k := range r.DrainChanges().Records {
		if v, ok := r.Record(k); ok {
			store[k] = string(v)
		} else {
			delete(store, k)
		}
	}
	if diff := cmp.Diff(records(r), store); diff != "" {
		t.Errorf("store built from changes differs (-registry +store):\n%s", diff)
	}
}

func TestDeterminism(t *testing.T) {
	run := func(seed uint64) (*Registry, *driver, Changes) {
		r := New(Options{Seed: seed, MaxGroupsPerThing: 3})
		d := newDriver(11)
		for range 700 {
			d.step(t, r)
		}
		return r, d, r.DrainChanges()
	}
	a, da, ca := run(42)
	b, db, cb := run(42)
	if diff := cmp.Diff(records(a), records(b)); diff != "" {
		t.Errorf("same seed, different records:\n%s", diff)
	}
	if diff := cmp.Diff(da.log, db.log); diff != "" {
		t.Errorf("same seed, different responses:\n%s", diff)
	}
	if diff := cmp.Diff(ca, cb); diff != "" {
		t.Errorf("same seed, different changes:\n%s", diff)
	}
	c, _, _ := run(43)
	if cmp.Equal(records(a), records(c)) {
		t.Error("seeds 42 and 43 give identical records; ids should differ")
	}
}

func TestRecordFormat(t *testing.T) {
	r := New(Options{Seed: 1})
	_, err := r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "lamp", Tags: []Tag{{Key: "k", Value: "v"}},
		ThingTypeProperties: &ThingTypeProperties{ThingTypeDescription: "<lamp & co>", SearchableAttributes: []string{"serial"}}}, t0)
	must(t, err)
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill"}, t0)
	must(t, err)
	_, err = r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "root"}, t0)
	must(t, err)
	_, err = r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "kid", ParentGroupName: "root", ThingGroupProperties: &ThingGroupProperties{AttributePayload: attrs("a", "1")}}, t0)
	must(t, err)
	_, err = r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "attributes.a:1"}, t0)
	must(t, err)
	_, err = r.CreateThing(CreateThingRequest{ThingName: "t", ThingTypeName: "lamp", BillingGroupName: "bill", AttributePayload: attrs("serial", "42")}, t0)
	must(t, err)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "kid", ThingName: "t"}, t0))
	_, err = r.SetDynamicMembership("dyn", "t", true, t0)
	must(t, err)

	id := func(key, field string) string {
		v, _ := r.Record(key)
		i := strings.Index(string(v), `"`+field+`":"`) + len(field) + 4
		return string(v[i : i+36])
	}
	want := map[string]string{
		"registry/meta": `{"format":1,"uuidCounter":6,"groupSeq":3}`,
		"thingtype/lamp": `{"thingTypeName":"lamp","thingTypeId":"` + id("thingtype/lamp", "thingTypeId") +
			`","thingTypeProperties":{"thingTypeDescription":"<lamp & co>","searchableAttributes":["serial"]},"tags":[{"Key":"k","Value":"v"}],"creationDate":"2026-01-02T03:04:05Z"}`,
		"billinggroup/bill": `{"billingGroupName":"bill","billingGroupId":"` + id("billinggroup/bill", "billingGroupId") + `","version":1,"creationDate":"2026-01-02T03:04:05Z"}`,
		"thinggroup/root":   `{"thingGroupName":"root","thingGroupId":"` + id("thinggroup/root", "thingGroupId") + `","version":1,"creationDate":"2026-01-02T03:04:05Z","seq":1}`,
		"thinggroup/kid": `{"thingGroupName":"kid","thingGroupId":"` + id("thinggroup/kid", "thingGroupId") +
			`","parentGroupName":"root","attributes":{"a":"1"},"version":1,"creationDate":"2026-01-02T03:04:05Z","seq":2}`,
		"thinggroup/dyn": `{"thingGroupName":"dyn","thingGroupId":"` + id("thinggroup/dyn", "thingGroupId") +
			`","version":1,"creationDate":"2026-01-02T03:04:05Z","seq":3,"dynamic":true,"indexName":"AWS_Things","queryString":"attributes.a:1","queryVersion":"2017-09-30","status":"BUILDING"}`,
		"thing/t": `{"thingName":"t","thingId":"` + id("thing/t", "thingId") +
			`","denseId":0,"thingTypeName":"lamp","attributes":{"serial":"42"},"version":1,"billingGroupName":"bill","thingGroupNames":["dyn","kid"]}`,
	}
	if diff := cmp.Diff(want, records(r)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for k := range want {
		if k == "registry/meta" {
			continue
		}
		for _, f := range []string{"thingId", "thingTypeId", "thingGroupId", "billingGroupId"} {
			if v, _ := r.Record(k); strings.Contains(string(v), `"`+f+`"`) {
				u := id(k, f)
				if _, err := ParseUUID(u); err != nil || u[14] != '4' || ids[u] {
					t.Errorf("%s %s = %q: not a fresh v4 UUID", k, f, u)
				}
				ids[u] = true
			}
		}
	}
}

func TestRestoreRejectsCorruptRecords(t *testing.T) {
	meta := `{"format":1,"uuidCounter":9,"groupSeq":3}`
	id := "0d2f3a1c-1111-4222-8333-444455556666"
	thing := func(name, extra string) string {
		return `{"thingName":"` + name + `","thingId":"` + id + `","denseId":0,"version":1` + extra + `}`
	}
	group := func(name, extra string) string {
		return `{"thingGroupName":"` + name + `","thingGroupId":"` + id + `","version":1,"creationDate":"2026-01-02T03:04:05Z","seq":1` + extra + `}`
	}
	tests := []struct {
		name    string
		records [][2]string
		want    string // in the Restore or FinishRestore error
	}{
		{"unknown key", [][2]string{{"policy/x", `{}`}}, "unknown record key"},
		{"bad json", [][2]string{{"thing/a", `{`}}, "record thing/a"},
		{"unknown field", [][2]string{{"thing/a", thing("a", `,"colour":"red"`)}}, "unknown field"},
		{"name mismatch", [][2]string{{"thing/a", thing("b", "")}}, `holds "b"`},
		{"bad id", [][2]string{{"thing/a", strings.Replace(thing("a", ""), id, "xyz", 1)}}, "malformed id"},
		{"trailing data", [][2]string{{"thing/a", thing("a", "") + `{}`}}, "trailing data"},
		{"format", [][2]string{{"registry/meta", `{"format":2}`}}, "format 2"},
		{"no meta", [][2]string{{"thing/a", thing("a", "")}}, "records without registry/meta"},
		{"unknown type", [][2]string{{"registry/meta", meta}, {"thing/a", thing("a", `,"thingTypeName":"x"`)}}, "unknown thing type x"},
		{"unknown group", [][2]string{{"registry/meta", meta}, {"thing/a", thing("a", `,"thingGroupNames":["g"]`)}}, "unknown thing group g"},
		{"unknown billing", [][2]string{{"registry/meta", meta}, {"thing/a", thing("a", `,"billingGroupName":"b"`)}}, "unknown billing group b"},
		{"dense clash", [][2]string{{"registry/meta", meta}, {"thing/a", thing("a", "")}, {"thing/b", thing("b", "")}}, "share dense id 0"},
		{"missing parent", [][2]string{{"registry/meta", meta}, {"thinggroup/g", group("g", `,"parentGroupName":"p"`)}}, "not a static thing group"},
		{"cycle", [][2]string{{"registry/meta", meta}, {"thinggroup/g", group("g", `,"parentGroupName":"h"`)},
			{"thinggroup/h", strings.Replace(group("h", `,"parentGroupName":"g"`), `"seq":1`, `"seq":2`, 1)}}, "cycle"},
		{"seq beyond meta", [][2]string{{"registry/meta", meta}, {"thinggroup/g", strings.Replace(group("g", ""), `"seq":1`, `"seq":4`, 1)}}, "sequence 4"},
	}
	for _, tt := range tests {
		r := New(Options{})
		var err error
		for _, rec := range tt.records {
			if err = r.Restore(rec[0], []byte(rec[1])); err != nil {
				break
			}
		}
		if err == nil {
			err = r.FinishRestore()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want one containing %q", tt.name, err, tt.want)
		}
	}
	r := New(Options{})
	must(t, r.FinishRestore())
	if err := r.Restore("registry/meta", []byte(meta)); err == nil {
		t.Error("Restore after FinishRestore succeeded")
	}
	if err := r.FinishRestore(); err == nil {
		t.Error("second FinishRestore succeeded")
	}
}

func TestRecordOfMissing(t *testing.T) {
	r := fixture(t)
	for _, k := range []string{"thing/nope", "thingtype/nope", "thinggroup/nope", "billinggroup/nope", "other/x", "thing"} {
		if v, ok := r.Record(k); ok {
			t.Errorf("Record(%q) = %s, true", k, v)
		}
	}
	keys := r.Keys()
	want := []string{"billinggroup/bill-a", "billinggroup/bill-b", "registry/meta", "thing/t1", "thing/t2", "thing/t3",
		"thinggroup/leaf", "thinggroup/mid", "thinggroup/other", "thinggroup/root", "thingtype/old", "thingtype/sensor"}
	if !slices.Equal(keys, want) {
		t.Errorf("Keys() = %v; want %v", keys, want)
	}
}

// TestRestoreSharesStrings checks that restored things point at one copy
// of the strings they have in common (type, billing group, groups,
// attribute names and values) rather than a decoded copy each, and at one
// group list.
func TestRestoreSharesStrings(t *testing.T) {
	src := New(Options{})
	_, err := src.CreateThingType(CreateThingTypeRequest{ThingTypeName: "lamp"}, t0)
	must(t, err)
	_, err = src.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill"}, t0)
	must(t, err)
	_, err = src.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "g"}, t0)
	must(t, err)
	for i := range 3 {
		name := fmt.Sprint("t", i)
		_, err = src.CreateThing(CreateThingRequest{ThingName: name, ThingTypeName: "lamp", BillingGroupName: "bill",
			AttributePayload: &AttributePayload{Attributes: map[string]string{"region": "us-east-1"}}}, t0)
		must(t, err)
		must(t, src.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "g", ThingName: name}, t0))
	}
	r := restore(t, src, 1)
	a, b := r.things["t0"], r.things["t2"]
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"thing type", same(a.typeName, b.typeName) && same(a.typeName, r.types["lamp"].name)},
		{"billing group", same(a.billing, b.billing) && same(a.billing, r.billing["bill"].name)},
		{"group list", &a.groups[0] == &b.groups[0] && same(a.groups[0], r.groups["g"].name)},
		{"attribute name", same(a.attrs[0].Name, b.attrs[0].Name)},
		{"attribute value", same(a.attrs[0].Value, b.attrs[0].Value)},
	} {
		if !c.ok {
			t.Errorf("restored things t0 and t2 hold separate copies of their %s", c.what)
		}
	}
}
