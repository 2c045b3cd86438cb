package awserr

import (
	"fmt"
	"strings"
)

// Violations collects every violated constraint of one request and
// reports them at once, worded as AWS's request validation words them:
//
//	2 validation errors detected: Value 'a b' at 'thingName' failed to
//	satisfy constraint: Member must satisfy regular expression pattern:
//	[a-zA-Z0-9:_-]+; Value '0' at 'maxResults' failed to satisfy
//	constraint: Member must have value greater than or equal to 1
//
// The zero value is ready.
type Violations struct{ list []string }

// Fail records that value at field breaks constraint.
func (v *Violations) Fail(value, field, constraint string) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint))
}

// Null records that a required field is missing.
func (v *Violations) Null(field string) {
	v.list = append(v.list, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
}

// Err returns the InvalidRequestException, or nil when nothing failed.
func (v *Violations) Err() error {
	switch len(v.list) {
	case 0:
		return nil
	case 1:
		return New(InvalidRequest, "1 validation error detected: %s", v.list[0])
	}
	return New(InvalidRequest, "%d validation errors detected: %s", len(v.list), strings.Join(v.list, "; "))
}
