package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// testRequest is a request as a client puts it on the wire.
type testRequest struct {
	method  string
	path    string // escaped, as sent
	query   string // raw, as sent
	host    string
	headers [][2]string // in order; repeated names allowed
	body    string
}

// signer is a minimal SigV4 signer written from botocore's SigV4Auth
// (auth.py) step by step, independently of the package's code: it is the
// oracle the table tests check Verify against.
type signer struct {
	akid, secret, region, service string
	at                            time.Time
	// singleEncode signs the path as sent, without botocore's second
	// encoding (what S3 signers do): Verify must refuse it.
	singleEncode bool
}

// botocore's SIGNED_HEADERS_BLACKLIST.
var blacklist = map[string]bool{
	"connection": true, "expect": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "transfer-encoding": true,
	"upgrade": true, "user-agent": true, "x-amzn-trace-id": true,
}

// sign adds X-Amz-Date and Authorization to req, as SigV4Auth.add_auth.
func (s signer) sign(req *testRequest) (canonical string) {
	stamp := s.at.UTC().Format("20060102T150405Z")
	req.headers = append(req.headers, [2]string{"X-Amz-Date", stamp})

	// headers_to_sign: lower-cased names, blacklist dropped, host added.
	values := map[string][]string{}
	for _, h := range req.headers {
		n := strings.ToLower(h[0])
		if !blacklist[n] {
			values[n] = append(values[n], h[1])
		}
	}
	if _, ok := values["host"]; !ok {
		values["host"] = []string{req.host}
	}
	var names []string
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)

	// canonical_request.
	var cr strings.Builder
	cr.WriteString(strings.ToUpper(req.method) + "\n")
	if s.singleEncode {
		cr.WriteString(req.path + "\n")
	} else {
		cr.WriteString(pyQuote(normalizePath(req.path)) + "\n")
	}
	cr.WriteString(queryFromURL(req.query) + "\n")
	for _, n := range names {
		var vs []string
		for _, v := range values[n] {
			vs = append(vs, strings.Join(strings.Fields(v), " "))
		}
		cr.WriteString(n + ":" + strings.Join(vs, ",") + "\n")
	}
	cr.WriteString("\n")
	cr.WriteString(strings.Join(names, ";") + "\n")
	payload := ""
	for _, h := range req.headers {
		if h[0] == "X-Amz-Content-SHA256" {
			payload = h[1]
		}
	}
	if payload == "" {
		sum := sha256.Sum256([]byte(req.body))
		payload = hex.EncodeToString(sum[:])
	}
	cr.WriteString(payload)

	// string_to_sign and signature.
	scope := stamp[:8] + "/" + s.region + "/" + s.service + "/aws4_request"
	crHash := sha256.Sum256([]byte(cr.String()))
	sts := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])
	mac := func(k []byte, m string) []byte {
		h := hmac.New(sha256.New, k)
		h.Write([]byte(m))
		return h.Sum(nil)
	}
	k := mac([]byte("AWS4"+s.secret), stamp[:8])
	k = mac(k, s.region)
	k = mac(k, s.service)
	k = mac(k, "aws4_request")
	sig := hex.EncodeToString(mac(k, sts))
	req.headers = append(req.headers, [2]string{"Authorization", fmt.Sprintf(
		"AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		s.akid, scope, strings.Join(names, ";"), sig)})
	return cr.String()
}

// normalizePath is botocore.utils.remove_dot_segments.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for _, x := range strings.Split(p, "/") {
		if x == "" || x == "." {
			continue
		}
		if x == ".." {
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			continue
		}
		out = append(out, x)
	}
	first, last := "", ""
	if p[0] == '/' {
		first = "/"
	}
	if p[len(p)-1] == '/' && len(out) > 0 {
		last = "/"
	}
	return first + strings.Join(out, "/") + last
}

