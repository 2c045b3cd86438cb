// Package awserr is the one catalog of AWS error codes fleetd answers with:
// the code, its HTTP status (from the botocore models) and a message.
// Every package of the core returns *Error for client mistakes; adapters
// match it with errors.As and map it to an x-amzn-ErrorType response, a
// shadow /rejected document ({"code": status, "message"}) or a jobs
// /rejected payload. Anything that is not an *Error is a server fault.
package awserr
