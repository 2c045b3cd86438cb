package shadow

import "github.com/fleetlab/fleetlab/fleetd/awserr"

// The Device Shadow service's error messages, verbatim (spec §3.1).
const (
	MsgInvalidJSON      = "Invalid JSON"
	MsgMissingState     = "Missing required node: state"
	MsgStateNotObject   = "State node must be an object"
	MsgDesiredNotObject = "Desired node must be an object"
	MsgReportedNotObj   = "Reported node must be an object"
	MsgInvalidVersion   = "Invalid version"
	MsgInvalidToken     = "Invalid clientToken"
	MsgTooDeep          = "JSON contains too many levels of nesting; maximum is %d"
	MsgInvalidNode      = "State contains an invalid node"
	MsgNoShadow         = "No shadow exists with name: '%s'"
	MsgVersionConflict  = "Version conflict"
	MsgTooLarge         = "The payload exceeds the maximum size allowed"
	MsgEncoding         = "Unsupported documented encoding; supported encoding is UTF-8"
	MsgInternal         = "Internal service failure"
)

// MaxClientTokenBytes is the longest clientToken the service accepts.
const MaxClientTokenBytes = 64

func invalid(msg string) error { return awserr.New(awserr.InvalidRequest, "%s", msg) }

func tooDeep(maxDepth int) error {
	return awserr.New(awserr.InvalidRequest, MsgTooDeep, maxDepth)
}

func notFound(name string) error { return awserr.New(awserr.ResourceNotFound, MsgNoShadow, name) }

func versionConflict() error { return awserr.New(awserr.Conflict, "%s", MsgVersionConflict) }

func tooLarge() error { return awserr.New(awserr.RequestEntityTooLarge, "%s", MsgTooLarge) }

func badEncoding() error { return awserr.New(awserr.UnsupportedEncoding, "%s", MsgEncoding) }
