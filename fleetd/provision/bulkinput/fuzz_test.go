package bulkinput

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	`{"ThingName": "foo", "SerialNumber": "123", "CSR": "csr1"}` + "\n" + `{"a": 1.5e3, "b": true}` + "\n",
	"\ufeff{\"a\":\"1\"}\r\n\r\n{\"a\": [1]}\n{\"a\":\"\\u00e9\\n\"}",
	"ThingName,Serial\r\nfoo,1\r\n\"a,b\",\"x\"\"y\"\r\n\"multi\nline\",2\nbad\"q,3\n",
	"A,A\n1,2\n",
	"A\n\"open\n",
	"\n\n   \n",
}

// FuzzRead reads arbitrary input with a small line limit. It never panics,
// lines strictly increase, a record has parameters or an error, never both,
// and no record claims a line beyond the input.
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(12))
	}
	f.Fuzz(func(t *testing.T, input []byte, limit uint8) {
		r := NewReader(bytes.NewReader(input), Options{MaxLineBytes: int(limit)})
		lines := bytes.Count(input, []byte("\n")) + 1
		last := 0
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next() = %v; a bytes.Reader never fails", err)
			}
			if rec.Line <= last || rec.Line > lines {
				t.Fatalf("record on line %d after line %d, input has %d lines", rec.Line, last, lines)
			}
			last = rec.Line
			if (rec.Err == nil) == (rec.Parameters == nil) {
				t.Fatalf("line %d: record %+v has both or neither of parameters and error", rec.Line, rec)
			}
		}
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Fatalf("Next() after EOF = %v", err)
		}
	})
}

// FuzzParseJSONLine checks the hand-written scanner against encoding/json.
func FuzzParseJSONLine(f *testing.F) {
	for _, s := range fuzzSeeds {
		for line := range strings.SplitSeq(s, "\n") {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := parseJSONLine([]byte(line))
		var want map[string]any
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		stdErr := dec.Decode(&want)
		if stdErr == nil {
			if _, tail := dec.Token(); !errors.Is(tail, io.EOF) {
				stdErr = errors.New("trailing data")
			}
		}
		if err == nil {
			if stdErr != nil || want == nil {
				t.Fatalf("parseJSONLine(%q) = %v; encoding/json says %v", line, got, stdErr)
			}
			for k, v := range want {
				var text string
				switch v := v.(type) {
				case string:
					text = v
				case json.Number:
					text = string(v)
				case bool:
					text = map[bool]string{true: "true", false: "false"}[v]
				default:
					t.Fatalf("parseJSONLine(%q) accepted a %T value", line, v)
				}
				if got[k] != text {
					t.Fatalf("parseJSONLine(%q)[%q] = %q; encoding/json says %q", line, k, got[k], text)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("parseJSONLine(%q) = %v; encoding/json says %v", line, got, want)
			}
			return
		}
		msg := err.Error()
		allowed := strings.Contains(msg, "duplicate key") || strings.Contains(msg, "object or array") ||
			strings.Contains(msg, "is null") || strings.TrimSpace(line) == "null"
		if stdErr == nil && !allowed {
			t.Fatalf("parseJSONLine(%q) = %v; encoding/json accepts it as %v", line, err, want)
		}
	})
}

// FuzzSplitCSV checks splitCSV against encoding/csv on one-line records.
func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{"a,b", `"a,b",c`, `"x""y",`, `a"b`, `"a"b`, `"open`, `,,`, ` "a"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, record string) {
		if record == "" || strings.ContainsAny(record, "\r\n") {
			return
		}
		got, complete, msg := splitCSV(record, nil)
		cr := csv.NewReader(strings.NewReader(record))
		cr.FieldsPerRecord = -1
		want, err := cr.Read()
		if !complete || msg != "" {
			if err == nil {
				t.Fatalf("splitCSV(%q) = complete %v, %q; encoding/csv reads %q", record, complete, msg, want)
			}
			return
		}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("splitCSV(%q) = %q; encoding/csv reads %q, %v", record, got, want, err)
		}
	})
}
