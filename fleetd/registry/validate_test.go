package registry

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestValidationMessages(t *testing.T) {
	r := New(Options{})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"null name", create(r, ""), "1 validation error detected: Value null at 'thingName' failed to satisfy constraint: Member must not be null"},
		{"maxResults", func() error { _, err := r.ListThings(ListThingsRequest{MaxResults: 251}); return err }(),
			"1 validation error detected: Value '251' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 250"},
		{"several members", func() error {
			_, err := r.ListThings(ListThingsRequest{MaxResults: -2, ThingTypeName: "a b", AttributeName: "k k"})
			return err
		}(), "3 validation errors detected: " +
			"Value '-2' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
			"Value 'k k' at 'attributeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#-]+; " +
			"Value 'a b' at 'thingTypeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{"long and bad", create(r, strings.Repeat("é", 129)), "2 validation errors detected: " +
			"Value '" + strings.Repeat("é", 129) + "' at 'thingName' failed to satisfy constraint: Member must have length less than or equal to 128; " +
			"Value '" + strings.Repeat("é", 129) + "' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
	}
	for _, tt := range tests {
		e, ok := awserr.As(tt.err)
		if !ok || e.Code != awserr.InvalidRequest || e.Status != 400 || e.Message != tt.want {
			t.Errorf("%s: %v\nwant InvalidRequestException: %s", tt.name, tt.err, tt.want)
		}
	}
}

func TestLengthsCountUTF16(t *testing.T) {
	r := New(Options{})
	emoji := "\U0001F4A1" // two UTF-16 code units
	tag := func(key string) error {
		_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "g", Tags: []Tag{{Key: key}}}, t0)
		return err
	}
	// An emoji is not in the tag key pattern; letters beyond the BMP are.
	if javaLen(emoji) != 2 || javaLen("aé") != 2 {
		t.Errorf("javaLen = %d, %d", javaLen(emoji), javaLen("aé"))
	}
	astral := "\U00020000" // CJK ideograph, a letter, two UTF-16 units
	checkErr(t, "tag key of 64 astral letters", tag(strings.Repeat(astral, 64)), "", "")
	checkErr(t, "tag key of 65 astral letters", tag(strings.Repeat(astral, 65)), awserr.InvalidRequest, "less than or equal to 128")
	checkErr(t, "tag key emoji", tag(emoji), awserr.InvalidRequest, "regular expression")
	checkErr(t, "tag value 257", func() error {
		_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "g", Tags: []Tag{{Key: "k", Value: strings.Repeat("v", 257)}}}, t0)
		return err
	}(), awserr.InvalidRequest, "at 'tags.1.member.Value'")
	var tags []Tag
	for i := range MaxTags + 1 {
		tags = append(tags, Tag{Key: fmt.Sprint("k", i)})
	}
	_, err := r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "x", Tags: tags}, t0)
	checkErr(t, "51 tags", err, awserr.InvalidRequest, "Value '51' at 'tags'")
	desc := strings.Repeat("d", 2028)
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "b", BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: &desc}}, t0)
	checkErr(t, "description 2028", err, "", "")
	desc += "d"
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "c", BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: &desc}}, t0)
	checkErr(t, "description 2029", err, awserr.InvalidRequest, "less than or equal to 2028")
}
