package registry

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/google/go-cmp/cmp"
)

func TestCreateThingType(t *testing.T) {
	props := &ThingTypeProperties{ThingTypeDescription: "a lamp", SearchableAttributes: []string{"a", "b"}}
	tests := []struct {
		name string
		req  CreateThingTypeRequest
		code string
		msg  string
	}{
		{"new", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: props, Tags: []Tag{{Key: "team", Value: "x"}}}, "", ""},
		{"idempotent", CreateThingTypeRequest{ThingTypeName: "sensor"}, "", ""},
		{"idempotent, empty properties", CreateThingTypeRequest{ThingTypeName: "sensor", ThingTypeProperties: &ThingTypeProperties{}}, "", ""},
		{"idempotent ignores tags", CreateThingTypeRequest{ThingTypeName: "sensor", Tags: []Tag{{Key: "k"}}}, "", ""},
		{"different description", CreateThingTypeRequest{ThingTypeName: "sensor", ThingTypeProperties: &ThingTypeProperties{ThingTypeDescription: "x"}},
			awserr.ResourceAlreadyExists, "Thing type sensor already exists with a different configuration."},
		{"4 searchable", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{SearchableAttributes: []string{"a", "b", "c", "d"}}},
			awserr.InvalidRequest, "at most 3"},
		{"duplicate searchable count once", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{SearchableAttributes: []string{"a", "b", "c", "a"}}}, "", ""},
		{"bad searchable", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{SearchableAttributes: []string{"a b"}}},
			awserr.InvalidRequest, "at 'thingTypeProperties.searchableAttributes.1.member'"},
		{"description not ASCII", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{ThingTypeDescription: "lampe à huile"}},
			awserr.InvalidRequest, `[\p{Graph}\x20]*`},
		{"description newline", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{ThingTypeDescription: "a\nb"}},
			awserr.InvalidRequest, "thingTypeDescription"},
		{"tag key empty", CreateThingTypeRequest{ThingTypeName: "lamp", Tags: []Tag{{Key: ""}}}, awserr.InvalidRequest, "at 'tags.1.member.Key'"},
		{"tag key unicode", CreateThingTypeRequest{ThingTypeName: "lamp", Tags: []Tag{{Key: "équipe 1"}}}, "", ""},
		{"tag key symbol", CreateThingTypeRequest{ThingTypeName: "lamp", Tags: []Tag{{Key: "a*b"}}}, awserr.InvalidRequest, "Member must satisfy regular expression pattern"},
		{"bad name", CreateThingTypeRequest{ThingTypeName: "a.b"}, awserr.InvalidRequest, "at 'thingTypeName'"},
		{"mqtt5", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{Mqtt5Configuration: &Mqtt5Configuration{
			PropagatingAttributes: []PropagatingAttribute{{UserPropertyKey: "k$1", ThingAttribute: "serial"}, {UserPropertyKey: "c", ConnectionAttribute: "iot:ClientId"}}}}}, "", ""},
		{"mqtt5 bad key", CreateThingTypeRequest{ThingTypeName: "lamp", ThingTypeProperties: &ThingTypeProperties{Mqtt5Configuration: &Mqtt5Configuration{
			PropagatingAttributes: []PropagatingAttribute{{UserPropertyKey: "k-1"}}}}}, awserr.InvalidRequest, "userPropertyKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			resp, err := r.CreateThingType(tt.req, t0)
			checkErr(t, "CreateThingType", err, tt.code, tt.msg)
			if err != nil {
				return
			}
			d, _ := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: tt.req.ThingTypeName})
			if resp.ThingTypeId != d.ThingTypeId || resp.ThingTypeArn != "arn:aws:iot:us-east-1:123456789012:thingtype/"+tt.req.ThingTypeName {
				t.Errorf("CreateThingType = %+v; describe %+v", resp, d)
			}
		})
	}
}

func TestSearchableAttributesCompareAsSet(t *testing.T) {
	r := New(Options{})
	req := CreateThingTypeRequest{ThingTypeName: "x", ThingTypeProperties: &ThingTypeProperties{SearchableAttributes: []string{"a", "b"}}}
	_, err := r.CreateThingType(req, t0)
	must(t, err)
	req.ThingTypeProperties.SearchableAttributes = []string{"b", "a"}
	_, err = r.CreateThingType(req, t0)
	checkErr(t, "CreateThingType(reordered searchable attributes)", err, "", "")
}

