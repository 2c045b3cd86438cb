package sigv4

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Credentials is one access key pair the daemon accepts.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Scope is the credential scope of a verified request: the Credential=
// (or X-Amz-Credential) value AKID/Date/Region/Service/aws4_request.
type Scope struct {
	AccessKeyID string
	Date        string // yyyymmdd, the day of X-Amz-Date
	Region      string
	Service     string // the signing name: what Plane routes on
}

// DefaultMaxSkew is AWS's allowed difference between the request time and
// the server's clock.
const DefaultMaxSkew = 15 * time.Minute

// MaxExpires is the largest X-Amz-Expires of a presigned URL, a week.
const MaxExpires = 7 * 24 * 60 * 60

// Verifier checks AWS Signature Version 4 on incoming requests against a
// fixed set of credentials. Configure it before its first use; Verify is
// then safe for concurrent use.
type Verifier struct {
	// MaxSkew is how far the request time (X-Amz-Date or Date) may be from
	// the clock, either way; DefaultMaxSkew unless changed.
	MaxSkew time.Duration
	// Explain appends to a signature mismatch, as some AWS front ends do,
	// the canonical request and string to sign the verifier computed, so
	// that a client author can diff them against the SDK's debug log.
	Explain bool

	now     func() time.Time
	secrets map[string]string // access key id → secret
}

// NewVerifier returns a Verifier accepting creds (a later pair with the same
// access key id replaces an earlier one; an empty id is ignored). now is the
// clock the request time is checked against; nil means time.Now.
func NewVerifier(creds []Credentials, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{MaxSkew: DefaultMaxSkew, now: now, secrets: make(map[string]string, len(creds))}
	for _, c := range creds {
		if c.AccessKeyID != "" {
			v.secrets[c.AccessKeyID] = c.SecretAccessKey
		}
	}
	return v
}

// Verify checks the signature of r, whose complete body is body (nil for
// none; the caller reads it, and restores r.Body if a handler needs it), and
// returns the credential scope. Errors are *awserr.Error with status 403 and
// AWS's code and message, in AWS's order of checks:
//
//	MissingAuthenticationTokenException  no Authorization header, no X-Amz-Algorithm
//	InvalidSignatureException            both of them
//	IncompleteSignatureException         algorithm, missing parameter or date, malformed date, X-Amz-Expires
//	InvalidSignatureException            request time out of MaxSkew, presigned URL expired
//	InvalidSignatureException            host not among the signed headers
//	IncompleteSignatureException         Credential not five slash-separated parts
//	InvalidSignatureException            scope terminator not aws4_request, scope date not the request's day
//	UnrecognizedClientException          unknown access key id
//	InvalidSignatureException            signature mismatch; x-amz-content-sha256 not the body's hash
func (v *Verifier) Verify(r *http.Request, body []byte) (Scope, error) {
	s, _, err := v.verify(r, body)
	return s, err
}

// signed is what a request claims about its own signature.
type signed struct {
	authorization
	amzDate   string // ISO 8601 basic, as in the string to sign
	time      time.Time
	presigned bool
	expires   int64 // X-Amz-Expires in seconds; -1 when absent
}

