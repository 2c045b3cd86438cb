package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
	"github.com/fleetlab/fleetlab/fleetd/metrics"
)

// TestUnroutedRequestsCounted: requests refused before an operation (no
// signature, an unknown path) show in the metrics.
func TestUnroutedRequestsCounted(t *testing.T) {
	m := metrics.New()
	v := sigv4.NewVerifier([]sigv4.Credentials{{AccessKeyID: testKey, SecretAccessKey: testSecret}}, time.Now)
	srv := httptest.NewServer(New(Options{Verifier: v, Metrics: m}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/things"); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned GET: %v %v", resp, err)
	}
	c := signedClient{t: t, url: srv.URL}
	if status, _, _ := c.do("iot", "GET", "/no-such-path", ""); status != http.StatusNotFound {
		t.Fatalf("unknown path: %d", status)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`fleetd_api_requests_total{code="MissingAuthenticationTokenException",operation="unrouted",plane="none"} 1`,
		`fleetd_api_requests_total{code="UnknownOperationException",operation="unrouted",plane="control"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestBodyErrorsSpeakJSON: a mistyped body is described in JSON's terms.
func TestBodyErrorsSpeakJSON(t *testing.T) {
	srv, _ := startServerIn(t, t.TempDir())
	c := signedClient{t: t, url: srv.URL}
	for body, want := range map[string]string{
		`[1]`:                                   "expected an object, found an array",
		`{"attributePayload":{"attributes":5}}`: "attributePayload.attributes: expected an object, found a number",
		`{"thingTypeName":true}`:                "thingTypeName: expected a string, found a boolean",
	} {
		status, code, out := c.do("iot", "POST", "/things/t1", body)
		if status != 400 || code != "InvalidRequestException" || !strings.Contains(out, want) || strings.Contains(out, "Go value") {
			t.Errorf("%s: %d %s %s; want 400 InvalidRequestException saying %q", body, status, code, out, want)
		}
	}
}
