package core

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// sessionID is a session identifier: a version-4 UUID kept as its 16
// bytes, since every client's connectivity holds one for as long as the
// core lives and a formatted UUID would be one more heap object each. It is
// formatted only when a lifecycle event or a record carries it. The zero
// sessionID is no session (a drawn one always has its version bits set).
type sessionID registry.UUID

// newSessionID draws a session identifier from r with the UUID version 4
// and variant bits set.
func newSessionID(r *rand.Rand) sessionID {
	var s sessionID
	binary.BigEndian.PutUint64(s[:8], r.Uint64()&^0xf000|0x4000)
	binary.BigEndian.PutUint64(s[8:], r.Uint64()&^(0xc000<<48)|0x8000<<48)
	return s
}

// String formats the identifier as a lowercase UUID, "" for no session.
func (s sessionID) String() string {
	if s == (sessionID{}) {
		return ""
	}
	return registry.UUID(s).String()
}

// MarshalText is String for encoding/json (records keep the UUID text).
func (s sessionID) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

var errSessionID = errors.New("session identifier is not a lowercase UUID")

// UnmarshalText reads what MarshalText writes; empty text is no session.
func (s *sessionID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = sessionID{}
		return nil
	}
	if strings.ContainsAny(string(b), "ABCDEF") { // never written
		return errSessionID
	}
	u, err := registry.ParseUUID(string(b))
	if err != nil {
		return errSessionID
	}
	*s = sessionID(u)
	return nil
}
