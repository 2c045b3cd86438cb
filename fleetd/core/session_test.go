package core

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The text of a session identifier is what the core printed when it kept
// the formatted UUID: lifecycle events and stored records read the same.
func TestSessionIDText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		s := newSessionID(r)
		hi, lo := binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:])
		want := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
		if got := s.String(); got != want {
			t.Fatalf("sessionID %#x %#x: String() = %q; want %q", hi, lo, got, want)
		}
		if want[14] != '4' || want[19] < '8' || want[19] > 'b' {
			t.Fatalf("%s: not a version 4, variant 1 UUID", want)
		}
		var back sessionID
		if err := back.UnmarshalText([]byte(want)); err != nil || back != s {
			t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", want, back, err, s)
		}
	}
	if got := (sessionID{}).String(); got != "" {
		t.Errorf("zero sessionID.String() = %q; want \"\"", got)
	}
}

func TestSessionIDUnmarshalRejects(t *testing.T) {
	for _, in := range []string{
		"bef8e789-aad9-4f12-adac-af1cf991c47",   // short
		"bef8e789-aad9-4f12-adac-af1cf991c4700", // long
		"bef8e789aaad9-4f12-adac-af1cf991c470",  // dash missing
		"BEF8E789-AAD9-4F12-ADAC-AF1CF991C470",  // upper case: never written
		"bef8e789-aad9-4f12-adac-af1cf991c47g",
	} {
		var s sessionID
		if err := s.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("UnmarshalText(%q) = %v, nil; want an error", in, s)
		}
	}
}

// A connectivity record keeps its format: the session is the UUID string,
// left out when there is none, and records written with the string restore.
func TestConnectivityRecordFormat(t *testing.T) {
	old := `{"connected":true,"timestamp":1767225600000,"versionNumber":1,"sessionIdentifier":"bef8e789-aad9-4f12-adac-af1cf991c470","principalIdentifier":"cert-1"}`
	var cs connectivity
	if err := json.Unmarshal([]byte(old), &cs); err != nil {
		t.Fatal(err)
	}
	if got := cs.Session.String(); got != "bef8e789-aad9-4f12-adac-af1cf991c470" {
		t.Errorf("restored session = %q", got)
	}
	b, err := json.Marshal(&cs)
	if err != nil || string(b) != old {
		t.Errorf("json.Marshal = %s, %v; want %s", b, err, old)
	}
	b, _ = json.Marshal(&connectivity{Timestamp: 5})
	if want := `{"connected":false,"timestamp":5,"versionNumber":0}`; string(b) != want {
		t.Errorf("json.Marshal without a session = %s; want %s", b, want)
	}
}
