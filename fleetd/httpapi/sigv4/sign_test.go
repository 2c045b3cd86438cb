package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignVerifies: what Sign produces, Verify accepts, and a changed body
// or secret it refuses.
func TestSignVerifies(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	creds := Credentials{AccessKeyID: "AKIDSIGN", SecretAccessKey: "secret"}
	v := NewVerifier([]Credentials{creds}, func() time.Time { return at })
	for _, tc := range []struct {
		method, url, body, service string
	}{
		{"GET", "http://127.0.0.1:8080/things/sensor-1", "", "iot"},
		{"POST", "http://127.0.0.1:8080/indices/search", `{"queryString":"*"}`, "execute-api"},
		{"PUT", "http://127.0.0.1:8080/things/lamp/jobs/%24next?x=1&a=b", "{}", "iot-jobs-data"},
	} {
		r, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		Sign(r, []byte(tc.body), creds, "us-east-1", tc.service, at)
		if scope, err := v.Verify(r, []byte(tc.body)); err != nil || scope.Service != tc.service {
			t.Errorf("%s %s: Verify = %+v, %v", tc.method, tc.url, scope, err)
		}
		if _, err := v.Verify(r, []byte(tc.body+" ")); err == nil {
			t.Errorf("%s %s: a changed body verified", tc.method, tc.url)
		}
	}
}
