package bulkinput

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll renders every record as "line: k=v k=v" (keys sorted by fmt) or
// "line: error message", and a read error as "read error: ...".
func readAll(t *testing.T, input string, opts Options) (Format, []string) {
	t.Helper()
	r := NewReader(strings.NewReader(input), opts)
	var out []string
	for rec, err := range r.All() {
		if err != nil {
			out = append(out, "read error: "+err.Error())
			break
		}
		if rec.Err != nil {
			if rec.Parameters != nil || rec.Err.Code != ErrorCodeInvalidInput {
				t.Errorf("line %d: error record %+v has parameters or a wrong code", rec.Line, rec)
			}
			out = append(out, fmt.Sprintf("%d: error %s", rec.Line, rec.Err.Message))
			continue
		}
		out = append(out, fmt.Sprintf("%d: %v", rec.Line, rec.Parameters))
	}
	return r.Format(), out
}

func TestJSONLines(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"aws example", `{"ThingName": "foo", "SerialNumber": "123", "CSR": "csr1"}` + "\n" +
			`{"ThingName": "bar", "SerialNumber": "456", "CSR": "csr2"}` + "\n",
			[]string{"1: map[CSR:csr1 SerialNumber:123 ThingName:foo]", "2: map[CSR:csr2 SerialNumber:456 ThingName:bar]"}},
		{"no final newline, CRLF, BOM, blank lines", "\ufeff{\"a\":\"1\"}\r\n\r\n  \t\r\n{\"a\":\"2\"}",
			[]string{"1: map[a:1]", "4: map[a:2]"}},
		{"leading blank lines", "\n\n  {\"a\":\"x\"}\n",
			[]string{"3: map[a:x]"}},
		{"scalars as literal text", `{"n": 12, "f": -1.5e3, "z": 0, "t": true, "b": false, "s": ""}`,
			[]string{"1: map[b:false f:-1.5e3 n:12 s: t:true z:0]"}},
		{"escapes and unicode", `{"pem": "-----BEGIN-----\nAB\u00e9\"q\"", "ü": "ñ"}`,
			[]string{"1: map[pem:-----BEGIN-----\nABé\"q\" ü:ñ]"}},
		{"empty object", `{}`, []string{"1: map[]"}},
		{"bad lines mixed with good ones",
			`{"a": "1"}` + "\n" +
				`{"a": {"nested": 1}}` + "\n" +
				`{"a": [1]}` + "\n" +
				`{"a": null}` + "\n" +
				`{"a": "1", "a": "2"}` + "\n" +
				"\n" +
				`{"a": "1"} {"b": 2}` + "\n" +
				`{"a": 01}` + "\n" +
				`{"a": "unterminated}` + "\n" +
				`ThingName,Serial` + "\n" +
				`{"a" "x"}` + "\n" +
				`{"a": "x",}` + "\n" +
				`{"a": tru}` + "\n" +
				"{\"a\": \"tab\tinside\"}\n" +
				`{"a": "\x"}` + "\n" +
				`{"a": "2"}`,
			[]string{
				"1: map[a:1]",
				`2: error invalid JSON at column 7: the value of "a" is an object or array; parameters are strings`,
				`3: error invalid JSON at column 7: the value of "a" is an object or array; parameters are strings`,
				`4: error invalid JSON at column 7: the value of "a" is null; parameters are strings`,
				`5: error invalid JSON at column 12: duplicate key "a"`,
				"7: error invalid JSON at column 12: unexpected data after the object",
				`8: error invalid JSON at column 8: expected ',' or '}' after the value of "a"`,
				"9: error invalid JSON at column 7: unterminated string",
				"10: error invalid JSON at column 1: expected a JSON object",
				`11: error invalid JSON at column 6: expected ':' after key "a"`,
				"12: error invalid JSON at column 11: expected a string",
				`13: error invalid JSON at column 7: invalid value for "a"`,
				"14: error invalid JSON at column 11: control character in string",
				"15: error invalid JSON at column 7: invalid string: invalid character 'x' in string escape code",
				"16: map[a:2]",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, got := readAll(t, tt.input, Options{})
			if format != FormatJSONLines {
				t.Errorf("Format() = %v; want JSON lines", format)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"simple", "ThingName,SerialNumber\nfoo,123\nbar,456\n",
			[]string{"2: map[SerialNumber:123 ThingName:foo]", "3: map[SerialNumber:456 ThingName:bar]"}},
		{"BOM, CRLF, blank lines", "\ufeffThingName,Serial\r\n\r\nfoo,1\r\n   \r\nbar,2",
			[]string{"3: map[Serial:1 ThingName:foo]", "5: map[Serial:2 ThingName:bar]"}},
		{"quoted commas and quotes", "ThingName,Note\n\"a,b\",\"say \"\"hi\"\"\"\n\"\",x\n",
			[]string{`2: map[Note:say "hi" ThingName:a,b]`, "3: map[Note:x]"}},
		{"empty cells are left out", "A,B,C\n,,\nx,,z\n",
			[]string{"2: map[]", "3: map[A:x C:z]"}},
		{"quoted field over several lines", "ThingName,CSR\r\nfoo,\"-----BEGIN-----\r\nMIIB\r\n-----END-----\"\r\nbar,x\r\n",
			[]string{"2: map[CSR:-----BEGIN-----\nMIIB\n-----END----- ThingName:foo]", "5: map[CSR:x ThingName:bar]"}},
		{"quoted header", "\"Thing Name\",\"Serial\"\nfoo,1\n",
			[]string{"2: map[Serial:1 Thing Name:foo]"}},
		{"spaces are kept", "A, B\n x , y \n",
			[]string{"2: map[ B: y  A: x ]"}},
		{"bad lines mixed with good ones",
			"ThingName,Serial\n" +
				"foo,1\n" +
				"only-one\n" +
				"a,b,c\n" +
				"ba\"d,1\n" +
				"\"x\"y,1\n" +
				"bar,2\n" +
				"\n" +
				"\"open,3\n" +
				"still open\"\n" +
				"baz,3\n",
			[]string{
				"2: map[Serial:1 ThingName:foo]",
				"3: error 1 fields, the header on line 1 has 2",
				"4: error 3 fields, the header on line 1 has 2",
				`5: error column 3: bare " in a non-quoted field`,
				`6: error column 4: extraneous or missing " in a quoted field`,
				"7: map[Serial:2 ThingName:bar]",
				"9: error 1 fields, the header on line 1 has 2",
				"11: map[Serial:3 ThingName:baz]",
			}},
		{"unterminated quote at the end", "A,B\nx,\"open\nmore\n",
			[]string{"2: error quoted field not closed before the end of the input"}},
		{"duplicate header", "A,B,A\nx,y,z\n\n1,2,3\n",
			[]string{`1: error CSV header: duplicate column "A"`, "2: error no usable CSV header (line 1 is invalid)", "4: error no usable CSV header (line 1 is invalid)"}},
		{"empty header name", "A,,C\nx,y,z\n",
			[]string{"1: error CSV header: column 2 has no name", "2: error no usable CSV header (line 1 is invalid)"}},
		{"header only", "A,B\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, got := readAll(t, tt.input, Options{})
			if format != FormatCSV {
				t.Errorf("Format() = %v; want CSV", format)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyInput(t *testing.T) {
	for _, input := range []string{"", "\n\n", "\ufeff", " \r\n\t\n"} {
		format, got := readAll(t, input, Options{})
		if format != FormatUnknown || len(got) != 0 {
			t.Errorf("read %q = %v, %v; want no records", input, format, got)
		}
	}
}

func TestLineLimit(t *testing.T) {
	long := `{"a": "` + strings.Repeat("x", 100) + `"}`
	exact := `{"a": "` + strings.Repeat("y", 32-9) + `"}` // 32 bytes
	input := `{"a": "1"}` + "\n" + long + "\r\n" + exact + "\r\n" + `{"a": "2"}` + "\n"
	_, got := readAll(t, input, Options{MaxLineBytes: 32})
	want := []string{
		"1: map[a:1]",
		"2: error line is longer than 32 bytes",
		"3: map[a:" + strings.Repeat("y", 23) + "]",
		"4: map[a:2]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	// A line far beyond bufio's buffer, with the default limit.
	huge := "A\n" + strings.Repeat("z", 200<<10) + "\nok\n"
	_, got = readAll(t, huge, Options{})
	want = []string{"2: error line is longer than 65536 bytes", "3: map[A:ok]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	// A quoted CSV record that grows past the limit across lines.
	csv := "A\n\"" + strings.Repeat("w\n", 20) + "\"\nnext\n"
	_, got = readAll(t, csv, Options{MaxLineBytes: 16})
	if len(got) == 0 || got[0] != "2: error record is longer than 16 bytes" {
		t.Errorf("records = %q; want line 2 too long first", got)
	}
}

// failingReader returns its data, then an error.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorIsWholeFileError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(&failingReader{data: "{\"a\":\"1\"}\n{\"a\":", err: boom}, Options{})
	rec, err := r.Next()
	if err != nil || rec.Line != 1 || rec.Parameters["a"] != "1" {
		t.Fatalf("Next() = %+v, %v; want line 1", rec, err)
	}
	for range 2 { // sticky
		if _, err := r.Next(); !errors.Is(err, boom) || errors.Is(err, io.EOF) {
			t.Fatalf("Next() = %v; want the read error wrapped", err)
		}
	}
}