// verify is Verify, also returning the canonical request that matched (for
// tests comparing it with the client's).
func (v *Verifier) verify(r *http.Request, body []byte) (Scope, string, error) {
	query := parseQuery(r.URL.RawQuery)
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	alg, hasAlg := first(query, "X-Amz-Algorithm")
	switch {
	case authz != "" && hasAlg:
		return Scope{}, "", invalid("%s", msgBoth)
	case authz == "" && !hasAlg:
		return Scope{}, "", missingToken()
	}
	var req signed
	var err error
	if authz != "" {
		req, err = fromHeader(r, authz)
	} else {
		req, err = fromQuery(query, alg)
	}
	if err != nil {
		return Scope{}, "", err
	}
	if err := v.checkTime(req); err != nil {
		return Scope{}, "", err
	}
	hostSigned := false
	for _, h := range req.SignedHeaders {
		hostSigned = hostSigned || strings.EqualFold(h, "host") || h == ":authority"
	}
	if !hostSigned {
		return Scope{}, "", invalid("%s", msgHostNotSigned)
	}
	cs, err := parseCredential(req.Credential)
	if err != nil {
		return Scope{}, "", err
	}
	if err := checkScope(cs, req.amzDate); err != nil {
		return Scope{}, "", err
	}
	secret, ok := v.secrets[cs.AccessKeyID]
	if !ok {
		return Scope{}, "", unrecognized()
	}

	// The request as the client canonicalised it. Where the wire form
	// admits more than one reading, each candidate is tried; every one is
	// a request the signer could have meant, so none weakens the check.
	uri := canonicalURI(requestPath(r))
	qs := canonicalQuery(query, req.presigned)
	vals := make([]string, len(req.SignedHeaders))
	hostAt := -1
	for i, h := range req.SignedHeaders {
		h = strings.ToLower(h)
		vals[i] = headerValue(r, h)
		if h == "host" || h == ":authority" {
			hostAt = i
		}
	}
	hostVariants := [][]string{vals}
	if hostAt >= 0 && strings.ToLower(vals[hostAt]) != vals[hostAt] {
		// botocore signs the host from the URL, lower-cased; an HTTP
		// client may still send it as the user typed it.
		lower := append([]string(nil), vals...)
		lower[hostAt] = strings.ToLower(lower[hostAt])
		hostVariants = append(hostVariants, lower)
	}
	contentHash, hasContentHash := r.Header.Get("X-Amz-Content-Sha256"), len(r.Header.Values("X-Amz-Content-Sha256")) > 0
	var payloads []string
	switch {
	case hasContentHash:
		payloads = []string{contentHash}
	case req.presigned:
		// SDKs presign with the body's hash (botocore) or with
		// UNSIGNED-PAYLOAD (S3-style presigners).
		payloads = []string{sha256Hex(body), UnsignedPayload}
	default:
		payloads = []string{sha256Hex(body)}
	}

	key := signingKey(secret, cs.Date, cs.Region, cs.Service)
	scope := cs.String()
	var firstCR, firstSTS string
	for _, hv := range hostVariants {
		for _, ph := range payloads {
			cr := canonicalRequestFrom(r.Method, uri, qs, req.SignedHeaders, hv, ph)
			sts := stringToSign(req.amzDate, scope, cr)
			if firstCR == "" {
				firstCR, firstSTS = cr, sts
			}
			if subtle.ConstantTimeCompare([]byte(signature(key, sts)), []byte(req.Signature)) != 1 {
				continue
			}
			if hasContentHash && isSHA256Hex(contentHash) && !strings.EqualFold(contentHash, sha256Hex(body)) {
				return Scope{}, "", invalid("%s", msgContentSHA256)
			}
			return Scope{AccessKeyID: cs.AccessKeyID, Date: cs.Date, Region: cs.Region, Service: cs.Service}, cr, nil
		}
	}
	if v.Explain {
		return Scope{}, "", invalid("%s\n\nThe Canonical String for this request should have been\n'%s'\n\n"+
			"The String-to-Sign should have been\n'%s'\n", msgSignatureMismatch, firstCR, firstSTS)
	}
	return Scope{}, "", invalid("%s", msgSignatureMismatch)
}

// fromHeader reads the Authorization header and the request date (X-Amz-Date,
// else Date).
func fromHeader(r *http.Request, authz string) (signed, error) {
	a, missing, err := parseAuthorization(authz)
	if err != nil {
		return signed{}, err
	}
	amz, date := r.Header.Get("X-Amz-Date"), r.Header.Get("Date")
	if amz == "" && date == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return signed{}, incomplete("%s Authorization=%s", strings.Join(missing, " "), authz)
	}
	req := signed{authorization: a, expires: -1}
	if amz != "" {
		req.time, err = parseAmzDate(amz)
	} else {
		req.time, err = parseHTTPDate(date)
	}
	if err != nil {
		return signed{}, err
	}
	req.time = req.time.UTC()
	req.amzDate = req.time.Format(amzDateFormat)
	return req, nil
}

