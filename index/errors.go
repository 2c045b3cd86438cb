package index

import "fmt"

// Error is an index error carrying the AWS error code the API reports
// (InvalidQueryException, InvalidAggregationException, InvalidRequestException).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

const (
	CodeInvalidQuery       = "InvalidQueryException"
	CodeInvalidAggregation = "InvalidAggregationException"
	CodeInvalidRequest     = "InvalidRequestException"
)
