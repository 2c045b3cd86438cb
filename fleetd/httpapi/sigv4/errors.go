package sigv4

import "github.com/fleetlab/fleetlab/fleetd/awserr"

// Error codes of the authentication layer. They are not in the awserr
// catalog, which holds the services' modelled errors; every one is answered
// with HTTP 403, as the AWS front end does for IoT (control plane and data
// planes alike).
const (
	// MissingAuthenticationToken: neither an Authorization header nor
	// X-Amz-Algorithm in the query.
	MissingAuthenticationToken = "MissingAuthenticationTokenException"
	// IncompleteSignature: the Authorization header or the presigned query
	// lacks a part, or a part is malformed (date, credential, algorithm).
	IncompleteSignature = "IncompleteSignatureException"
	// InvalidSignature: the signature does not match, the request time is
	// out of the allowed skew, or the scope does not fit the request.
	InvalidSignature = "InvalidSignatureException"
	// UnrecognizedClient: the access key id is not one of the daemon's.
	UnrecognizedClient = "UnrecognizedClientException"
)

// AWS's messages, verbatim.
const (
	msgMissingToken      = "Missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgBoth          = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgContentSHA256 = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

// Status is the HTTP status of every error Verify returns.
const Status = 403

func missingToken() *awserr.Error {
	return awserr.WithStatus(MissingAuthenticationToken, Status, "%s", msgMissingToken)
}

func incomplete(format string, args ...any) *awserr.Error {
	return awserr.WithStatus(IncompleteSignature, Status, format, args...)
}

func invalid(format string, args ...any) *awserr.Error {
	return awserr.WithStatus(InvalidSignature, Status, format, args...)
}

func unrecognized() *awserr.Error {
	return awserr.WithStatus(UnrecognizedClient, Status, "%s", msgUnrecognized)
}
