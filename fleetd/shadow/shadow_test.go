package shadow

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

var t0 = time.Unix(1700000000, 0)

// mustUpdate applies payloads in turn to the zero Doc.
func mustUpdate(t *testing.T, payloads ...string) Doc {
	t.Helper()
	var d Doc
	for i, p := range payloads {
		u, err := ApplyUpdate(d, []byte(p), t0.Add(time.Duration(i)*time.Second), DefaultOptions())
		if err != nil {
			t.Fatalf("ApplyUpdate(%s) = %v", p, err)
		}
		d = u.Doc
	}
	return d
}

// stateOf is the stored state {"desired"?,"reported"?}.
func stateOf(d Doc) string {
	return string(appendSections(nil, d.part(partDesired), d.part(partReported)))
}

func TestUpdateErrors(t *testing.T) {
	deep := `{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}`
	tests := []struct {
		name    string
		payload string
		opts    Options
		code    string
		status  int
		message string
	}{
		{"not json", `nope`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"empty", ``, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"array", `[]`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"string", `"state"`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"truncated", `{"state":{"reported":{}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"trailing", `{"state":{}} {}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"trailing comma", `{"state":{"reported":{"a":1,}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"single quotes", `{'state':{}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"leading zero", `{"state":{"reported":{"a":01}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"bad escape", `{"state":{"reported":{"a":"\q"}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"syntax in ignored key", `{"state":{},"x":[1,]}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"huge number", `{"state":{"reported":{"a":-2e308}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"null in array", `{"state":{"reported":{"a":[1,null]}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"null in nested array", `{"state":{"reported":{"a":[[null]]}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"null in object in array", `{"state":{"reported":{"a":[{"b":null}]}}}`, Options{}, awserr.InvalidRequest, 400, "Invalid JSON"},
		{"no state", `{"clientToken":"x"}`, Options{}, awserr.InvalidRequest, 400, "Missing required node: state"},
		{"empty object", `{}`, Options{}, awserr.InvalidRequest, 400, "Missing required node: state"},
		{"state null", `{"state":null}`, Options{}, awserr.InvalidRequest, 400, "State node must be an object"},
		{"state string", `{"state":"on"}`, Options{}, awserr.InvalidRequest, 400, "State node must be an object"},
		{"state array", `{"state":[{}]}`, Options{}, awserr.InvalidRequest, 400, "State node must be an object"},
		{"desired number", `{"state":{"desired":1}}`, Options{}, awserr.InvalidRequest, 400, "Desired node must be an object"},
		{"desired array", `{"state":{"desired":[]}}`, Options{}, awserr.InvalidRequest, 400, "Desired node must be an object"},
		{"reported bool", `{"state":{"reported":true}}`, Options{}, awserr.InvalidRequest, 400, "Reported node must be an object"},
		{"reported string", `{"state":{"reported":"x"}}`, Options{}, awserr.InvalidRequest, 400, "Reported node must be an object"},
		{"delta", `{"state":{"delta":{"a":1}}}`, Options{}, awserr.InvalidRequest, 400, "State contains an invalid node"},
		{"other node", `{"state":{"reported":{},"metadata":{}}}`, Options{}, awserr.InvalidRequest, 400, "State contains an invalid node"},
		{"version string", `{"state":{},"version":"1"}`, Options{}, awserr.InvalidRequest, 400, "Invalid version"},
		{"version fraction", `{"state":{},"version":1.5}`, Options{}, awserr.InvalidRequest, 400, "Invalid version"},
		{"version exponent", `{"state":{},"version":1e1}`, Options{}, awserr.InvalidRequest, 400, "Invalid version"},
		{"version null", `{"state":{},"version":null}`, Options{}, awserr.InvalidRequest, 400, "Invalid version"},
		{"version overflow", `{"state":{},"version":99999999999999999999}`, Options{}, awserr.InvalidRequest, 400, "Invalid version"},
		{"version conflict", `{"state":{},"version":2}`, Options{}, awserr.Conflict, 409, "Version conflict"},
		{"version behind", `{"state":{},"version":0}`, Options{}, awserr.Conflict, 409, "Version conflict"},
		{"token too long", `{"state":{},"clientToken":"` + strings.Repeat("x", 65) + `"}`, Options{}, awserr.InvalidRequest, 400, "Invalid clientToken"},
		{"token too long in bytes", `{"state":{},"clientToken":"` + strings.Repeat("é", 33) + `"}`, Options{}, awserr.InvalidRequest, 400, "Invalid clientToken"},
		{"token number", `{"state":{},"clientToken":1}`, Options{}, awserr.InvalidRequest, 400, "Invalid clientToken"},
		{"token null", `{"state":{},"clientToken":null}`, Options{}, awserr.InvalidRequest, 400, "Invalid clientToken"},
		{"too deep", deep, Options{}, awserr.InvalidRequest, 400, "JSON contains too many levels of nesting; maximum is 6"},
		{"too deep array", `{"state":{"reported":{"a":[[[[[[1]]]]]]}}}`, Options{}, awserr.InvalidRequest, 400, "JSON contains too many levels of nesting; maximum is 6"},
		{"too deep for option", `{"state":{"reported":{"a":{"b":{"c":1}}}}}`, Options{MaxDepth: 2}, awserr.InvalidRequest, 400, "JSON contains too many levels of nesting; maximum is 2"},
		{"absurdly deep", `{"state":{"reported":{"a":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}}}`, Options{MaxPayloadBytes: -1}, awserr.InvalidRequest, 400, "JSON contains too many levels of nesting; maximum is 6"},
		{"not utf-8", "{\"state\":{\"reported\":{\"a\":\"\xc3\x28\"}}}", Options{}, awserr.UnsupportedEncoding, 415, "Unsupported documented encoding; supported encoding is UTF-8"},
		{"payload too large", `{"state":{"reported":{"a":"` + strings.Repeat("x", 20000) + `"}}}`, Options{}, awserr.RequestEntityTooLarge, 413, "The payload exceeds the maximum size allowed"},
		{"state too large", `{"state":{"reported":{"a":"` + strings.Repeat("x", 8200) + `"}}}`, Options{}, awserr.RequestEntityTooLarge, 413, "The payload exceeds the maximum size allowed"},
		{"state over option", `{"state":{"reported":{"a":"xxxxxxxxxx"}}}`, Options{MaxStateBytes: 20}, awserr.RequestEntityTooLarge, 413, "The payload exceeds the maximum size allowed"},
	}
	prev := mustUpdate(t, `{"state":{"reported":{"n":1}}}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ApplyUpdate(prev, []byte(tt.payload), t0, tt.opts)
			var e *awserr.Error
			if !errors.As(err, &e) {
				t.Fatalf("ApplyUpdate(%.60q) = %v; want an *awserr.Error", tt.payload, err)
			}
			if e.Code != tt.code || e.Status != tt.status || e.Message != tt.message {
				t.Errorf("ApplyUpdate(%.60q) = %s %d %q; want %s %d %q", tt.payload, e.Code, e.Status, e.Message, tt.code, tt.status, tt.message)
			}
		})
	}
}

func TestStateLimitCountsResult(t *testing.T) {
	pad := strings.Repeat("x", 5000)
	d := mustUpdate(t, `{"state":{"reported":{"a":"`+pad+`"}}}`)
	if _, err := ApplyUpdate(d, []byte(`{"state":{"desired":{"b":"`+pad+`"}}}`), t0, DefaultOptions()); !awserr.Is(err, awserr.RequestEntityTooLarge) {
		t.Errorf("10 KB of state: err = %v; want 413", err)
	}
	if _, err := ApplyUpdate(d, []byte(`{"state":{"desired":{"b":"`+pad+`"},"reported":null}}`), t0, DefaultOptions()); err != nil {
		t.Errorf("replacing reported: err = %v; want accepted", err)
	}
	// The limit is on desired+reported without metadata: exactly 8192 passes.
	fill := 8192 - len(`{"reported":{"a":""}}`)
	if _, err := ApplyUpdate(Doc{}, []byte(`{"state":{"reported":{"a":"`+strings.Repeat("y", fill)+`"}}}`), t0, DefaultOptions()); err != nil {
		t.Errorf("8192-byte state: err = %v; want accepted", err)
	}
	if _, err := ApplyUpdate(Doc{}, []byte(`{"state":{"reported":{"a":"`+strings.Repeat("y", fill+1)+`"}}}`), t0, DefaultOptions()); !awserr.Is(err, awserr.RequestEntityTooLarge) {
		t.Errorf("8193-byte state: err = %v; want 413", err)
	}
}

func TestGetDeleteErrors(t *testing.T) {
	exists := mustUpdate(t, `{"state":{"reported":{"n":1}}}`)
	deleted, _, err := Delete(exists, "t", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		doc     Doc
		payload string
		status  int
		message string
	}{
		{"never created", Doc{}, ``, 404, "No shadow exists with name: 'dev-1'"},
		{"deleted", deleted, `{"clientToken":"a"}`, 404, "No shadow exists with name: 'dev-1'"},
		{"invalid json", exists, `{`, 400, "Invalid JSON"},
		{"not an object", exists, `"x"`, 400, "Invalid JSON"},
		{"token type", exists, `{"clientToken":true}`, 400, "Invalid clientToken"},
		{"token length", exists, `{"clientToken":"` + strings.Repeat("t", 65) + `"}`, 400, "Invalid clientToken"},
		{"encoding", exists, "{\"clientToken\":\"\xff\"}", 415, "Unsupported documented encoding; supported encoding is UTF-8"},
		{"request checked first", Doc{}, `{`, 400, "Invalid JSON"},
	}
	for _, tt := range tests {
		for _, op := range []string{"get", "delete"} {
			var err error
			if op == "get" {
				_, err = Get(tt.doc, "dev-1", []byte(tt.payload), t0)
			} else {
				_, _, err = Delete(tt.doc, "dev-1", []byte(tt.payload), t0)
			}
			e, ok := awserr.As(err)
			if !ok || e.Status != tt.status || e.Message != tt.message {
				t.Errorf("%s %s: %s(%q) = %v; want %d %q", tt.name, op, op, tt.payload, err, tt.status, tt.message)
			}
		}
	}
	// Other keys are ignored; whitespace is an empty payload.
	for _, p := range []string{"", "  \n", `{"clientToken":"c","state":{"x":1}}`} {
		if _, err := Get(exists, "t", []byte(p), t0); err != nil {
			t.Errorf("Get(%q) = %v", p, err)
		}
	}
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name  string
		setup []string
		req   string
		want  string
	}{
		{"create", nil, `{"state":{"reported":{"a":1}}}`, `{"reported":{"a":1}}`},
		{"add member", []string{`{"state":{"reported":{"a":1}}}`}, `{"state":{"reported":{"b":2}}}`, `{"reported":{"a":1,"b":2}}`},
		{"replace scalar", []string{`{"state":{"reported":{"a":1}}}`}, `{"state":{"reported":{"a":"x"}}}`, `{"reported":{"a":"x"}}`},
		{"deep merge", []string{`{"state":{"desired":{"a":{"b":1,"c":2}}}}`}, `{"state":{"desired":{"a":{"c":3,"d":4}}}}`, `{"desired":{"a":{"b":1,"c":3,"d":4}}}`},
		{"null deletes", []string{`{"state":{"desired":{"a":1,"b":2}}}`}, `{"state":{"desired":{"a":null}}}`, `{"desired":{"b":2}}`},
		{"null on absent", []string{`{"state":{"desired":{"a":1}}}`}, `{"state":{"desired":{"z":null}}}`, `{"desired":{"a":1}}`},
		{"empty objects pruned", []string{`{"state":{"desired":{"a":{"b":{"c":1}},"x":1}}}`}, `{"state":{"desired":{"a":{"b":{"c":null}}}}}`, `{"desired":{"x":1}}`},
		{"section emptied", []string{`{"state":{"desired":{"a":1},"reported":{"b":1}}}`}, `{"state":{"desired":{"a":null}}}`, `{"reported":{"b":1}}`},
		{"section null", []string{`{"state":{"desired":{"a":1},"reported":{"b":1}}}`}, `{"state":{"desired":null}}`, `{"reported":{"b":1}}`},
		{"both null", []string{`{"state":{"desired":{"a":1},"reported":{"b":1}}}`}, `{"state":{"desired":null,"reported":null}}`, `{}`},
		{"array replaces", []string{`{"state":{"reported":{"a":[1,2,3]}}}`}, `{"state":{"reported":{"a":[4]}}}`, `{"reported":{"a":[4]}}`},
		{"array replaces object", []string{`{"state":{"reported":{"a":{"b":1}}}}`}, `{"state":{"reported":{"a":[1]}}}`, `{"reported":{"a":[1]}}`},
		{"object replaces array", []string{`{"state":{"reported":{"a":[1]}}}`}, `{"state":{"reported":{"a":{"b":1}}}}`, `{"reported":{"a":{"b":1}}}`},
		{"nulls in new object dropped", nil, `{"state":{"reported":{"a":{"b":null,"c":1}}}}`, `{"reported":{"a":{"c":1}}}`},
		{"empty object adds nothing", nil, `{"state":{"reported":{"a":{}}}}`, `{}`},
		{"empty object removes scalar", []string{`{"state":{"reported":{"a":1,"b":2}}}`}, `{"state":{"reported":{"a":{}}}}`, `{"reported":{"b":2}}`},
		{"empty object keeps object", []string{`{"state":{"reported":{"a":{"x":1}}}}`}, `{"state":{"reported":{"a":{}}}}`, `{"reported":{"a":{"x":1}}}`},
		{"empty array kept", nil, `{"state":{"reported":{"a":[]}}}`, `{"reported":{"a":[]}}`},
		{"duplicates last wins", nil, `{"state":{"reported":{"a":1,"b":2,"a":3}}}`, `{"reported":{"b":2,"a":3}}`},
		{"order kept", []string{`{"state":{"reported":{"z":1,"a":2,"m":3}}}`}, `{"state":{"reported":{"a":null,"b":4}}}`, `{"reported":{"z":1,"m":3,"b":4}}`},
		{"whitespace", nil, " {\n\t\"state\" : { \"reported\" : { \"a\" : [ 1 , 2 ] } } } \n", `{"reported":{"a":[1,2]}}`},
		{"deleted shadow recreated", []string{`{"state":{"reported":{"a":1}}}`}, `{"state":{"reported":{"b":1}}}`, `{"reported":{"a":1,"b":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustUpdate(t, tt.setup...)
			u, err := ApplyUpdate(d, []byte(tt.req), t0.Add(time.Hour), DefaultOptions())
			if err != nil {
				t.Fatalf("ApplyUpdate(%s) = %v", tt.req, err)
			}
			if got := stateOf(u.Doc); got != tt.want {
				t.Errorf("state after %s = %s; want %s", tt.req, got, tt.want)
			}
			checkUpdate(t, tt.name, d, u)
		})
	}
}

func TestMergeIsPersistent(t *testing.T) {
	d1 := mustUpdate(t, `{"state":{"reported":{"a":{"b":1,"c":[1,2]},"d":"x"},"desired":{"a":{"b":2}}}}`)
	before, _ := d1.MarshalJSON()
	u, err := ApplyUpdate(d1, []byte(`{"state":{"reported":{"a":{"b":5,"c":null},"d":null,"e":1},"desired":null}}`), t0.Add(time.Minute), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	after, _ := d1.MarshalJSON()
	if string(before) != string(after) {
		t.Errorf("ApplyUpdate changed its input:\n%s\n%s", before, after)
	}
	if got, want := stateOf(u.Doc), `{"reported":{"a":{"b":5},"e":1}}`; got != want {
		t.Errorf("state = %s; want %s", got, want)
	}
}

func TestChanged(t *testing.T) {
	d := mustUpdate(t, `{"state":{"reported":{"a":1,"o":{"x":[1,2]}},"desired":{"a":2}}}`)
	tests := []struct {
		req               string
		desired, reported bool
	}{
		{`{"state":{"reported":{"a":1}}}`, false, false},
		{`{"state":{"reported":{"a":1.0}}}`, false, true},
		{`{"state":{"reported":{"o":{"x":[1,2]}}}}`, false, false},
		{`{"state":{"reported":{"o":{"x":[2,1]}}}}`, false, true},
		{`{"state":{"reported":{"zz":null}}}`, false, false},
		{`{"state":{"reported":{"a":null}}}`, false, true},
		{`{"state":{"reported":{"o":{}}}}`, false, false},
		{`{"state":{"desired":{"a":2},"reported":{"b":1}}}`, false, true},
		{`{"state":{"desired":null}}`, true, false},
		{`{"state":{}}`, false, false},
	}
	for _, tt := range tests {
		u, err := ApplyUpdate(d, []byte(tt.req), t0.Add(time.Hour), DefaultOptions())
		if err != nil {
			t.Fatalf("ApplyUpdate(%s) = %v", tt.req, err)
		}
		if u.ChangedDesired != tt.desired || u.ChangedReported != tt.reported {
			t.Errorf("ApplyUpdate(%s): changed desired %v reported %v; want %v %v", tt.req, u.ChangedDesired, u.ChangedReported, tt.desired, tt.reported)
		}
	}
}

func TestDelta(t *testing.T) {
	tests := []struct {
		name    string
		updates []string
		want    string // Delta() as JSON; "null" when none
	}{
		{"no desired", []string{`{"state":{"reported":{"a":1}}}`}, `null`},
		{"missing in reported", []string{`{"state":{"desired":{"a":1}}}`}, `{"a":1}`},
		{"equal", []string{`{"state":{"desired":{"a":1},"reported":{"a":1}}}`}, `null`},
		{"numbers by value", []string{`{"state":{"desired":{"a":1},"reported":{"a":1.0e0}}}`}, `null`},
		{"type differs", []string{`{"state":{"desired":{"a":1},"reported":{"a":"1"}}}`}, `{"a":1}`},
		{"only reported keys ignored", []string{`{"state":{"desired":{"a":1},"reported":{"a":1,"b":2}}}`}, `null`},
		{"recurses", []string{`{"state":{"desired":{"l":{"c":{"r":255,"g":255}}},"reported":{"l":{"c":{"r":255,"g":0}}}}}`}, `{"l":{"c":{"g":255}}}`},
		{"object vs scalar", []string{`{"state":{"desired":{"l":{"c":1}},"reported":{"l":"off"}}}`}, `{"l":{"c":1}}`},
		{"scalar vs object", []string{`{"state":{"desired":{"l":"off"},"reported":{"l":{"c":1}}}}`}, `{"l":"off"}`},
		{"arrays whole", []string{`{"state":{"desired":{"a":[1,2]},"reported":{"a":[1,3]}}}`}, `{"a":[1,2]}`},
		{"arrays equal", []string{`{"state":{"desired":{"a":[{"x":1,"y":2}]},"reported":{"a":[{"y":2,"x":1}]}}}`}, `null`},
		{"deleted from reported", []string{`{"state":{"desired":{"a":1},"reported":{"a":1}}}`, `{"state":{"reported":{"a":null}}}`}, `{"a":1}`},
	}
	for _, tt := range tests {
		d := mustUpdate(t, tt.updates...)
		got, _ := json.Marshal(d.Delta())
		if string(got) != tt.want {
			t.Errorf("%s: Delta() = %s; want %s", tt.name, got, tt.want)
		}
		// The encoded delta (get, index, /delta) agrees with Delta().
		var ix struct {
			Delta map[string]any `json:"delta"`
		}
		if err := json.Unmarshal(d.IndexJSON(), &ix); err != nil {
			t.Fatal(err)
		}
		if fromIndex, _ := json.Marshal(ix.Delta); string(fromIndex) != tt.want {
			t.Errorf("%s: IndexJSON delta = %s; want %s", tt.name, fromIndex, tt.want)
		}
	}
}

func TestViews(t *testing.T) {
	d := mustUpdate(t, `{"state":{"reported":{"t":21.5,"on":true,"s":"a\"b","l":[1,"x"],"o":{"n":1}}}}`)
	got, _ := json.Marshal(map[string]any{"r": d.Reported(), "d": d.Desired()})
	if want := `{"d":null,"r":{"l":[1,"x"],"o":{"n":1},"on":true,"s":"a\"b","t":21.5}}`; string(got) != want {
		t.Errorf("views = %s; want %s", got, want)
	}
	var zero Doc
	if zero.Exists() || zero.Version() != 0 || zero.Desired() != nil || zero.Delta() != nil || zero.IndexJSON() != nil || zero.IndexObject() != nil {
		t.Error("the zero Doc is not an empty, non-existent shadow")
	}
}

func TestClientToken(t *testing.T) {
	tests := []struct{ payload, want string }{
		{`{"clientToken":"abc","state":{}}`, "abc"},
		{`{"state":{"reported":{"a":[1,{"b":2}]}},"clientToken":"after"}`, "after"},
		{`{"clientToken":"first","state":{"reported":{`, "first"},
		{`{"state":{"reported":{},"clientToken":"nested"}}`, ""},
		{`{"state":oops,"clientToken":"late"}`, ""},
		{`{"clientToken":5}`, ""},
		{`{"clientToken":"` + strings.Repeat("x", 65) + `"}`, ""},
		{`{"clientToken":"a\u0062c"}`, "abc"},
		{`{"clientToken":"x","clientToken":"y"}`, "y"},
		{`[]`, ""},
		{``, ""},
		{"{\"clientToken\":\"\xff\"}", ""},
	}
	for _, tt := range tests {
		if got := ClientToken([]byte(tt.payload)); got != tt.want {
			t.Errorf("ClientToken(%q) = %q; want %q", tt.payload, got, tt.want)
		}
	}
}

func TestRejectedPayload(t *testing.T) {
	tests := []struct {
		err   error
		token string
		want  string
	}{
		{invalid(MsgInvalidJSON), "", `{"code":400,"message":"Invalid JSON","timestamp":1700000000}`},
		{versionConflict(), "tok", `{"code":409,"message":"Version conflict","timestamp":1700000000,"clientToken":"tok"}`},
		{notFound(`we"ird`), "", `{"code":404,"message":"No shadow exists with name: 'we\"ird'","timestamp":1700000000}`},
		{errors.New("disk on fire"), "", `{"code":500,"message":"Internal service failure","timestamp":1700000000}`},
	}
	for _, tt := range tests {
		if got := string(RejectedPayload(tt.err, tt.token, t0)); got != tt.want {
			t.Errorf("RejectedPayload(%v, %q) = %s; want %s", tt.err, tt.token, got, tt.want)
		}
	}
}

func TestDocJSON(t *testing.T) {
	d := mustUpdate(t, `{"state":{"desired":{"a":{"b":[1,{"c":"x"}]},"e":[]},"reported":{"a":{"b":2}}}}`)
	b, _ := json.Marshal(d)
	want := `{"state":{"desired":{"a":{"b":[1,{"c":"x"}]},"e":[]},"reported":{"a":{"b":2}}},"metadata":{"desired":{"a":{"b":[{"timestamp":1700000000},{"c":{"timestamp":1700000000}}]},"e":[]},"reported":{"a":{"b":{"timestamp":1700000000}}}},"version":1}`
	if string(b) != want {
		t.Errorf("Marshal = %s; want %s", b, want)
	}
	var back Doc
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if b2, _ := json.Marshal(back); string(b2) != want || !back.Exists() || back.Version() != 1 {
		t.Errorf("round trip = %s", b2)
	}
	for _, in := range []string{`{"version":4}`, `{"state":{},"metadata":{},"version":2}`} {
		var d Doc
		if err := json.Unmarshal([]byte(in), &d); err != nil {
			t.Errorf("Unmarshal(%s) = %v", in, err)
		}
		if out, _ := json.Marshal(d); string(out) != in {
			t.Errorf("Unmarshal(%s) re-marshals as %s", in, out)
		}
	}
	bad := []string{
		`[]`, `{}`, `{"version":-1}`, `{"version":1,"extra":1}`,
		`{"state":{"reported":{"a":1}},"version":1}`,
		`{"state":{"reported":{"a":1}},"metadata":{"reported":{"a":{}}},"version":1}`,
		`{"state":{"reported":{"a":1}},"metadata":{"reported":{"b":{"timestamp":1}}},"version":1}`,
		`{"state":{"reported":{"a":null}},"metadata":{"reported":{"a":{"timestamp":1}}},"version":1}`,
		`{"state":{"reported":{"a":{}}},"metadata":{"reported":{"a":{}}},"version":1}`,
		`{"state":{"reported":{}},"metadata":{"reported":{}},"version":1}`,
		`{"state":{"delta":{"a":1}},"metadata":{"delta":{"a":{"timestamp":1}}},"version":1}`,
		`{"state":{"reported":{"a":[1,2]}},"metadata":{"reported":{"a":[{"timestamp":1},{"timestamp":2}]}},"version":1}`,
		`{"state":{"reported":{"a":[1,2]}},"metadata":{"reported":{"a":[{"timestamp":1}]}},"version":1}`,
		`{"state":{"reported":{"a":1,"a":2}},"metadata":{"reported":{"a":{"timestamp":1},"a":{"timestamp":1}}},"version":1}`,
	}
	for _, in := range bad {
		var d Doc
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) = nil; want an error", in)
		}
	}
}

// TestSharedDocs applies updates to one Doc and reads it from several
// goroutines at once: Docs are immutable (run with -race).
func TestSharedDocs(t *testing.T) {
	d := mustUpdate(t, `{"state":{"desired":{"a":{"b":1},"l":[1,2]},"reported":{"a":{"b":2},"c":"x"}}}`)
	want, _ := d.MarshalJSON()
	done := make(chan struct{})
	for i := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range 200 {
				p := []byte(`{"state":{"reported":{"a":{"b":` + string(rune('0'+j%10)) + `}},"desired":{"l":null}}}`)
				if _, err := ApplyUpdate(d, p, t0.Add(time.Duration(i)), DefaultOptions()); err != nil {
					t.Error(err)
					return
				}
				if _, err := Get(d, "t", nil, t0); err != nil {
					t.Error(err)
					return
				}
				_ = d.IndexJSON()
				_ = d.Delta()
			}
		}()
	}
	for range 4 {
		<-done
	}
	if got, _ := d.MarshalJSON(); string(got) != string(want) {
		t.Errorf("shared Doc changed:\n%s\n%s", got, want)
	}
}
