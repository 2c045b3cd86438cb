package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Algorithm is the only signing algorithm fleetd accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// Payload hashes with a meaning of their own.
const (
	// UnsignedPayload in x-amz-content-sha256 (or as the default of a
	// presigned URL) says the body is not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// emptySHA256 is the hash of an empty body.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// requestPath returns the path of the request target exactly as the client
// sent it (still percent-encoded). On a server request that is the path part
// of r.RequestURI, which neither http.StripPrefix nor a handler rewriting
// r.URL changes; for a request built in a client (RequestURI empty) it is
// r.URL.EscapedPath().
func requestPath(r *http.Request) string {
	if p := r.RequestURI; p != "" && p != "*" {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if strings.HasPrefix(p, "/") {
			return p
		}
		// Absolute form, "http://host/path": net/http has parsed it.
	}
	return r.URL.EscapedPath()
}

// canonicalURI is botocore's SigV4Auth._normalize_url_path: dot segments
// and empty segments are removed from the path as sent, then every byte but
// the RFC 3986 unreserved ones and '/' is percent-encoded. The path as sent
// is already encoded, so its escapes are encoded a second time: the topic
// segment %24aws%2Fthings becomes %2524aws%252Fthings. This is the rule
// for every service but S3, and what every AWS SDK signs.
func canonicalURI(escapedPath string) string {
	return quote(removeDotSegments(escapedPath), true)
}

// removeDotSegments is botocore.utils.normalize_url_path: RFC 3986 §5.2.4
// plus the removal of empty segments ("//"), keeping a leading and a
// trailing slash. An empty path is "/".
func removeDotSegments(path string) string {
	if path == "" {
		return "/"
	}
	var out []string
	for _, seg := range strings.Split(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if path[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if path[len(path)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// quote percent-encodes every byte of s except the RFC 3986 unreserved
// characters (A-Z a-z 0-9 - _ . ~) and, when keepSlash, '/'. Escapes use
// upper-case hex. It is Python's urllib.parse.quote with safe='/~' (or
// safe='-_.~'), which botocore uses.
func quote(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// queryParam is one key=value pair of a raw query string, with its decoded
// form.
type queryParam struct {
	Key, Value string // decoded
	enc        string // canonical "key=value"
}

// parseQuery splits a raw query string on '&' (empty pieces are skipped,
// a piece without '=' has an empty value) and decodes each key and value:
// %XX escapes, and '+' as a space, as Go's and AWS's servers read it.
// botocore never sends a bare '+' (it writes %2B and %20), so for it the
// decoding and the re-encoding in canonicalQuery give back what it signed.
// A key or value with a malformed escape is kept as sent, which is what
// botocore itself signs for a query it did not encode.
func parseQuery(raw string) []queryParam {
	var ps []queryParam
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		dk, okk := unescapeQuery(k)
		dv, okv := unescapeQuery(v)
		ek, ev := k, v
		if okk {
			ek = quote(dk, false)
		}
		if okv {
			ev = quote(dv, false)
		}
		ps = append(ps, queryParam{Key: dk, Value: dv, enc: ek + "=" + ev})
	}
	return ps
}

// unescapeQuery decodes %XX escapes and '+'. It reports false, and returns
// s unchanged, on a malformed escape.
func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return s, false
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// canonicalQuery sorts the encoded pairs by key, then value (botocore sorts
// the (key, value) tuples of encoded strings), leaving out X-Amz-Signature
// when skipSignature (presigned URLs do not sign their own signature).
func canonicalQuery(ps []queryParam, skipSignature bool) string {
	type kv struct{ k, v string }
	pairs := make([]kv, 0, len(ps))
	for _, p := range ps {
		if skipSignature && p.Key == "X-Amz-Signature" {
			continue
		}
		k, v, _ := strings.Cut(p.enc, "=")
		pairs = append(pairs, kv{k, v})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// headerValue returns the canonical value of the signed header name (lower
// case): every value the request carries under that name, each trimmed and
// with runs of white space collapsed to one space, joined with ','.
//
// net/http moves some headers out of r.Header, so they are read from where
// it put them: host (and HTTP/2's :authority) from r.Host, Transfer-Encoding
// from r.TransferEncoding, Content-Length from r.ContentLength when the
// header itself is gone. A signed header the request lacks is an empty value,
// as in the client's canonical request it would have been present.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host", ":authority":
		if r.Host != "" {
			return trimAll(r.Host)
		}
		return trimAll(r.URL.Host)
	}
	var vals []string
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) {
			vals = append(vals, vs...)
		}
	}
	if len(vals) == 0 {
		switch name {
		case "transfer-encoding":
			vals = append(vals, r.TransferEncoding...)
		case "content-length":
			if r.ContentLength > 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		}
	}
	for i, v := range vals {
		vals[i] = trimAll(v)
	}
	return strings.Join(vals, ",")
}

// trimAll is Python's ' '.join(value.split()), which botocore applies to
// every header value: white space is what str.isspace says (Unicode
// White_Space plus the ASCII separators U+001C..U+001F).
func trimAll(v string) string {
	return strings.Join(strings.FieldsFunc(v, pySpace), " ")
}

func pySpace(r rune) bool { return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f }

// canonicalRequestFrom assembles the six parts botocore hashes: method,
// canonical URI, canonical query, one "name:value" line per signed header
// (names as the client listed them, values from headerValue), an empty
// line, the signed header names joined with ';', and the payload hash.
func canonicalRequestFrom(method, uri, query string, names, values []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for i, h := range names {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(values[i])
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign is the algorithm, the request time, the credential scope and
// the hash of the canonical request, one per line.
func stringToSign(amzDate, credentialScope, canonical string) string {
	h := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + credentialScope + "\n" + hex.EncodeToString(h[:])
}

// signingKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date),
// region), service), "aws4_request").
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// signature is the lower-case hex HMAC of the string to sign.
func signature(key []byte, sts string) string {
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