// pyQuote is urllib.parse.quote(s, safe='/~').
func pyQuote(s string) string {
	const safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/"
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// queryFromURL is SigV4Auth._canonical_query_string_url: the raw pairs,
// sorted.
func queryFromURL(q string) string {
	if q == "" {
		return ""
	}
	var pairs [][2]string
	for _, p := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(p, "=")
		pairs = append(pairs, [2]string{k, v})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	var out []string
	for _, p := range pairs {
		out = append(out, p[0]+"="+p[1])
	}
	return strings.Join(out, "&")
}

// httpRequest is req as a Go server hands it to a handler.
func (req testRequest) httpRequest() *http.Request {
	target := req.path
	if req.query != "" {
		target += "?" + req.query
	}
	r := httptest.NewRequest(req.method, target, strings.NewReader(req.body))
	r.Host = req.host
	for _, h := range req.headers {
		r.Header.Add(h[0], h[1])
	}
	return r
}

var (
	signedAt = time.Date(2026, 11, 26, 12, 34, 56, 0, time.UTC)
	testKeys = []Credentials{
		{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		{AccessKeyID: "AKIDSECOND", SecretAccessKey: "second-secret"},
	}
	iotSigner = signer{akid: "AKIDEXAMPLE", secret: testKeys[0].SecretAccessKey, region: "us-east-1", service: "iot", at: signedAt}
)

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

func get(path string) testRequest {
	return testRequest{method: "GET", path: path, host: "127.0.0.1:8443"}
}

func TestVerify(t *testing.T) {
	with := func(f func(*signer)) signer {
		s := iotSigner
		f(&s)
		return s
	}
	tests := []struct {
		name    string
		req     testRequest
		signer  signer
		tamper  func(r *http.Request) // after signing
		now     time.Time             // zero: signedAt
		want    Scope
		wantErr *awserr.Error // Code and Message compared
	}{
		{
			name: "describe-thing",
			req:  get("/things/foo"),
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name:   "publish to a reserved topic: path escapes encoded twice",
			req:    testRequest{method: "POST", path: "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate", query: "qos=1", host: "127.0.0.1:8443", body: "{}"},
			signer: with(func(s *signer) { s.service = "iotdata" }),
			want:   Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iotdata"},
		},
		{
			name:   "literal $next in the path",
			req:    testRequest{method: "PUT", path: "/things/foo/jobs/$next", host: "127.0.0.1:8443", body: `{"stepTimeoutInMinutes":5}`, headers: [][2]string{{"Content-Type", "application/json"}}},
			signer: with(func(s *signer) { s.service = "iot-jobs-data" }),
			want:   Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot-jobs-data"},
		},
		{
			name: "query: encoded values, repeated keys, empty value",
			req:  testRequest{method: "GET", path: "/things", query: "maxResults=5&attributeValue=x%20y%2Bz%2F~%24&a=2&a=10&nextToken=", host: "127.0.0.1:8443"},
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name: "header values trimmed and collapsed, repeated headers joined",
			req: testRequest{method: "GET", path: "/things/foo", host: "127.0.0.1:8443", headers: [][2]string{
				{"X-Amz-Meta-Note", "a   b \t c"}, {"X-Multi", "one"}, {"X-Multi", "two  three"}, {"User-Agent", "not signed"}}},
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name: "dot and empty segments normalised away",
			req:  get("/a/./b/../c//d/"),
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name: "non-ASCII thing name",
			req:  get("/things/%C3%A9t%C3%A9"),
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name:   "UNSIGNED-PAYLOAD: body not covered",
			req:    testRequest{method: "POST", path: "/things/foo/shadow", host: "127.0.0.1:8443", body: `{"state":{}}`, headers: [][2]string{{"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"}}},
			signer: with(func(s *signer) { s.service = "iotdata" }),
			tamper: func(r *http.Request) {}, // the body passed to Verify differs below
			want:   Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iotdata"},
		},
		{
			name:   "second credential pair, other region",
			req:    get("/things/foo"),
			signer: with(func(s *signer) { s.akid, s.secret, s.region = "AKIDSECOND", "second-secret", "eu-west-1" }),
			want:   Scope{"AKIDSECOND", "20261126", "eu-west-1", "iot"},
		},
		{
			name:   "execute-api signing name",
			req:    get("/things/foo"),
			signer: with(func(s *signer) { s.service = "execute-api" }),
			want:   Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "execute-api"},
		},
		{
			name: "host sent in upper case, signed in lower case as botocore does",
			req:  testRequest{method: "GET", path: "/things/foo", host: "localhost:8443"},
			tamper: func(r *http.Request) {
				r.Host = "LOCALHOST:8443"
			},
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},
		{
			name: "14 minutes of skew is fine",
			req:  get("/things/foo"),
			now:  signedAt.Add(14 * time.Minute),
			want: Scope{"AKIDEXAMPLE", "20261126", "us-east-1", "iot"},
		},

		// Refusals.
		{
			name:    "no Authorization",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.Header.Del("Authorization") },
			wantErr: &awserr.Error{Code: MissingAuthenticationToken, Message: "Missing Authentication Token"},
		},
		{
			name:    "wrong secret",
			req:     get("/things/foo"),
			signer:  with(func(s *signer) { s.secret = "wrong" }),
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "unknown access key",
			req:     get("/things/foo"),
			signer:  with(func(s *signer) { s.akid = "AKIDUNKNOWN" }),
			wantErr: &awserr.Error{Code: UnrecognizedClient, Message: "The security token included in the request is invalid."},
		},
		{
			name:    "path signed with a single encoding",
			req:     testRequest{method: "POST", path: "/topics/%24aws%2Fthings%2Fx", host: "127.0.0.1:8443"},
			signer:  with(func(s *signer) { s.singleEncode = true }),
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "path changed",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.RequestURI = "/things/bar" },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "%2F decoded to / by a proxy",
			req:     get("/topics/a%2Fb"),
			tamper:  func(r *http.Request) { r.RequestURI = "/topics/a/b" },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "query changed",
			req:     testRequest{method: "GET", path: "/things", query: "maxResults=5", host: "127.0.0.1:8443"},
			tamper:  func(r *http.Request) { r.URL.RawQuery = "maxResults=6" },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "signed header changed",
			req:     testRequest{method: "POST", path: "/things/foo", host: "127.0.0.1:8443", headers: [][2]string{{"Content-Type", "application/json"}}},
			tamper:  func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "method changed",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.Method = "DELETE" },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: msgSignatureMismatch},
		},
		{
			name:    "16 minutes late",
			req:     get("/things/foo"),
			now:     signedAt.Add(16 * time.Minute),
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "Signature expired: 20261126T123456Z is now earlier than 20261126T123556Z (20261126T125056Z - 15 min.)"},
		},
		{
			name:    "16 minutes early",
			req:     get("/things/foo"),
			now:     signedAt.Add(-16 * time.Minute),
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "Signature not yet current: 20261126T123456Z is still later than 20261126T123356Z (20261126T121856Z + 15 min.)"},
		},
		{
			name: "host not signed",
			req:  get("/things/foo"),
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
			},
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		},
		{
			name: "no date",
			req:  get("/things/foo"),
			tamper: func(r *http.Request) {
				r.Header.Del("X-Amz-Date")
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/iot/aws4_request, SignedHeaders=host")
			},
			wantErr: &awserr.Error{Code: IncompleteSignature, Message: "Authorization header requires 'Signature' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/iot/aws4_request, SignedHeaders=host"},
		},
		{
			name:    "malformed date",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-26T12:34:56Z") },
			wantErr: &awserr.Error{Code: IncompleteSignature, Message: "Date must be in ISO-8601 'basic format'. Got '2026-11-26T12:34:56Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		},
		{
			name: "scope date is not the request's day",
			req:  get("/things/foo"),
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261126/", "/20261125/", 1))
			},
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261125' != '20261126', from '20261126T123456Z'."},
		},
		{
			name: "wrong terminator",
			req:  get("/things/foo"),
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws4", 1))
			},
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'."},
		},
		{
			name: "credential with four parts",
			req:  get("/things/foo"),
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/", 1))
			},
			wantErr: &awserr.Error{Code: IncompleteSignature, Message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20261126/iot/aws4_request'"},
		},
		{
			name:    "other algorithm",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA512 Credential=x") },
			wantErr: &awserr.Error{Code: IncompleteSignature, Message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		},
		{
			name:    "header and query signature both",
			req:     get("/things/foo"),
			tamper:  func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" },
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		},
		{
			name:    "x-amz-content-sha256 not the body's",
			req:     testRequest{method: "POST", path: "/things/foo/shadow", host: "127.0.0.1:8443", body: "{}", headers: [][2]string{{"X-Amz-Content-SHA256", strings.Repeat("ab", 32)}}},
			wantErr: &awserr.Error{Code: InvalidSignature, Message: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.signer
			if s.akid == "" {
				s = iotSigner
			}
			req := tt.req
			s.sign(&req)
			r := req.httpRequest()
			body := []byte(req.body)
			if tt.tamper != nil {
				tt.tamper(r)
			}
			if strings.Contains(tt.name, "UNSIGNED-PAYLOAD") {
				body = []byte("not what was sent")
			}
			now := tt.now
			if now.IsZero() {
				now = signedAt
			}
			got, err := NewVerifier(testKeys, clockAt(now)).Verify(r, body)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("Verify = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			e, ok := awserr.As(err)
			if !ok || e.Code != tt.wantErr.Code || e.Message != tt.wantErr.Message || e.Status != 403 {
				t.Errorf("Verify error = %#v\nwant code %s, status 403, message\n%q", err, tt.wantErr.Code, tt.wantErr.Message)
			}
		})
	}
}

