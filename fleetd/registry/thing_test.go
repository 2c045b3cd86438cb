package registry

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/google/go-cmp/cmp"
)

func TestCreateThing(t *testing.T) {
	many := func(n int) *AttributePayload {
		p := &AttributePayload{Attributes: map[string]string{}}
		for i := range n {
			p.Attributes[fmt.Sprintf("a%02d", i)] = "v"
		}
		return p
	}
	tests := []struct {
		name string
		req  CreateThingRequest
		code string
		msg  string
	}{
		{"plain", CreateThingRequest{ThingName: "new"}, "", ""},
		{"typed with billing", CreateThingRequest{ThingName: "new", ThingTypeName: "sensor", BillingGroupName: "bill-a"}, "", ""},
		{"idempotent", CreateThingRequest{ThingName: "t1", ThingTypeName: "sensor", AttributePayload: attrs("color", "red")}, "", ""},
		{"idempotent, empty value omitted", CreateThingRequest{ThingName: "t3", AttributePayload: attrs("x", "")}, "", ""},
		{"different attributes", CreateThingRequest{ThingName: "t1", ThingTypeName: "sensor", AttributePayload: attrs("color", "green")},
			awserr.ResourceAlreadyExists, "Thing t1 already exists with a different configuration."},
		{"different type", CreateThingRequest{ThingName: "t2", AttributePayload: attrs("color", "blue"), ThingTypeName: "sensor"},
			awserr.ResourceAlreadyExists, ""},
		{"different billing group", CreateThingRequest{ThingName: "t3", BillingGroupName: "bill-a"}, awserr.ResourceAlreadyExists, ""},
		{"unknown type", CreateThingRequest{ThingName: "new", ThingTypeName: "nope"}, awserr.ResourceNotFound, "Thing type nope cannot be found."},
		{"unknown billing group", CreateThingRequest{ThingName: "new", BillingGroupName: "nope"}, awserr.ResourceNotFound, "Billing group nope cannot be found."},
		{"deprecated type", CreateThingRequest{ThingName: "new", ThingTypeName: "old"}, awserr.InvalidRequest, "Thing type old is deprecated"},
		{"no name", CreateThingRequest{}, awserr.InvalidRequest, "Value null at 'thingName' failed to satisfy constraint: Member must not be null"},
		{"bad name", CreateThingRequest{ThingName: "a b"}, awserr.InvalidRequest,
			"1 validation error detected: Value 'a b' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{"long name", CreateThingRequest{ThingName: strings.Repeat("x", 129)}, awserr.InvalidRequest, "Member must have length less than or equal to 128"},
		{"128 chars", CreateThingRequest{ThingName: strings.Repeat("x", 128)}, "", ""},
		{"colon name", CreateThingRequest{ThingName: "a:b_c-d"}, "", ""},
		{"bad attribute key", CreateThingRequest{ThingName: "new", AttributePayload: attrs("a b", "v")}, awserr.InvalidRequest,
			"Value 'a b' at 'attributePayload.attributes' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#-]+]"},
		{"bad attribute value", CreateThingRequest{ThingName: "new", AttributePayload: attrs("k", "v!")}, awserr.InvalidRequest,
			"Map value must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#=\\[\\]-]*]"},
		{"attribute value symbols", CreateThingRequest{ThingName: "new", AttributePayload: attrs("k.,@/:#-_", "a=[b]")}, "", ""},
		{"long attribute value", CreateThingRequest{ThingName: "new", AttributePayload: attrs("k", strings.Repeat("v", 801))}, awserr.InvalidRequest,
			"Member must have length less than or equal to 800"},
		{"two violations", CreateThingRequest{ThingName: "a b", ThingTypeName: "c d"}, awserr.InvalidRequest, "2 validation errors detected: "},
		{"3 attributes untyped", CreateThingRequest{ThingName: "new", AttributePayload: many(3)}, "", ""},
		{"4 attributes untyped", CreateThingRequest{ThingName: "new", AttributePayload: many(4)}, awserr.InvalidRequest,
			"a thing without a thing type can have at most 3"},
		{"50 attributes typed", CreateThingRequest{ThingName: "new", ThingTypeName: "sensor", AttributePayload: many(50)}, "", ""},
		{"51 attributes typed", CreateThingRequest{ThingName: "new", ThingTypeName: "sensor", AttributePayload: many(51)}, awserr.InvalidRequest,
			"a thing can have at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			before := r.Keys()
			resp, err := r.CreateThing(tt.req, t0)
			checkErr(t, "CreateThing", err, tt.code, tt.msg)
			if err != nil {
				if got := r.Keys(); !slices.Equal(got, before) {
					t.Errorf("failed CreateThing changed the keys: %v", got)
				}
				if c := r.DrainChanges(); !c.Empty() {
					t.Errorf("failed CreateThing recorded changes: %+v", c)
				}
				return
			}
			d, err := r.DescribeThing(DescribeThingRequest{ThingName: tt.req.ThingName})
			must(t, err)
			if resp.ThingId != d.ThingId || resp.ThingArn != "arn:aws:iot:us-east-1:123456789012:thing/"+tt.req.ThingName || resp.ThingName != tt.req.ThingName {
				t.Errorf("CreateThing = %+v; describe says %+v", resp, d)
			}
		})
	}
}

