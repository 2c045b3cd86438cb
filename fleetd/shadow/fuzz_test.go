package shadow

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// goldenPayloads returns the update payloads of the transcripts, in order.
func goldenPayloads(t testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/*.txt")
	var out [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			rest, ok := strings.CutPrefix(sc.Text(), "update ")
			if !ok {
				continue
			}
			_, p, _ := strings.Cut(rest, " ")
			if q, ok := strings.CutPrefix(p, "q:"); ok {
				s, err := strconv.Unquote(q)
				if err != nil {
					continue
				}
				p = s
			}
			out = append(out, []byte(p))
		}
	}
	return out
}

// FuzzApplyUpdate applies two payloads in turn, to a new shadow and to one
// with content. It never panics; every rejection is an *awserr.Error; every
// accepted update adds one to the version, yields JSON payloads, and a
// settled Doc whose JSON round-trips and whose views agree with its
// encoding.
func FuzzApplyUpdate(f *testing.F) {
	seeds := goldenPayloads(f)
	for i := range seeds {
		next := []byte(`{"state":{"reported":{"x":1}}}`)
		if i+1 < len(seeds) {
			next = seeds[i+1]
		}
		f.Add(seeds[i], next)
	}
	base := func() Doc {
		u, err := ApplyUpdate(Doc{}, []byte(`{"state":{"desired":{"a":{"b":[1,{"c":2}]},"d":"x"},"reported":{"a":{"b":[1]},"e":true}}}`), time.Unix(5, 0), DefaultOptions())
		if err != nil {
			f.Fatal(err)
		}
		return u.Doc
	}()
	var scratch Scratch // shared by every input, as the core shares its own
	f.Fuzz(func(t *testing.T, first, second []byte) {
		for _, start := range []Doc{{}, base} {
			d := start
			for i, p := range [][]byte{first, second} {
				now := time.Unix(int64(100+i), 0)
				u, err := ApplyUpdate(d, p, now, DefaultOptions())
				if err != nil {
					if _, ok := awserr.As(err); !ok {
						t.Fatalf("ApplyUpdate(%q) = %v; not an *awserr.Error", p, err)
					}
					if rej := RejectedPayload(err, ClientToken(p), now); !json.Valid(rej) {
						t.Fatalf("rejection is not JSON: %s", rej)
					}
					continue
				}
				checkUpdate(t, "fuzz", d, u)
				checkPayloadSubset(t, d, p, now, DefaultOptions(), AllPayloads, u, &scratch)
				checkViews(t, u.Doc)
				checkSettled(t, u.Doc, string(p))
				g, err := Get(u.Doc, "t", nil, now)
				if err != nil || !json.Valid(g) {
					t.Fatalf("Get = %s, %v", g, err)
				}
				d = u.Doc
			}
		}
	})
}

// checkViews holds Desired, Reported and Delta equal to what encoding/json
// reads from the Doc's encodings.
func checkViews(t *testing.T, d Doc) {
	t.Helper()
	b, _ := d.MarshalJSON()
	var doc struct {
		State struct{ Desired, Reported map[string]any }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("encoding/json cannot read %s: %v", b, err)
	}
	if !reflect.DeepEqual(doc.State.Desired, d.Desired()) || !reflect.DeepEqual(doc.State.Reported, d.Reported()) {
		t.Fatalf("views differ from %s: %v %v", b, d.Desired(), d.Reported())
	}
	var ix struct{ Delta map[string]any }
	if err := json.Unmarshal(d.IndexJSON(), &ix); err != nil {
		t.Fatalf("encoding/json cannot read %s: %v", d.IndexJSON(), err)
	}
	var obj map[string]any
	if err := json.Unmarshal(d.IndexJSON(), &obj); err != nil || !reflect.DeepEqual(obj, d.IndexObject()) {
		t.Fatalf("IndexObject() = %v; want IndexJSON %s decoded", d.IndexObject(), d.IndexJSON())
	}
	if want := oracleDelta(doc.State.Desired, doc.State.Reported); !reflect.DeepEqual(ix.Delta, want) || !reflect.DeepEqual(d.Delta(), want) {
		t.Fatalf("delta of %s: index %v, Delta() %v; want %v", b, ix.Delta, d.Delta(), want)
	}
}