// TestVerifyCanonicalMatchesSigner checks the canonical request itself, not
// only the verdict, against the oracle for the trickier requests.
func TestVerifyCanonicalMatchesSigner(t *testing.T) {
	reqs := []testRequest{
		{method: "POST", path: "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate", query: "qos=1&retain=false", host: "127.0.0.1:1", body: "{}"},
		{method: "GET", path: "/things/foo/jobs/%24next", query: "includeJobDocument=true", host: "127.0.0.1:1"},
		{method: "GET", path: "/things", query: "attributeValue=%E2%9C%93%20%21%2A%27%28%29", host: "h"},
		{method: "GET", path: "/../a/%2E%2E/b", host: "h"},
		{method: "GET", path: "/", host: "h"},
	}
	for _, req := range reqs {
		want := iotSigner.sign(&req)
		_, got, err := NewVerifier(testKeys, clockAt(signedAt)).verify(req.httpRequest(), []byte(req.body))
		if err != nil || got != want {
			t.Errorf("%s %s?%s: canonical request\n%s\nwant\n%s\n(err %v)", req.method, req.path, req.query, got, want, err)
		}
	}
}

func TestExplain(t *testing.T) {
	req := get("/things/foo")
	s := iotSigner
	s.secret = "wrong"
	cr := s.sign(&req)
	v := NewVerifier(testKeys, clockAt(signedAt))
	v.Explain = true
	_, err := v.Verify(req.httpRequest(), nil)
	e, ok := awserr.As(err)
	if !ok || !strings.HasPrefix(e.Message, msgSignatureMismatch+"\n\nThe Canonical String for this request should have been\n'"+cr+"'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261126T123456Z\n20261126/us-east-1/iot/aws4_request\n") {
		t.Errorf("Verify with Explain = %v", err)
	}
}

