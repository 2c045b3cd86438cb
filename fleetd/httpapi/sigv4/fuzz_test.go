package sigv4

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers and query
// strings to the parser and to Verify: neither may panic, and Verify
// refuses with a 403 *awserr.Error or accepts a request whose header parses.
//
//	go test ./fleetd/httpapi/sigv4 -run='^$' -fuzz=FuzzParseAuthorization -fuzztime=60s
func FuzzParseAuthorization(f *testing.F) {
	seeds := [][2]string{
		{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=3bb0df6c76cbd55da96a683679ea99dc8e4c30ab3860b009d2b2261266856639", ""},
		{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/iotdata/aws4_request,SignedHeaders=host,Signature=x", "qos=1"},
		{"AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders", ""},
		{"AWS4-HMAC-SHA256", ""},
		{"AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=, Signature=", "a=%zz&b=+&&c"},
		{"AWS AKID:sig", ""},
		{"", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Fus-east-1%2Fiot%2Faws4_request&X-Amz-Date=20261126T123456Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=00"},
		{"", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1&X-Amz-Date=99999999T999999Z"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	v := NewVerifier(testKeys, clockAt(signedAt))
	f.Fuzz(func(t *testing.T, header, query string) {
		a, missing, err := parseAuthorization(header)
		if err == nil && a.Algorithm != Algorithm {
			t.Fatalf("parseAuthorization(%q) accepted algorithm %q", header, a.Algorithm)
		}
		if err == nil && len(missing) == 0 && (a.Credential == "" || a.Signature == "" || len(a.SignedHeaders) == 0) {
			t.Fatalf("parseAuthorization(%q) = %+v with nothing missing", header, a)
		}
		if _, err := parseCredential(a.Credential); err == nil && strings.Count(a.Credential, "/") != 4 {
			t.Fatalf("parseCredential(%q) accepted", a.Credential)
		}
		_ = canonicalQuery(parseQuery(query), true)

		r := httptest.NewRequest("POST", "/things/foo", strings.NewReader("{}"))
		r.URL.RawQuery = query
		r.Header.Set("X-Amz-Date", "20261126T123456Z")
		if strings.ContainsAny(header, "\r\n") {
			header = strings.NewReplacer("\r", " ", "\n", " ").Replace(header)
		}
		r.Header.Set("Authorization", header)
		if _, err := v.Verify(r, []byte("{}")); err != nil {
			if e, ok := awserr.As(err); !ok || e.Status != 403 {
				t.Fatalf("Verify error %v is not a 403 *awserr.Error", err)
			}
		}
	})
}
