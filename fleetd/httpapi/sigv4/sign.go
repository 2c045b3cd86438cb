package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// Sign signs r the way botocore does, with the host, x-amz-date and
// x-amz-content-sha256 headers: for load generators and benchmarks that
// talk to fleetd without the aws CLI. body must be the request's body.
func Sign(r *http.Request, body []byte, c Credentials, region, service string, at time.Time) {
	amzDate := at.UTC().Format("20060102T150405Z")
	date := amzDate[:8]
	payload := sha256Hex(body)
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("X-Amz-Content-Sha256", payload)
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	names := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	values := []string{strings.ToLower(host), payload, amzDate}
	scope := date + "/" + region + "/" + service + "/aws4_request"
	cr := canonicalRequestFrom(r.Method, canonicalURI(requestPath(r)), canonicalQuery(parseQuery(r.URL.RawQuery), false), names, values, payload)
	sig := signature(signingKey(c.SecretAccessKey, date, region, service), stringToSign(amzDate, scope, cr))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/"+scope+
		", SignedHeaders="+strings.Join(names, ";")+", Signature="+sig)
}