func TestPresigned(t *testing.T) {
	// A presigned GET /mqtt as the IoT device SDKs build it for MQTT over
	// WebSocket, signed here by hand: the X-Amz-* parameters are part of
	// the canonical query, X-Amz-Signature is not; the payload is the
	// empty body's hash, or UNSIGNED-PAYLOAD.
	presign := func(payload string, expires int) string {
		q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fiotdevicegateway%2Faws4_request" +
			"&X-Amz-Date=20261126T123456Z" + fmt.Sprintf("&X-Amz-Expires=%d", expires) + "&X-Amz-SignedHeaders=host"
		cr := "GET\n/mqtt\n" + q + "\nhost:example.com\n\nhost\n" + payload
		key := signingKey(testKeys[0].SecretAccessKey, "20261126", "us-east-1", "iotdevicegateway")
		return "/mqtt?" + q + "&X-Amz-Signature=" + signature(key, stringToSign("20261126T123456Z", "20261126/us-east-1/iotdevicegateway/aws4_request", cr))
	}
	tests := []struct {
		target string
		now    time.Time
		want   string // error message; "" for success
	}{
		{presign(emptySHA256, 300), signedAt.Add(299 * time.Second), ""},
		{presign(UnsignedPayload, 300), signedAt.Add(time.Minute), ""},
		{presign(emptySHA256, 300), signedAt.Add(301 * time.Second), "Signature expired: 20261126T123456Z is now earlier than 20261126T123457Z (20261126T123957Z - 5 min.)"},
		{presign(emptySHA256, 300), signedAt.Add(-16 * time.Minute), "Signature not yet current: 20261126T123456Z is still later than 20261126T123356Z (20261126T121856Z + 15 min.)"},
		{presign(emptySHA256, 300) + "&extra=1", signedAt, msgSignatureMismatch},
		{presign(emptySHA256, 604801), signedAt, "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261126T123456Z", signedAt, "AWS query-string parameters must include 'X-Amz-Credential'. " +
			"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
			"Re-examine the query-string parameters."},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.target, nil)
		_, err := NewVerifier(testKeys, clockAt(tt.now)).Verify(r, nil)
		msg := ""
		if e, ok := awserr.As(err); ok {
			msg = e.Message
		} else if err != nil {
			msg = err.Error()
		}
		if msg != tt.want {
			t.Errorf("Verify(%s) at %s = %q; want %q", tt.target, tt.now.Format(amzDateFormat), msg, tt.want)
		}
	}
}

func TestPlane(t *testing.T) {
	tests := []struct {
		service string
		want    string
		ok      bool
	}{
		{"iot", PlaneControl, true}, {"execute-api", PlaneControl, true},
		{"iotdata", PlaneData, true}, {"iotdevicegateway", PlaneData, true},
		{"iot-jobs-data", PlaneJobs, true}, {"s3", "", false}, {"IOT", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		if got, ok := Plane(tt.service); got != tt.want || ok != tt.ok {
			t.Errorf("Plane(%q) = %q, %v; want %q, %v", tt.service, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	req := testRequest{method: "POST", path: "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate", query: "qos=1", host: "127.0.0.1:8443",
		body: `{"state":{"reported":{"temperature":21.5}}}`, headers: [][2]string{{"Content-Type", "application/json"}}}
	s := iotSigner
	s.service = "iotdata"
	s.sign(&req)
	r, body := req.httpRequest(), []byte(req.body)
	v := NewVerifier(testKeys, clockAt(signedAt))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