// fromQuery reads the X-Amz-* parameters of a presigned URL.
func fromQuery(query []queryParam, alg string) (signed, error) {
	if alg != Algorithm {
		return signed{}, incomplete("Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ", alg)
	}
	var missing []string
	get := func(name string) string {
		v, ok := first(query, name)
		if !ok || v == "" {
			missing = append(missing, "AWS query-string parameters must include '"+name+"'.")
		}
		return v
	}
	cred, sig, sh, date := get("X-Amz-Credential"), get("X-Amz-Signature"), get("X-Amz-SignedHeaders"), get("X-Amz-Date")
	if len(missing) > 0 {
		return signed{}, incomplete("%s Re-examine the query-string parameters.", strings.Join(missing, " "))
	}
	req := signed{
		authorization: authorization{Algorithm: alg, Credential: cred, SignedHeaders: strings.Split(sh, ";"), Signature: sig},
		presigned:     true,
		expires:       -1,
	}
	var err error
	if req.time, err = parseAmzDate(date); err != nil {
		return signed{}, err
	}
	req.amzDate = date
	if e, ok := first(query, "X-Amz-Expires"); ok {
		n, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil:
			return signed{}, incomplete("X-Amz-Expires should be a number")
		case n < 0:
			return signed{}, incomplete("X-Amz-Expires must be non-negative")
		case n > MaxExpires:
			return signed{}, incomplete("X-Amz-Expires must be less than a week (in seconds) that is %d", MaxExpires)
		}
		req.expires = n
	}
	return req, nil
}

// checkTime applies the clock: the request time may be MaxSkew away from
// now either way; a presigned URL with X-Amz-Expires is valid from its
// X-Amz-Date (less MaxSkew) until X-Amz-Date + X-Amz-Expires.
func (v *Verifier) checkTime(req signed) error {
	now := v.now().UTC()
	skew := v.MaxSkew
	if later := now.Add(skew); req.time.After(later) {
		return invalid("Signature not yet current: %s is still later than %s (%s + %s)",
			req.amzDate, later.Format(amzDateFormat), now.Format(amzDateFormat), window(skew))
	}
	if req.presigned && req.expires >= 0 {
		skew = time.Duration(req.expires) * time.Second
	}
	if earliest := now.Add(-skew); req.time.Before(earliest) {
		return invalid("Signature expired: %s is now earlier than %s (%s - %s)",
			req.amzDate, earliest.Format(amzDateFormat), now.Format(amzDateFormat), window(skew))
	}
	return nil
}

// window prints a duration as AWS does in its skew messages: "15 min.".
func window(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}

// parseAmzDate parses yyyymmddThhmmssZ strictly.
func parseAmzDate(s string) (time.Time, error) {
	ok := len(s) == len(amzDateFormat) && s[8] == 'T' && s[15] == 'Z'
	for i := 0; ok && i < 15; i++ {
		ok = i == 8 || '0' <= s[i] && s[i] <= '9'
	}
	if !ok {
		return time.Time{}, badDate(s)
	}
	t, err := time.Parse(amzDateFormat, s)
	if err != nil {
		return time.Time{}, badDate(s)
	}
	return t, nil
}

// parseHTTPDate parses a Date header: the forms net/http accepts, plus
// RFC 1123 with a numeric zone, which is what botocore writes
// (email.utils.formatdate: "Thu, 26 Nov 2026 12:34:56 -0000").
func parseHTTPDate(s string) (time.Time, error) {
	if t, err := http.ParseTime(s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t, nil
	}
	return time.Time{}, badDate(s)
}

func badDate(s string) error {
	return incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", s)
}

// first returns the decoded value of the first query parameter named key.
func first(ps []queryParam, key string) (string, bool) {
	for _, p := range ps {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