func TestDescribeThingType(t *testing.T) {
	r := fixture(t)
	_, err := r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "lamp",
		ThingTypeProperties: &ThingTypeProperties{ThingTypeDescription: "d", SearchableAttributes: []string{"serial"}}}, t0)
	must(t, err)
	got, err := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "lamp"})
	must(t, err)
	want := DescribeThingTypeResponse{
		ThingTypeName:       "lamp",
		ThingTypeId:         got.ThingTypeId,
		ThingTypeArn:        "arn:aws:iot:us-east-1:123456789012:thingtype/lamp",
		ThingTypeProperties: ThingTypeProperties{ThingTypeDescription: "d", SearchableAttributes: []string{"serial"}},
		ThingTypeMetadata:   ThingTypeMetadata{CreationDate: stamp(t0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeThingType(lamp) (-want +got):\n%s", diff)
	}
	old, _ := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "old"})
	if !old.ThingTypeMetadata.Deprecated || !old.ThingTypeMetadata.DeprecationDate.Equal(t0) {
		t.Errorf("DescribeThingType(old).thingTypeMetadata = %+v; want deprecated at %v", old.ThingTypeMetadata, t0)
	}
	b, _ := json.Marshal(old.ThingTypeMetadata)
	if want := `{"deprecated":true,"deprecationDate":1767323045,"creationDate":1767323045}`; string(b) != want {
		t.Errorf("thingTypeMetadata JSON = %s; want %s", b, want)
	}
	_, err = r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "nope"})
	checkErr(t, "DescribeThingType(nope)", err, awserr.ResourceNotFound, "Thing type nope cannot be found.")
}

func TestListThingTypes(t *testing.T) {
	r := fixture(t)
	resp, err := r.ListThingTypes(ListThingTypesRequest{})
	must(t, err)
	if len(resp.ThingTypes) != 2 || resp.ThingTypes[0].ThingTypeName != "old" || resp.ThingTypes[1].ThingTypeName != "sensor" {
		t.Errorf("ListThingTypes = %+v", resp)
	}
	resp, _ = r.ListThingTypes(ListThingTypesRequest{ThingTypeName: "sensor"})
	if len(resp.ThingTypes) != 1 || resp.ThingTypes[0].ThingTypeName != "sensor" || resp.ThingTypes[0].ThingTypeArn != r.ThingTypeArn("sensor") {
		t.Errorf("ListThingTypes(sensor) = %+v", resp)
	}
	resp, _ = r.ListThingTypes(ListThingTypesRequest{MaxResults: 1})
	if len(resp.ThingTypes) != 1 || resp.NextToken == "" {
		t.Errorf("ListThingTypes(maxResults 1) = %+v; want one type and a token", resp)
	}
	resp, _ = r.ListThingTypes(ListThingTypesRequest{MaxResults: 1, NextToken: resp.NextToken})
	if len(resp.ThingTypes) != 1 || resp.ThingTypes[0].ThingTypeName != "sensor" || resp.NextToken != "" {
		t.Errorf("ListThingTypes page 2 = %+v", resp)
	}
}

func TestDeprecateAndDeleteThingType(t *testing.T) {
	r := fixture(t)
	later := t0.Add(ThingTypeDeleteDelay)

	checkErr(t, "DeprecateThingType(nope)", r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "nope"}, t0), awserr.ResourceNotFound, "")
	checkErr(t, "DeleteThingType(nope)", r.DeleteThingType(DeleteThingTypeRequest{ThingTypeName: "nope"}, t0), awserr.ResourceNotFound, "")
	checkErr(t, "DeleteThingType(live)", r.DeleteThingType(DeleteThingTypeRequest{ThingTypeName: "sensor"}, later), awserr.InvalidRequest,
		"Thing type sensor must be deprecated before it can be deleted.")

	// Deprecating again keeps the first deprecation date.
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "old"}, t0.Add(time.Minute)))
	if d, _ := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "old"}); !d.ThingTypeMetadata.DeprecationDate.Equal(t0) {
		t.Errorf("deprecationDate after second deprecate = %v; want %v", d.ThingTypeMetadata.DeprecationDate, t0)
	}
	checkErr(t, "DeleteThingType(old, 4m59s)", r.DeleteThingType(DeleteThingTypeRequest{ThingTypeName: "old"}, later.Add(-time.Second)),
		awserr.InvalidRequest, "deprecated less than 5m0s ago; it can be deleted in 1s")

	// Undeprecate, then things may use it again.
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "old", UndoDeprecate: true}, t0))
	if d, _ := r.DescribeThingType(DescribeThingTypeRequest{ThingTypeName: "old"}); d.ThingTypeMetadata.Deprecated || !d.ThingTypeMetadata.DeprecationDate.IsZero() {
		t.Errorf("after undo: %+v", d.ThingTypeMetadata)
	}
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t2", ThingTypeName: "old"}, t0))
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "old"}, t0))
	checkErr(t, "DeleteThingType(old, in use)", r.DeleteThingType(DeleteThingTypeRequest{ThingTypeName: "old"}, later),
		awserr.InvalidRequest, "1 things are still associated")
	must(t, r.UpdateThing(UpdateThingRequest{ThingName: "t2", RemoveThingType: true}, t0))
	r.DrainChanges()
	must(t, r.DeleteThingType(DeleteThingTypeRequest{ThingTypeName: "old"}, later))
	if _, ok := r.Record("thingtype/old"); ok {
		t.Error("thingtype/old record survives delete")
	}
	if c := r.DrainChanges(); len(c.Records) != 1 || c.Records[0] != "thingtype/old" || len(c.Things) != 0 {
		t.Errorf("DeleteThingType changes = %+v", c)
	}
	// Undoing a live type's deprecation changes nothing.
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "sensor", UndoDeprecate: true}, t0))
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("no-op undo recorded %+v", c)
	}
}
