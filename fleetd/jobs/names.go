package jobs

import (
	"strconv"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Request validation of the names in a jobs request's path, as AWS words
// it: a malformed jobId or thingName is an InvalidRequestException (400),
// never a lookup that finds nothing (404).

const (
	maxJobIDLen     = 64
	maxThingNameLen = 128
)

// checkJobID checks a jobId against the model: 1 to 64 of [a-zA-Z0-9_-].
func checkJobID(id string) error {
	return checkName("jobId", id, maxJobIDLen, "[a-zA-Z0-9_-]+", false)
}

// checkThingName checks a thingName against the model: 1 to 128 of
// [a-zA-Z0-9:_-].
func checkThingName(name string) error {
	return checkName("thingName", name, maxThingNameLen, "[a-zA-Z0-9:_-]+", true)
}

func checkName(field, v string, maxLen int, pattern string, colon bool) error {
	constraint := ""
	switch {
	case v == "":
		constraint = "Member must have length greater than or equal to 1"
	case len(v) > maxLen:
		constraint = "Member must have length less than or equal to " + strconv.Itoa(maxLen)
	default:
		for i := range len(v) {
			if c := v[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || colon && c == ':') {
				constraint = "Member must satisfy regular expression pattern: " + pattern
				break
			}
		}
	}
	if constraint == "" {
		return nil
	}
	var violations awserr.Violations
	violations.Fail(v, field, constraint)
	return violations.Err()
}