func TestCreateThingAlreadyExistsCarriesResource(t *testing.T) {
	r := fixture(t)
	d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t1"})
	_, err := r.CreateThing(CreateThingRequest{ThingName: "t1"}, t0)
	e, ok := awserr.As(err)
	if !ok || e.Status != 409 || e.ResourceID != d.ThingId || e.ResourceArn != d.ThingArn {
		t.Errorf("CreateThing(existing, different) = %+v; want 409 with resourceId %s, resourceArn %s", e, d.ThingId, d.ThingArn)
	}
}

func TestCreateThingIdempotentKeepsIDs(t *testing.T) {
	r := fixture(t)
	a, _ := r.CreateThing(CreateThingRequest{ThingName: "x", AttributePayload: attrs("k", "v")}, t0)
	id, _ := r.ThingID("x")
	r.DrainChanges()
	b, err := r.CreateThing(CreateThingRequest{ThingName: "x", AttributePayload: attrs("k", "v")}, t0)
	must(t, err)
	id2, _ := r.ThingID("x")
	if a != b || id != id2 {
		t.Errorf("second CreateThing = %+v (dense %d); want %+v (dense %d)", b, id2, a, id)
	}
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("idempotent CreateThing recorded changes: %+v", c)
	}
}

func TestDescribeThing(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t1"}, t0))
	got, err := r.DescribeThing(DescribeThingRequest{ThingName: "t1"})
	must(t, err)
	want := DescribeThingResponse{
		DefaultClientId:  "t1",
		ThingName:        "t1",
		ThingId:          got.ThingId,
		ThingArn:         "arn:aws:iot:us-east-1:123456789012:thing/t1",
		ThingTypeName:    "sensor",
		Attributes:       map[string]string{"color": "red"},
		Version:          1,
		BillingGroupName: "bill-a",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeThing(t1) (-want +got):\n%s", diff)
	}
	if _, err := ParseUUID(got.ThingId); err != nil {
		t.Errorf("thingId %q is not a UUID", got.ThingId)
	}
	got3, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t3"})
	if got3.Attributes == nil || len(got3.Attributes) != 0 {
		t.Errorf("DescribeThing(t3).Attributes = %#v; want an empty map", got3.Attributes)
	}
	for _, tc := range []struct{ name, code, msg string }{
		{"nope", awserr.ResourceNotFound, "Thing nope cannot be found."},
		{"bad name", awserr.InvalidRequest, "regular expression"},
		{"", awserr.InvalidRequest, "Member must not be null"},
	} {
		_, err := r.DescribeThing(DescribeThingRequest{ThingName: tc.name})
		checkErr(t, fmt.Sprintf("DescribeThing(%q)", tc.name), err, tc.code, tc.msg)
	}
}

