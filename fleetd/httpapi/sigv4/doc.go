// Package sigv4 verifies AWS Signature Version 4 on the requests fleetd's
// HTTP listener receives, so that the real aws CLI and the AWS SDKs, pointed
// at the daemon with --endpoint-url, authenticate as they do against AWS.
// It owns the parsing of the signature (Authorization header or presigned
// X-Amz-* query parameters), the canonical request, the key derivation, the
// clock-skew window and AWS's error codes and texts for all of these. It
// does no I/O and keeps no state but its configuration.
//
// # Use
//
//	v := sigv4.NewVerifier([]sigv4.Credentials{{AccessKeyID: id, SecretAccessKey: secret}}, clock.Real{}.Now)
//
//	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
//	scope, err := v.Verify(r, body)
//	if err != nil {
//		writeAWSError(w, err) // *awserr.Error, status 403, x-amzn-ErrorType = its Code
//		return
//	}
//	plane, ok := sigv4.Plane(scope.Service) // "control", "data" or "jobs"
//
// The caller reads the whole body first (Verify hashes it unless the client
// sent x-amz-content-sha256) and passes it in; Verify does not touch
// r.Body. Call it with the request exactly as the server received it:
// the path comes from r.RequestURI (r.URL.EscapedPath() when that is
// empty), the query from r.URL.RawQuery, the host from r.Host.
//
// # Canonicalisation (botocore's SigV4Auth)
//
//   - URI: the path as sent, still percent-encoded, with dot segments and
//     empty segments removed, then percent-encoded again (everything but
//     A-Z a-z 0-9 - _ . ~ and /). So the CLI's
//     POST /topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate is signed as
//     /topics/%2524aws%252Fthings%252Fx%252Fshadow%252Fupdate. botocore
//     double-encodes for every service but S3, as every AWS SDK does;
//     a signature over the singly-encoded path is refused.
//   - Query: each key and value decoded ('+' is a space) and re-encoded
//     with the same unreserved set, pairs sorted by key then value. A
//     presigned URL's X-Amz-Signature is left out.
//   - Headers: those named in SignedHeaders, in that order, lower-cased,
//     each value trimmed with runs of white space collapsed, repeated
//     headers joined with ','. host must be signed. The host value is r.Host;
//     if it is not lower case, its lower-cased form is tried as well (botocore
//     signs the lower-cased host).
//   - Payload: the x-amz-content-sha256 header when present (a literal such
//     as UNSIGNED-PAYLOAD included; a hex hash must then also be the body's),
//     else the hex SHA-256 of the body. A presigned URL without the header
//     may have been signed with either the body's hash or UNSIGNED-PAYLOAD;
//     both are tried.
//   - Time: X-Amz-Date (yyyymmddThhmmssZ), else the Date header. It must be
//     within MaxSkew (15 minutes) of the clock either way; a presigned URL
//     is valid from X-Amz-Date until X-Amz-Date + X-Amz-Expires (≤ a week).
//   - Scope: AKID/yyyymmdd/region/service/aws4_request, the date being the
//     request's day. Any region and any service are accepted: the region is
//     the caller's to use or ignore, and Plane decides which services fleetd
//     serves.
//   - Signature: HMAC-SHA256 with the key derived from "AWS4"+secret over
//     date, region, service and "aws4_request", compared in constant time.
//
// # Errors
//
// Every refusal is an *awserr.Error with status 403 and AWS's wording:
// MissingAuthenticationTokenException ("Missing Authentication Token"),
// IncompleteSignatureException (a missing or malformed part),
// InvalidSignatureException (mismatch, "Signature expired: … is now earlier
// than …", scope errors, host not signed) and UnrecognizedClientException
// (unknown access key). Verify's comment lists the order of the checks.
// With Verifier.Explain set, a mismatch also carries the canonical request
// and string to sign the daemon computed, to diff against the client's
// debug log (aws --debug prints botocore's).
//
// Not supported: session tokens (X-Amz-Security-Token is signed like any
// header but not checked against anything), chunked S3-style streaming
// payloads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), SigV4a and SigV2.
package sigv4
