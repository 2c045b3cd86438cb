package shadow

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Get answers a get request (the /get payload: empty or
// {"clientToken":…}; other keys are ignored) with the /get/accepted payload,
// which is also the GetThingShadow response body. name is the shadow's name
// for the not-found message: the thing name for the classic shadow.
func Get(d Doc, name string, payload []byte, now time.Time) ([]byte, error) {
	token, err := parseSimple(payload)
	if err != nil {
		return nil, err
	}
	if !d.exists {
		return nil, notFound(name)
	}
	ts := now.Unix()
	b := make([]byte, 0, d.encSize()+len(d.part(partDesired))+len(`{"state":{"desired":,"reported":,"delta":},"metadata":{"desired":,"reported":},"version":,"timestamp":,"clientToken":}`)+40+len(token))
	b = append(b, `{"state":{`...)
	comma := false
	if p := d.part(partDesired); len(p) > 0 {
		b = append(b, `"desired":`...)
		b = append(b, p...)
		comma = true
	}
	if p := d.part(partReported); len(p) > 0 {
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"reported":`...)
		b = append(b, p...)
		comma = true
	}
	if d.desired != nil {
		mark := len(b)
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"delta":`...)
		var some bool
		if b, some = appendDelta(b, d.desired, d.reported, false); !some {
			b = b[:mark]
		}
	}
	b = append(b, `},"metadata":`...)
	b = appendSections(b, d.part(partMetaDesired), d.part(partMetaReported))
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, d.version, 10)
	return appendTail(b, ts, token), nil
}

// Delete deletes the shadow and returns the deleted Doc (it keeps the
// version) and the /delete/accepted payload {"version":N,"timestamp":T},
// also the DeleteThingShadow response body. The payload is empty or
// {"clientToken":…}; name is as for Get.
func Delete(prev Doc, name string, payload []byte, now time.Time) (Doc, []byte, error) {
	token, err := parseSimple(payload)
	if err != nil {
		return prev, nil, err
	}
	if !prev.exists {
		return prev, nil, notFound(name)
	}
	b := make([]byte, 0, 64+len(token))
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, prev.version, 10)
	b = appendTail(b, now.Unix(), token)
	return Doc{version: prev.version}, b, nil
}

// parseSimple validates a get or delete payload and returns its clientToken
// (canonical quoted, "" when none).
func parseSimple(payload []byte) (string, error) {
	if len(bytes.TrimLeft(payload, " \t\r\n")) == 0 {
		return "", nil
	}
	if !utf8.Valid(payload) {
		return "", badEncoding()
	}
	p := newParser(string(payload), nil, 0)
	token, badToken := "", false
	p.ws()
	if p.s[p.i] != '{' {
		return "", invalid(MsgInvalidJSON)
	}
	p.i++
	p.depth = 1
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
	} else {
		for p.err == parseOK {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				p.fail(parseSyntax)
				break
			}
			key, ok := p.str()
			p.ws()
			if !ok || p.i >= len(p.s) || p.s[p.i] != ':' {
				p.fail(parseSyntax)
				break
			}
			p.i++
			p.ws()
			if key == `"clientToken"` {
				token, badToken = "", true
				if p.i < len(p.s) && p.s[p.i] == '"' {
					if raw, ok := p.str(); ok && quotedLen(raw) <= MaxClientTokenBytes {
						token, badToken = raw, false
					}
				} else {
					p.skip()
				}
			} else {
				p.skip()
			}
			p.ws()
			if p.err != parseOK || p.i >= len(p.s) {
				p.fail(parseSyntax)
				break
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == '}' {
				p.i++
				break
			}
			p.fail(parseSyntax)
		}
	}
	if p.err == parseOK && !p.end() {
		p.fail(parseSyntax)
	}
	switch p.err {
	case parseSyntax:
		return "", invalid(MsgInvalidJSON)
	case parseDeep:
		return "", tooDeep(DefaultOptions().MaxDepth)
	}
	if badToken {
		return "", invalid(MsgInvalidToken)
	}
	return token, nil
}

// ClientToken returns the clientToken of a request payload on a best-effort
// basis, for the rejection of a payload that may not parse: the top-level
// "clientToken" string found before any syntax error, "" if none or if it is
// not a valid token.
func ClientToken(payload []byte) string {
	p := newParser(string(payload), nil, 0)
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return ""
	}
	p.i++
	p.depth = 1
	token := ""
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			break
		}
		key, ok := p.str()
		if !ok {
			break
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			break
		}
		p.i++
		p.ws()
		if key == `"clientToken"` && p.i < len(p.s) && p.s[p.i] == '"' {
			raw, ok := p.str()
			if !ok {
				break
			}
			token = raw
		} else {
			if key == `"clientToken"` {
				token = ""
			}
			if !p.skip() {
				break
			}
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			break
		}
		p.i++
	}
	if token == "" || quotedLen(token) > MaxClientTokenBytes {
		return ""
	}
	s := unquote(token)
	if !utf8.ValidString(s) {
		return ""
	}
	return s
}

// RejectedPayload returns the /rejected payload for err:
// {"code":<HTTP status>,"message":…,"timestamp":T,"clientToken"?}. An err
// that is not an *awserr.Error is a 500 "Internal service failure".
func RejectedPayload(err error, clientToken string, now time.Time) []byte {
	code, msg := 500, MsgInternal
	if e, ok := awserr.As(err); ok {
		code, msg = e.Status, e.Message
	}
	b := make([]byte, 0, 64+len(msg)+len(clientToken))
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"message":`...)
	b = appendQuoted(b, strings.ToValidUTF8(msg, "\uFFFD"))
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	if clientToken != "" {
		b = append(b, `,"clientToken":`...)
		b = appendQuoted(b, strings.ToValidUTF8(clientToken, "\uFFFD"))
	}
	return append(b, '}')
}