func TestUpdateThing(t *testing.T) {
	tests := []struct {
		name    string
		req     UpdateThingRequest
		code    string
		msg     string
		attrs   map[string]string
		typ     string
		version int64
	}{
		{"no change still bumps version", UpdateThingRequest{ThingName: "t1"}, "", "", map[string]string{"color": "red"}, "sensor", 2},
		{"replace", UpdateThingRequest{ThingName: "t1", AttributePayload: attrs("size", "L")}, "", "", map[string]string{"size": "L"}, "sensor", 2},
		{"merge", UpdateThingRequest{ThingName: "t1", AttributePayload: &AttributePayload{Attributes: map[string]string{"size": "L"}, Merge: true}},
			"", "", map[string]string{"color": "red", "size": "L"}, "sensor", 2},
		{"merge removes empty", UpdateThingRequest{ThingName: "t1", AttributePayload: &AttributePayload{Attributes: map[string]string{"color": "", "size": "L"}, Merge: true}},
			"", "", map[string]string{"size": "L"}, "sensor", 2},
		{"replace with empty map clears", UpdateThingRequest{ThingName: "t1", AttributePayload: &AttributePayload{Attributes: map[string]string{}}},
			"", "", map[string]string{}, "sensor", 2},
		{"payload without attributes keeps", UpdateThingRequest{ThingName: "t1", AttributePayload: &AttributePayload{Merge: true}},
			"", "", map[string]string{"color": "red"}, "sensor", 2},
		{"remove type", UpdateThingRequest{ThingName: "t1", RemoveThingType: true}, "", "", map[string]string{"color": "red"}, "", 2},
		{"set type", UpdateThingRequest{ThingName: "t2", ThingTypeName: "sensor"}, "", "", map[string]string{"color": "blue"}, "sensor", 2},
		{"expected version ok", UpdateThingRequest{ThingName: "t1", ExpectedVersion: ptr[int64](1)}, "", "", map[string]string{"color": "red"}, "sensor", 2},
		{"expected version conflict", UpdateThingRequest{ThingName: "t1", ExpectedVersion: ptr[int64](5)}, awserr.VersionConflict,
			"Thing t1 is at version 1, not the expected version 5.", nil, "", 0},
		{"unknown thing", UpdateThingRequest{ThingName: "nope"}, awserr.ResourceNotFound, "Thing nope cannot be found.", nil, "", 0},
		{"unknown type", UpdateThingRequest{ThingName: "t2", ThingTypeName: "nope"}, awserr.ResourceNotFound, "Thing type nope cannot be found.", nil, "", 0},
		{"deprecated type", UpdateThingRequest{ThingName: "t2", ThingTypeName: "old"}, awserr.InvalidRequest, "deprecated", nil, "", 0},
		{"type and remove", UpdateThingRequest{ThingName: "t1", ThingTypeName: "sensor", RemoveThingType: true}, awserr.InvalidRequest,
			"Cannot specify both thingTypeName and removeThingType.", nil, "", 0},
		{"too many untyped", UpdateThingRequest{ThingName: "t2", AttributePayload: attrs("a", "1", "b", "2", "c", "3", "d", "4")},
			awserr.InvalidRequest, "at most 3", nil, "", 0},
		{"bad attribute", UpdateThingRequest{ThingName: "t2", AttributePayload: attrs("a", "sp ace")}, awserr.InvalidRequest, "Map value", nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			err := r.UpdateThing(tt.req, t0)
			checkErr(t, "UpdateThing", err, tt.code, tt.msg)
			if err != nil {
				if c := r.DrainChanges(); !c.Empty() {
					t.Errorf("failed UpdateThing recorded changes: %+v", c)
				}
				return
			}
			d, _ := r.DescribeThing(DescribeThingRequest{ThingName: tt.req.ThingName})
			if !maps.Equal(d.Attributes, tt.attrs) || d.ThingTypeName != tt.typ || d.Version != tt.version {
				t.Errorf("after UpdateThing: attributes %v, type %q, version %d; want %v, %q, %d",
					d.Attributes, d.ThingTypeName, d.Version, tt.attrs, tt.typ, tt.version)
			}
			c := r.DrainChanges()
			if len(c.Things) != 1 || c.Things[0].Name != tt.req.ThingName || !slices.Contains(c.Records, "thing/"+tt.req.ThingName) {
				t.Errorf("UpdateThing changes = %+v", c)
			}
		})
	}
}

