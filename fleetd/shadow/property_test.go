package shadow

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// oracle is a naive shadow on encoding/json maps: state and metadata merged
// separately, the delta computed from scratch.
type oracle struct {
	exists              bool
	version             int64
	desired, reported   map[string]any
	mDesired, mReported map[string]any
}

func oracleMerge(old, upd map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range upd {
		switch v := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			prev, _ := out[k].(map[string]any)
			if sub := oracleMerge(prev, v); len(sub) > 0 {
				out[k] = sub
			} else {
				delete(out, k)
			}
		default:
			out[k] = v
		}
	}
	return out
}

// oracleMetaMerge merges metadata the way state merges, from the same
// update; leaves are stamped ts.
func oracleMetaMerge(old, upd map[string]any, ts float64) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range upd {
		switch v := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			prev, _ := out[k].(map[string]any)
			if _, leaf := prev["timestamp"]; leaf {
				prev = nil
			}
			if sub := oracleMetaMerge(prev, v, ts); len(sub) > 0 {
				out[k] = sub
			} else {
				delete(out, k)
			}
		default:
			out[k] = oracleMetaOf(v, ts)
		}
	}
	return out
}

func oracleMetaOf(v any, ts float64) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range v {
			m[k] = oracleMetaOf(e, ts)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = oracleMetaOf(e, ts)
		}
		return s
	}
	return map[string]any{"timestamp": ts}
}

func oracleDelta(desired, reported map[string]any) map[string]any {
	var out map[string]any
	for k, dv := range desired {
		rv, ok := reported[k]
		if do, isObj := dv.(map[string]any); isObj {
			if ro, both := rv.(map[string]any); both {
				if sub := oracleDelta(do, ro); sub != nil {
					if out == nil {
						out = map[string]any{}
					}
					out[k] = sub
				}
				continue
			}
		}
		if ok && reflect.DeepEqual(dv, rv) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = dv
	}
	return out
}

func nilIfEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// randValue makes a small JSON value; nulls only as object members.
func randValue(r *rand.Rand, depth int, inArray bool) any {
	n := 7
	if depth >= 3 {
		n = 5
	}
	switch r.IntN(n) {
	case 0:
		if inArray {
			return "x"
		}
		return nil
	case 1:
		return float64(r.IntN(3))
	case 2:
		return []string{"x", "y"}[r.IntN(2)]
	case 3:
		return r.IntN(2) == 0
	case 4:
		return float64(r.IntN(2)) + 0.5
	case 5:
		return randObject(r, depth+1, inArray)
	default:
		a := make([]any, r.IntN(3))
		for i := range a {
			a[i] = randValue(r, depth+1, true)
		}
		return a
	}
}

func randObject(r *rand.Rand, depth int, inArray bool) map[string]any {
	m := map[string]any{}
	for range r.IntN(4) {
		m[[]string{"a", "b", "c", "d"}[r.IntN(4)]] = randValue(r, depth, inArray)
	}
	return m
}

