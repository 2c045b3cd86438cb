package core

import (
	"errors"
	"math/rand/v2"
)

// sessionID is a session identifier: a version-4-shaped UUID kept as its
// 128 bits, since every client's connectivity holds one for as long as the
// core lives and a formatted UUID would be one more heap object each. It is
// formatted only when a lifecycle event or a record carries it. The zero
// sessionID is no session (a drawn one always has its version bits set).
type sessionID struct{ hi, lo uint64 }

// newSessionID draws a session identifier from r with the UUID version 4
// and variant bits set.
func newSessionID(r *rand.Rand) sessionID {
	hi, lo := r.Uint64(), r.Uint64()
	return sessionID{hi: hi&^0xf000 | 0x4000, lo: lo&^(0xc000<<48) | 0x8000<<48}
}

// uuidLen is the length of xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
const uuidLen = 36

// isDash reports whether a UUID has a dash at position i.
func isDash(i int) bool { return i == 8 || i == 13 || i == 18 || i == 23 }

// String formats the identifier as a lowercase UUID, "" for no session.
func (s sessionID) String() string {
	if s == (sessionID{}) {
		return ""
	}
	return string(s.appendUUID(make([]byte, 0, uuidLen)))
}

func (s sessionID) appendUUID(b []byte) []byte {
	const digits = "0123456789abcdef"
	n := 0 // hex digits written: hi's 16, then lo's
	for i := range uuidLen {
		if isDash(i) {
			b = append(b, '-')
			continue
		}
		w := s.hi
		if n >= 16 {
			w = s.lo
		}
		b = append(b, digits[w>>(60-4*(n%16))&0xf])
		n++
	}
	return b
}

// MarshalText is String for encoding/json (records keep the UUID text).
func (s sessionID) MarshalText() ([]byte, error) {
	if s == (sessionID{}) {
		return nil, nil
	}
	return s.appendUUID(make([]byte, 0, uuidLen)), nil
}

var errSessionID = errors.New("session identifier is not a lowercase UUID")

// UnmarshalText reads what MarshalText writes; empty text is no session.
func (s *sessionID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = sessionID{}
		return nil
	}
	if len(b) != uuidLen {
		return errSessionID
	}
	var out sessionID
	n := 0 // hex digits read
	for i, c := range b {
		if isDash(i) {
			if c != '-' {
				return errSessionID
			}
			continue
		}
		var v uint64
		switch {
		case c >= '0' && c <= '9':
			v = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			v = uint64(c-'a') + 10
		default:
			return errSessionID
		}
		if n < 16 {
			out.hi = out.hi<<4 | v
		} else {
			out.lo = out.lo<<4 | v
		}
		n++
	}
	*s = out
	return nil
}