func TestUpdateThingRemoveTypeOverAttributeLimit(t *testing.T) {
	r := fixture(t)
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t1", AttributePayload: attrs("a", "1", "b", "2", "c", "3", "d", "4")}, t0))
	err := r.UpdateThing(UpdateThingRequest{ThingName: "t1", RemoveThingType: true}, t0)
	checkErr(t, "UpdateThing(removeThingType with 4 attributes)", err, awserr.InvalidRequest, "at most 3")
	// Keeping a deprecated type that the thing already has is allowed.
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t2", ThingTypeName: "sensor"}, t0))
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "sensor"}, t0))
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t2", ThingTypeName: "sensor"}, t0))
}

func TestDeleteThing(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t1"}, t0))
	id1, _ := r.ThingID("t1")
	r.DrainChanges()

	checkErr(t, "DeleteThing(missing)", r.DeleteThing(DeleteThingRequest{ThingName: "nope"}, t0), "", "")
	checkErr(t, "DeleteThing(bad name)", r.DeleteThing(DeleteThingRequest{ThingName: "a/b"}, t0), awserr.InvalidRequest, "")
	checkErr(t, "DeleteThing(wrong version)", r.DeleteThing(DeleteThingRequest{ThingName: "t1", ExpectedVersion: ptr[int64](2)}, t0),
		awserr.VersionConflict, "Thing t1 is at version 1, not the expected version 2.")
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("failed deletes recorded changes: %+v", c)
	}
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "t1", ExpectedVersion: ptr[int64](1)}, t0))

	if _, ok := r.ThingID("t1"); ok {
		t.Error("ThingID(t1) still found after delete")
	}
	if got := r.ThingGroupMembers("leaf"); len(got) != 0 {
		t.Errorf("leaf members after delete = %v", got)
	}
	if got := r.BillingGroupMembers("bill-a"); len(got) != 0 {
		t.Errorf("bill-a members after delete = %v", got)
	}
	if _, ok := r.Record("thing/t1"); ok {
		t.Error("Record(thing/t1) still present")
	}
	c := r.DrainChanges()
	wantThings := []ThingChange{{Name: "t1", ID: id1, Deleted: true}}
	if diff := cmp.Diff(wantThings, c.Things); diff != "" {
		t.Errorf("changes.Things (-want +got):\n%s", diff)
	}
	wantEvents := []MembershipEvent{
		{Group: "leaf", Kind: StaticGroup, Thing: "t1"},
		{Group: "bill-a", Kind: BillingGroup, Thing: "t1"},
	}
	if diff := cmp.Diff(wantEvents, c.Membership); diff != "" {
		t.Errorf("changes.Membership (-want +got):\n%s", diff)
	}
	// The freed dense id is reused first; the thingId is new.
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "t1"}, t0))
	resp, err := r.CreateThing(CreateThingRequest{ThingName: "t1"}, t0)
	must(t, err)
	if id, _ := r.ThingID("t1"); id != id1 {
		t.Errorf("recreated t1 has dense id %d; want the freed %d", id, id1)
	}
	if d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t2"}); resp.ThingId == d.ThingId {
		t.Error("recreated thing reuses another thingId")
	}
}

func TestDenseIDsLowestFreeFirst(t *testing.T) {
	r := New(Options{})
	for i := range 6 {
		must(t, create(r, fmt.Sprintf("d%d", i)))
	}
	for _, n := range []string{"d4", "d1", "d3"} {
		must(t, r.DeleteThing(DeleteThingRequest{ThingName: n}, t0))
	}
	var got []uint32
	for _, n := range []string{"e0", "e1", "e2", "e3"} {
		must(t, create(r, n))
		id, _ := r.ThingID(n)
		got = append(got, id)
	}
	if want := []uint32{1, 3, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("dense ids after deleting 4, 1, 3 = %v; want %v", got, want)
	}
	if n, ok := r.ThingName(3); !ok || n != "e1" {
		t.Errorf("ThingName(3) = %q, %v; want e1", n, ok)
	}
	if _, ok := r.ThingName(99); ok {
		t.Error("ThingName(99) found")
	}
}

func create(r *Registry, name string) error {
	_, err := r.CreateThing(CreateThingRequest{ThingName: name}, t0)
	return err
}

