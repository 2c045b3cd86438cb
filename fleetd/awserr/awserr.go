package awserr

import (
	"errors"
	"fmt"
)

// Error is an AWS-shaped error.
type Error struct {
	Code    string // e.g. ResourceNotFoundException
	Status  int    // HTTP status
	Message string
	// ResourceID and ResourceArn are set on ResourceAlreadyExistsException,
	// whose AWS shape carries them.
	ResourceID  string
	ResourceArn string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes, with their HTTP status in catalog.
const (
	InvalidRequest         = "InvalidRequestException"
	ResourceNotFound       = "ResourceNotFoundException"
	ResourceAlreadyExists  = "ResourceAlreadyExistsException"
	VersionConflict        = "VersionConflictException"
	Conflict               = "ConflictException"
	ConflictingUpdate      = "ConflictingResourceUpdateException"
	DeleteConflict         = "DeleteConflictException"
	InvalidStateTransition = "InvalidStateTransitionException"
	LimitExceeded          = "LimitExceededException"
	InvalidQuery           = "InvalidQueryException"
	InvalidAggregation     = "InvalidAggregationException"
	IndexNotReady          = "IndexNotReadyException"
	NotConfigured          = "NotConfiguredException"
	Throttling             = "ThrottlingException"
	Unauthorized           = "UnauthorizedException"
	Forbidden              = "ForbiddenException"
	CertificateState       = "CertificateStateException"
	CertificateValidation  = "CertificateValidationException"
	CertificateConflict    = "CertificateConflictException"
	MalformedPolicy        = "MalformedPolicyException"
	RegistrationFailure    = "ResourceRegistrationFailureException"
	VersionsLimitExceeded  = "VersionsLimitExceededException"
	TaskAlreadyExists      = "TaskAlreadyExistsException"
	TerminalState          = "TerminalStateException"
	RequestEntityTooLarge  = "RequestEntityTooLargeException"
	UnsupportedEncoding    = "UnsupportedDocumentEncodingException"
	MethodNotAllowed       = "MethodNotAllowedException"
	ServiceQuotaExceeded   = "ServiceQuotaExceededException"
	ServiceUnavailable     = "ServiceUnavailableException"
	InternalFailure        = "InternalFailureException"
)

// catalog maps each code to its HTTP status (spec §1.2).
var catalog = map[string]int{
	InvalidRequest:         400,
	ResourceNotFound:       404,
	ResourceAlreadyExists:  409,
	VersionConflict:        409,
	Conflict:               409,
	ConflictingUpdate:      409,
	DeleteConflict:         409,
	InvalidStateTransition: 409,
	LimitExceeded:          410,
	InvalidQuery:           400,
	InvalidAggregation:     400,
	IndexNotReady:          400,
	NotConfigured:          404,
	Throttling:             400,
	Unauthorized:           401,
	Forbidden:              403,
	CertificateState:       406,
	CertificateValidation:  400,
	CertificateConflict:    409,
	MalformedPolicy:        400,
	RegistrationFailure:    400,
	VersionsLimitExceeded:  409,
	TaskAlreadyExists:      400,
	TerminalState:          410,
	RequestEntityTooLarge:  413,
	UnsupportedEncoding:    415,
	MethodNotAllowed:       405,
	ServiceQuotaExceeded:   402,
	ServiceUnavailable:     503,
	InternalFailure:        500,
}

// Status returns the HTTP status of a code (500 for an unknown one).
func Status(code string) int {
	if s, ok := catalog[code]; ok {
		return s
	}
	return 500
}

// New returns an error with the catalog's status for code.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Status: Status(code), Message: fmt.Sprintf(format, args...)}
}

// WithStatus returns an error whose status differs from the catalog's, as
// the data plane has a few (iot-data ThrottlingException is 429).
func WithStatus(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// AlreadyExists returns a ResourceAlreadyExistsException naming the
// resource, as AWS does.
func AlreadyExists(id, arn, format string, args ...any) *Error {
	e := New(ResourceAlreadyExists, format, args...)
	e.ResourceID, e.ResourceArn = id, arn
	return e
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the AWS error code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
