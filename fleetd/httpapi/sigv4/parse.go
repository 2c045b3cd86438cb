package sigv4

import (
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// authorization is the content of an Authorization header (or of the
// X-Amz-* query parameters of a presigned URL) before it is checked against
// the request.
type authorization struct {
	Algorithm     string
	Credential    string   // AKID/date/region/service/aws4_request
	SignedHeaders []string // as listed, in order
	Signature     string
}

// parseAuthorization parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=…
//
// The algorithm is the text before the first white space; the rest is a
// comma-separated list of key=value pairs, each trimmed (so both ", " and
// "," separate them); a repeated key keeps its last value. Errors are AWS's
// IncompleteSignatureException texts: an unsupported algorithm, a pair
// without '=', and one sentence per missing parameter, followed by
// "Authorization=<algorithm>". The date header is checked by the caller,
// which appends its own sentence (see missingParams).
func parseAuthorization(header string) (authorization, []string, error) {
	h := strings.TrimSpace(header)
	alg, rest := h, ""
	if i := strings.IndexFunc(h, pySpace); i >= 0 {
		alg, rest = h[:i], h[i+1:]
	}
	a := authorization{Algorithm: alg}
	if alg != Algorithm {
		return a, nil, incomplete("Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ", alg)
	}
	var cred, sh, sig string
	var haveCred, haveSH, haveSig bool
	for _, p := range strings.Split(rest, ",") {
		p = strings.TrimFunc(p, pySpace)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return a, nil, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", p, h)
		}
		switch k {
		case "Credential":
			cred, haveCred = v, v != ""
		case "SignedHeaders":
			sh, haveSH = v, v != ""
		case "Signature":
			sig, haveSig = v, v != ""
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSH {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	a.Credential, a.Signature = cred, sig
	if haveSH {
		a.SignedHeaders = strings.Split(sh, ";")
	}
	return a, missing, nil
}

// credentialScope is the Credential= value split into its five parts.
type credentialScope struct {
	AccessKeyID, Date, Region, Service, Terminator string
}

// String is the scope as the string to sign has it (without the key id).
func (c credentialScope) String() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + c.Terminator
}

// parseCredential splits AKID/date/region/service/aws4_request. Anything
// but exactly five slash-separated parts is AWS's
// IncompleteSignatureException.
func parseCredential(s string) (credentialScope, error) {
	p := strings.Split(s, "/")
	if len(p) != 5 {
		return credentialScope{}, incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", s)
	}
	return credentialScope{p[0], p[1], p[2], p[3], p[4]}, nil
}

// checkScope returns AWS's InvalidSignatureException sentences for a scope
// that does not fit the request date (yyyymmdd of X-Amz-Date): the
// terminator must be aws4_request and the date the request's day; region
// and service may be anything non-empty (the daemon serves every region, and
// the router, not the verifier, decides which services it answers).
func checkScope(c credentialScope, amzDate string) *awserr.Error {
	var msg strings.Builder
	if c.Region == "" {
		msg.WriteString("Credential should be scoped to a valid region, not ''. ")
	}
	if c.Service == "" {
		msg.WriteString("Credential should be scoped to correct service: ''. ")
	}
	if c.Terminator != "aws4_request" {
		msg.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + c.Terminator + "'. ")
	}
	if day := amzDate[:8]; c.Date != day {
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			c.Date + "' != '" + day + "', from '" + amzDate + "'.")
	}
	if msg.Len() == 0 {
		return nil
	}
	return invalid("%s", strings.TrimSpace(msg.String()))
}