func TestListThings(t *testing.T) {
	r := fixture(t)
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t3", AttributePayload: attrs("color", "reddish")}, t0))
	names := func(resp ListThingsResponse) []string {
		var out []string
		for _, th := range resp.Things {
			out = append(out, th.ThingName)
		}
		return out
	}
	tests := []struct {
		name string
		req  ListThingsRequest
		want []string
		code string
	}{
		{"all", ListThingsRequest{}, []string{"t1", "t2", "t3"}, ""},
		{"attribute exact", ListThingsRequest{AttributeName: "color", AttributeValue: "red"}, []string{"t1"}, ""},
		{"attribute prefix", ListThingsRequest{AttributeName: "color", AttributeValue: "red", UsePrefixAttributeValue: true}, []string{"t1", "t3"}, ""},
		{"attribute present", ListThingsRequest{AttributeName: "color"}, []string{"t1", "t2", "t3"}, ""},
		{"attribute absent", ListThingsRequest{AttributeName: "size"}, []string{}, ""},
		{"by type", ListThingsRequest{ThingTypeName: "sensor"}, []string{"t1"}, ""},
		{"by unknown type", ListThingsRequest{ThingTypeName: "nope"}, []string{}, ""},
		{"type and attribute", ListThingsRequest{ThingTypeName: "sensor", AttributeName: "color", AttributeValue: "blue"}, []string{}, ""},
		{"value without name", ListThingsRequest{AttributeValue: "red"}, nil, awserr.InvalidRequest},
		{"maxResults 0 is default", ListThingsRequest{MaxResults: 0}, []string{"t1", "t2", "t3"}, ""},
		{"maxResults 251", ListThingsRequest{MaxResults: 251}, nil, awserr.InvalidRequest},
		{"maxResults -1", ListThingsRequest{MaxResults: -1}, nil, awserr.InvalidRequest},
		{"bad token", ListThingsRequest{NextToken: "garbage"}, nil, awserr.InvalidRequest},
	}
	for _, tt := range tests {
		resp, err := r.ListThings(tt.req)
		checkErr(t, "ListThings "+tt.name, err, tt.code, "")
		if err == nil && !slices.Equal(names(resp), tt.want) && !(len(tt.want) == 0 && len(resp.Things) == 0) {
			t.Errorf("ListThings %s = %v; want %v", tt.name, names(resp), tt.want)
		}
		if err == nil && resp.Things == nil {
			t.Errorf("ListThings %s: things is nil; want [] on the wire", tt.name)
		}
	}
	resp, _ := r.ListThings(ListThingsRequest{ThingTypeName: "sensor"})
	want := ThingAttribute{ThingName: "t1", ThingTypeName: "sensor", ThingArn: r.ThingArn("t1"), Attributes: map[string]string{"color": "red"}, Version: 1}
	if diff := cmp.Diff([]ThingAttribute{want}, resp.Things); diff != "" {
		t.Errorf("ListThings item (-want +got):\n%s", diff)
	}
}

func TestUpdateThingType(t *testing.T) {
	r := fixture(t)
	r.DrainChanges()
	must(t, r.UpdateThingType(UpdateThingTypeRequest{ThingTypeName: "sensor", ThingTypeProperties: &ThingTypeProperties{
		ThingTypeDescription: "v2 sensors", SearchableAttributes: []string{"hw", "site", "hw"}}}, t0))
	d, err := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "sensor"})
	if err != nil || d.ThingTypeProperties.ThingTypeDescription != "v2 sensors" || !slices.Equal(d.ThingTypeProperties.SearchableAttributes, []string{"hw", "site"}) {
		t.Errorf("after UpdateThingType: %+v, %v", d.ThingTypeProperties, err)
	}
	if c := r.DrainChanges(); len(c.Records) != 1 {
		t.Errorf("records changed = %v; want the thing type's", c.Records)
	}
	err = r.UpdateThingType(UpdateThingTypeRequest{ThingTypeName: "sensor", ThingTypeProperties: &ThingTypeProperties{
		SearchableAttributes: []string{"a", "b", "c", "d"}}}, t0)
	checkErr(t, "UpdateThingType(4 searchable attributes)", err, awserr.InvalidRequest, "at most 3")
	checkErr(t, "UpdateThingType(missing)", r.UpdateThingType(UpdateThingTypeRequest{ThingTypeName: "nope"}, t0), awserr.ResourceNotFound, "")
}
