package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/provision"
)

// objectsPrefix is the path of the objects fleetd hands out as pre-signed
// links (the bulk registration reports AWS gives as pre-signed S3 GET
// URLs). Those links carry their own signature, so a plain HTTP GET
// (curl, a browser) fetches them without SigV4 credentials.
const objectsPrefix = "/fleetlab-objects/"

// linkExpiry is how long a pre-signed link is valid: AWS's default.
const linkExpiry = time.Hour

// linkSigner signs and checks the object links of one server.
type linkSigner struct{ key []byte }

func newLinkSigner() linkSigner {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return linkSigner{key: key}
}

func (l linkSigner) mac(path, date, expires string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(path + "\n" + date + "\n" + expires))
	return hex.EncodeToString(m.Sum(nil))
}

// presign turns s3://bucket/key into a link to this server, valid for
// linkExpiry from now; anything else is returned as it is.
func (l linkSigner) presign(r *http.Request, uri string, now time.Time) string {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return uri
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := objectsPrefix + rest
	date := now.UTC().Format("20060102T150405Z")
	expires := strconv.Itoa(int(linkExpiry / time.Second))
	q := url.Values{"X-Amz-Date": {date}, "X-Amz-Expires": {expires}, "X-Amz-Signature": {l.mac(path, date, expires)}}
	return scheme + "://" + r.Host + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// serve answers a GET of a pre-signed object link: the object, or 403
// when the signature is wrong or expired.
func (l linkSigner) serve(s *Server, w http.ResponseWriter, r *http.Request, now time.Time) {
	if r.Method != http.MethodGet {
		s.fail(w, r, awserr.New(awserr.MethodNotAllowed, "Objects are fetched with GET"))
		return
	}
	q := r.URL.Query()
	date, expires, sig := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"), q.Get("X-Amz-Signature")
	signed, err := time.Parse("20060102T150405Z", date)
	secs, serr := strconv.Atoi(expires)
	switch {
	case err != nil || serr != nil || !hmac.Equal([]byte(sig), []byte(l.mac(r.URL.Path, date, expires))):
		s.fail(w, r, awserr.WithStatus("AccessDenied", http.StatusForbidden, "The link's signature does not match"))
		return
	case now.After(signed.Add(time.Duration(secs) * time.Second)):
		s.fail(w, r, awserr.WithStatus("AccessDenied", http.StatusForbidden, "The link expired at %s", signed.Add(time.Duration(secs)*time.Second).Format(time.RFC3339)))
		return
	}
	b, err := s.o.Objects.Read("s3://" + strings.TrimPrefix(r.URL.Path, objectsPrefix))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b)
}

// listReports is ListThingRegistrationTaskReports with its s3:// links
// turned into links to this server, as AWS gives pre-signed S3 URLs.
func listReports(read handler, links linkSigner) handler {
	return func(c *call) (any, error) {
		resp, err := read(c)
		if err != nil {
			return resp, err
		}
		out := resp.(provision.ListThingRegistrationTaskReportsResponse)
		now := time.Now()
		for i, l := range out.ResourceLinks {
			out.ResourceLinks[i] = links.presign(c.r, l, now)
		}
		return out, nil
	}
}