// TestPropertyAgainstOracle runs random update/delete histories and holds
// the package equal to the oracle: state, metadata, delta, version, and when
// /delta is published.
func TestPropertyAgainstOracle(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		var d Doc
		var o oracle
		var scratch Scratch // reused across the history, as the core does
		opts := DefaultOptions()
		opts.DeltaOnReportedOnly = seed%2 == 1
		for step := range 30 {
			now := time.Unix(int64(1000+step), 0)
			ts := float64(now.Unix())
			if r.IntN(15) == 0 {
				nd, _, err := Delete(d, "t", nil, now)
				if (err == nil) != o.exists {
					t.Fatalf("seed %d step %d: Delete err %v, exists %v", seed, step, err, o.exists)
				}
				d, o = nd, oracle{version: o.version}
				continue
			}
			state := map[string]any{}
			var desiredSent bool
			for _, sec := range []string{"desired", "reported"} {
				switch r.IntN(4) {
				case 0:
				case 1:
					state[sec] = nil
				default:
					state[sec] = randObject(r, 1, false)
					desiredSent = desiredSent || sec == "desired"
				}
			}
			payload := randEncode(r, map[string]any{"state": state, "clientToken": "c"}, nil)
			u, err := ApplyUpdate(d, payload, now, opts)
			if err != nil {
				t.Fatalf("seed %d step %d: ApplyUpdate(%s) = %v", seed, step, payload, err)
			}
			checkUpdate(t, "property", d, u)
			checkPayloadSubset(t, d, payload, now, opts, Payloads(r.IntN(int(AllPayloads)+1)), u, &scratch)
			o.exists = true
			o.version++
			for _, sec := range []struct {
				name      string
				val, meta *map[string]any
			}{{"desired", &o.desired, &o.mDesired}, {"reported", &o.reported, &o.mReported}} {
				v, ok := state[sec.name]
				if !ok {
					continue
				}
				if v == nil {
					*sec.val, *sec.meta = nil, nil
					continue
				}
				*sec.val = nilIfEmpty(oracleMerge(*sec.val, v.(map[string]any)))
				*sec.meta = nilIfEmpty(oracleMetaMerge(*sec.meta, v.(map[string]any), ts))
			}
			d = u.Doc
			if d.Version() != o.version {
				t.Fatalf("seed %d step %d: version %d; want %d", seed, step, d.Version(), o.version)
			}
			if !reflect.DeepEqual(d.Desired(), o.desired) || !reflect.DeepEqual(d.Reported(), o.reported) {
				t.Fatalf("seed %d step %d: after %s\nstate %v %v\nwant  %v %v", seed, step, payload, d.Desired(), d.Reported(), o.desired, o.reported)
			}
			wantDelta := oracleDelta(o.desired, o.reported)
			if !reflect.DeepEqual(d.Delta(), wantDelta) {
				t.Fatalf("seed %d step %d: delta %v; want %v", seed, step, d.Delta(), wantDelta)
			}
			published := wantDelta != nil && (desiredSent || opts.DeltaOnReportedOnly)
			if (u.Delta != nil) != published {
				t.Fatalf("seed %d step %d: /delta published %v; want %v (%s)", seed, step, u.Delta != nil, published, payload)
			}
			if u.Delta != nil {
				var msg struct{ State, Metadata map[string]any }
				if err := json.Unmarshal(u.Delta, &msg); err != nil || !reflect.DeepEqual(msg.State, wantDelta) {
					t.Fatalf("seed %d step %d: /delta %s; want state %v", seed, step, u.Delta, wantDelta)
				}
			}
			checkViews(t, d)
			g, err := Get(d, "t", nil, now)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Metadata struct{ Desired, Reported map[string]any }
			}
			if err := json.Unmarshal(g, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Metadata.Desired, o.mDesired) || !reflect.DeepEqual(got.Metadata.Reported, o.mReported) {
				t.Fatalf("seed %d step %d: metadata %s\nwant %v %v", seed, step, g, o.mDesired, o.mReported)
			}
		}
	}
}

// randEncode writes v as JSON with members in random order and numbers in
// random but equal spellings (1, 1.0, 1e0, 10e-1), so the package must
// compare by value, not by text.
func randEncode(r *rand.Rand, v any, b []byte) []byte {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = randEncode(r, v[k], b)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = randEncode(r, e, b)
		}
		return append(b, ']')
	case float64:
		switch r.IntN(4) {
		case 0:
			return strconv.AppendFloat(b, v, 'f', 1, 64)
		case 1:
			return strconv.AppendFloat(b, v, 'e', -1, 64)
		case 2:
			return append(strconv.AppendFloat(b, v*10, 'f', -1, 64), "e-1"...)
		}
	}
	out, _ := json.Marshal(v)
	return append(b, out...)
}

// checkPayloadSubset holds ApplyUpdateFor, with a reused Scratch, to
// ApplyUpdate: the same document, the wanted payloads byte for byte, the
// others nil.
func checkPayloadSubset(t *testing.T, prev Doc, payload []byte, now time.Time, opts Options, want Payloads, full Update, sc *Scratch) {
	t.Helper()
	u, err := ApplyUpdateFor(prev, payload, now, opts, want, sc)
	if err != nil {
		t.Fatalf("ApplyUpdateFor(%s, %b) = %v", payload, want, err)
	}
	gotDoc, _ := u.Doc.MarshalJSON()
	wantDoc, _ := full.Doc.MarshalJSON()
	if !bytes.Equal(gotDoc, wantDoc) {
		t.Fatalf("ApplyUpdateFor(%s, %b) doc %s; want %s", payload, want, gotDoc, wantDoc)
	}
	for _, p := range []struct {
		name      string
		bit       Payloads
		got, full []byte
	}{{"accepted", PayloadAccepted, u.Accepted, full.Accepted}, {"documents", PayloadDocuments, u.Documents, full.Documents}, {"delta", PayloadDelta, u.Delta, full.Delta}} {
		wantBytes := p.full
		if want&p.bit == 0 {
			wantBytes = nil
		}
		if !bytes.Equal(p.got, wantBytes) || (p.got == nil) != (wantBytes == nil) {
			t.Fatalf("ApplyUpdateFor(%s, %b) %s = %s; want %s", payload, want, p.name, p.got, wantBytes)
		}
	}
}
