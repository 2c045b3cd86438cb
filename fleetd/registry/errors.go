package registry

import (
	"fmt"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Resource kinds as they appear in messages.
const (
	kindThing        = "Thing"
	kindThingType    = "Thing type"
	kindThingGroup   = "Thing group"
	kindBillingGroup = "Billing group"
)

// notFound: "Thing foo cannot be found."
func notFound(kind, name string) error {
	return awserr.New(awserr.ResourceNotFound, "%s %s cannot be found.", kind, name)
}

// alreadyExists: "Thing foo already exists with a different configuration.",
// carrying the existing resource's id and ARN.
func alreadyExists(kind, name, id, arn string) error {
	return awserr.AlreadyExists(id, arn, "%s %s already exists with a different configuration.", kind, name)
}

// versionConflict: "Thing foo is at version 3, not the expected version 2."
func versionConflict(kind, name string, have, want int64) error {
	return awserr.New(awserr.VersionConflict, "%s %s is at version %d, not the expected version %d.", kind, name, have, want)
}

func invalid(format string, args ...any) error {
	return awserr.New(awserr.InvalidRequest, format, args...)
}

// DynamicAddFailedError reports that SetDynamicMembership could not add a
// thing that matches a dynamic group's query because the thing is at the
// group limit and no dynamic group it belongs to is newer. AWS logs this
// and counts it in the AddThingToDynamicThingGroupsFailed metric; the core
// does the same. It is not a client error and not an *awserr.Error.
type DynamicAddFailedError struct {
	Group string
	Thing string
	Limit int
}

// MetricAddThingToDynamicThingGroupsFailed is the AWS metric name.
const MetricAddThingToDynamicThingGroupsFailed = "AddThingToDynamicThingGroupsFailed"

func (e *DynamicAddFailedError) Error() string {
	return fmt.Sprintf("%s: thing %s is already in %d thing groups and in no dynamic thing group newer than %s",
		MetricAddThingToDynamicThingGroupsFailed, e.Thing, e.Limit, e.Group)
}

// nameOrArn resolves a resource named by name, by ARN, or by both (which
// must agree). resource is the ARN resource type ("thing", "thinggroup",
// "billinggroup"); nameField and arnField are the request members. An ARN
// of another region or account names nothing here: ResourceNotFound.
func (r *Registry) nameOrArn(kind, resource, nameField, name, arnField, arn string) (string, error) {
	if arn == "" {
		if name == "" {
			return "", invalid("Either %s or %s must be specified.", nameField, arnField)
		}
		var c checker
		c.name(nameField, name)
		return name, c.Err()
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" || !strings.HasPrefix(parts[5], resource+"/") {
		return "", invalid("%s %s is not a valid %s ARN.", arnField, arn, resource)
	}
	fromArn := strings.TrimPrefix(parts[5], resource+"/")
	var c checker
	c.name(arnField+" resource name", fromArn)
	if name != "" {
		c.name(nameField, name)
	}
	if err := c.Err(); err != nil {
		return "", err
	}
	if name != "" && name != fromArn {
		return "", invalid("%s %s and %s %s name different resources.", nameField, name, arnField, arn)
	}
	if parts[3] != r.opts.Region || parts[4] != r.opts.Account {
		return "", notFound(kind, arn)
	}
	return fromArn, nil
}
