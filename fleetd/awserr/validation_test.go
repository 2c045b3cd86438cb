package awserr

import "testing"

func TestViolations(t *testing.T) {
	var none Violations
	if err := none.Err(); err != nil {
		t.Errorf("no violation: %v; want nil", err)
	}
	var one Violations
	one.Fail("a b", "thingName", "Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+")
	var two Violations
	two.Fail("0", "maxResults", "Member must have value greater than or equal to 1")
	two.Null("jobId")
	for _, tt := range []struct {
		v    *Violations
		want string
	}{
		{&one, "InvalidRequestException: 1 validation error detected: Value 'a b' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{&two, "InvalidRequestException: 2 validation errors detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1; Value null at 'jobId' failed to satisfy constraint: Member must not be null"},
	} {
		if got := tt.v.Err(); got == nil || got.Error() != tt.want || Status(InvalidRequest) != 400 {
			t.Errorf("got %v; want %s", got, tt.want)
		}
	}
}
