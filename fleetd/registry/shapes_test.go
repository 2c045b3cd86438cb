package registry

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTimestampJSON(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1700000000, 0), "1700000000"},
		{time.Unix(1700000000, 123_000_000), "1700000000.123"},
		{time.Unix(1700000000, 120_000_000), "1700000000.12"},
		{time.Unix(1700000000, 999_999_999), "1700000000.999"},
		{time.Unix(-1, 500_000_000), "-0.5"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(stamp(tt.t))
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.t, b, err, tt.want)
		}
		var back Timestamp
		if err := json.Unmarshal(b, &back); err != nil || back.UnixMilli() != tt.t.UnixMilli() {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back.Time, err, tt.t)
		}
	}
	var ts Timestamp
	if err := json.Unmarshal([]byte(`"2020-01-01"`), &ts); err == nil {
		t.Error("Unmarshal of a string succeeded")
	}
	b, _ := json.Marshal(ThingTypeMetadata{})
	if string(b) != `{"deprecated":false}` {
		t.Errorf("zero timestamps not omitted: %s", b)
	}
}

// The HTTP adapter decodes request bodies straight into the request
// structs; URI and query members are not body members.
func TestRequestBodiesDecode(t *testing.T) {
	var up UpdateThingRequest
	body := `{"thingName":"ignored","attributePayload":{"attributes":{"k":"v"},"merge":true},"expectedVersion":3,"removeThingType":true}`
	if err := json.Unmarshal([]byte(body), &up); err != nil {
		t.Fatal(err)
	}
	want := UpdateThingRequest{AttributePayload: &AttributePayload{Attributes: map[string]string{"k": "v"}, Merge: true}, ExpectedVersion: ptr[int64](3), RemoveThingType: true}
	if diff := cmp.Diff(want, up); diff != "" {
		t.Errorf("UpdateThingRequest (-want +got):\n%s", diff)
	}
	var add AddThingToThingGroupRequest
	must(t, json.Unmarshal([]byte(`{"thingGroupArn":"arn:g","thingName":"t","overrideDynamicGroups":true}`), &add))
	if add != (AddThingToThingGroupRequest{ThingGroupArn: "arn:g", ThingName: "t", OverrideDynamicGroups: true}) {
		t.Errorf("AddThingToThingGroupRequest = %+v", add)
	}
	var dyn CreateDynamicThingGroupRequest
	must(t, json.Unmarshal([]byte(`{"queryString":"a:b","thingGroupProperties":{"thingGroupDescription":"","attributePayload":{"attributes":{}}},"tags":[{"Key":"k","Value":"v"}]}`), &dyn))
	if dyn.QueryString != "a:b" || dyn.ThingGroupProperties.ThingGroupDescription == nil || dyn.ThingGroupProperties.AttributePayload.Attributes == nil || dyn.Tags[0] != (Tag{Key: "k", Value: "v"}) {
		t.Errorf("CreateDynamicThingGroupRequest = %+v", dyn)
	}
}

func TestResponsesEncode(t *testing.T) {
	r := fixture(t)
	d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t3"})
	b, _ := json.Marshal(d)
	want := `{"defaultClientId":"t3","thingName":"t3","thingId":"` + d.ThingId + `","thingArn":"arn:aws:iot:us-east-1:123456789012:thing/t3","attributes":{},"version":1}`
	if string(b) != want {
		t.Errorf("DescribeThing JSON = %s; want %s", b, want)
	}
	l, _ := r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "leaf"})
	if b, _ := json.Marshal(l); string(b) != `{"things":[]}` {
		t.Errorf("empty ListThingsInThingGroup JSON = %s", b)
	}
	bg, _ := r.DescribeBillingGroup(DescribeBillingGroupRequest{BillingGroupName: "bill-a"})
	b, _ = json.Marshal(bg)
	want = `{"billingGroupName":"bill-a","billingGroupId":"` + bg.BillingGroupId + `","billingGroupArn":"arn:aws:iot:us-east-1:123456789012:billinggroup/bill-a",` +
		`"version":1,"billingGroupProperties":{},"billingGroupMetadata":{"creationDate":1767323045}}`
	if string(b) != want {
		t.Errorf("DescribeBillingGroup JSON = %s; want %s", b, want)
	}
}

func TestUUIDs(t *testing.T) {
	seen := map[UUID]bool{}
	for seed := range uint64(3) {
		for n := range uint64(1000) {
			u := newUUID(seed, n)
			if seen[u] {
				t.Fatalf("duplicate id %v", u)
			}
			seen[u] = true
			s := u.String()
			back, err := ParseUUID(s)
			if err != nil || back != u || s[14] != '4' || (s[19] != '8' && s[19] != '9' && s[19] != 'a' && s[19] != 'b') {
				t.Fatalf("id %s: parse %v, %v", s, back, err)
			}
		}
	}
	if newUUID(1, 2) != newUUID(1, 2) {
		t.Error("ids are not deterministic")
	}
	for _, bad := range []string{"", "0d2f3a1c-1111-4222-8333-44445555666", "0d2f3a1c11111-4222-8333-444455556666", "zd2f3a1c-1111-4222-8333-444455556666"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", bad)
		}
	}
}
