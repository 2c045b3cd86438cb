package jobs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// presignPrefix opens a job document placeholder that AWS replaces with a
// pre-signed S3 URL when a device fetches the document (spec §2.1).
const presignPrefix = "${aws:iot:s3-presigned-url:"

// defaultPresignExpiry is presignedUrlConfig.expiresInSec's default.
const defaultPresignExpiry = 3600

// deviceDocument is the job document as a device receives it at now: with
// presignedUrlConfig, every ${aws:iot:s3-presigned-url:URL} placeholder
// becomes URL with SigV4 query parameters (X-Amz-Date now, X-Amz-Expires
// from the configuration). The signature is an HMAC of the URL, time and
// role, stable for the same inputs; it cannot be checked by S3, which
// devices under FleetLab do not reach, but it has the shape firmware
// downloaders parse. Without presignedUrlConfig the placeholder stays, as
// it would in a document AWS could not sign.
func (e *Engine) deviceDocument(now time.Time, j *job) string {
	cfg := j.spec.PresignedURLConfig
	if cfg == nil || !strings.Contains(j.document, presignPrefix) {
		return j.document
	}
	expires := int64(defaultPresignExpiry)
	if cfg.ExpiresInSec != nil {
		expires = *cfg.ExpiresInSec
	}
	doc := j.document
	var b strings.Builder
	for {
		i := strings.Index(doc, presignPrefix)
		if i < 0 {
			break
		}
		end := strings.IndexByte(doc[i:], '}')
		if end < 0 {
			break
		}
		b.WriteString(doc[:i])
		b.WriteString(e.presign(doc[i+len(presignPrefix):i+end], now, expires, cfg.RoleArn))
		doc = doc[i+end+1:]
	}
	b.WriteString(doc)
	return b.String()
}

// presign returns raw with the query of an S3 SigV4 pre-signed GET.
func (e *Engine) presign(raw string, now time.Time, expires int64, role string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw // not a URL: left as written, as a device would see a broken link
	}
	date := now.UTC().Format("20060102T150405Z")
	q := u.Query()
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", "FLEETLABPRESIGN/"+date[:8]+"/"+e.opts.Region+"/s3/aws4_request")
	q.Set("X-Amz-Date", date)
	q.Set("X-Amz-Expires", strconv.FormatInt(expires, 10))
	q.Set("X-Amz-SignedHeaders", "host")
	mac := hmac.New(sha256.New, []byte(role))
	mac.Write([]byte(raw + "\n" + date + "\n" + strconv.FormatInt(expires, 10)))
	q.Set("X-Amz-Signature", hex.EncodeToString(mac.Sum(nil)))
	u.RawQuery = q.Encode()
	return u.String()
}
