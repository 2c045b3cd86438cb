package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		q    string
		want Node
	}{
		{"thingName:myThingName*", &Wildcard{At: 0, Field: "thingName", Pattern: "myThingName*"}},
		{"thingName:(tv* AND -plasma)", &And{At: 0, Clauses: []Node{
			&Wildcard{At: 11, Field: "thingName", Pattern: "tv*"},
			&Not{At: 19, X: &Term{At: 20, Field: "thingName", Value: "plasma"}},
		}}},
		{"attributes.myAttribute:{75 TO 80]", &Range{Field: "attributes.myAttribute",
			Lower: &Bound{Value: "75"}, Upper: &Bound{Value: "80"}, IncludeUpper: true}},
		{"a.b >= 5", &Range{Field: "a.b", Lower: &Bound{Value: "5"}, IncludeLower: true}},
		{"a.b<=5", &Range{Field: "a.b", Upper: &Bound{Value: "5"}, IncludeUpper: true}},
		{`a.b > "x y"`, &Range{Field: "a.b", Lower: &Bound{Value: "x y", Quoted: true}}},
		{"f:[* TO *]", &Range{Field: "f"}},
		{"f:*", &Exists{Field: "f"}},
		{"*", &MatchAll{}},
		{`f:"a \"b\""`, &Term{Field: "f", Value: `a "b"`, Quoted: true}},
		{`f:a\ b`, &Term{Field: "f", Value: "a b"}},
		{"f:a:b", &Term{Field: "f", Value: "a:b"}},
		{"a NOT b", &And{Clauses: []Node{&Term{Value: "a"}, &Not{At: 2, X: &Term{At: 6, Value: "b"}}}}},
		{"a OR b c", &Or{Clauses: []Node{&Term{Value: "a"}, &And{At: 5, Clauses: []Node{&Term{At: 5, Value: "b"}, &Term{At: 7, Value: "c"}}}}}},
		{"a AND (b AND c)", &And{Clauses: []Node{&Term{Value: "a"},
			&And{At: 7, Clauses: []Node{&Term{At: 7, Value: "b"}, &Term{At: 13, Value: "c"}}}}}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.q, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.q, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		{"", "1:1: empty query"},
		{"AND x", "1:1: unexpected AND, expected a term"},
		{`abc "def`, "1:5: unterminated quoted phrase"},
		{"attr:[10 20]", "1:10: expected TO in range"},
		{"connectivity.connected:true AND thingName:", "1:43: expected a value after ':'"},
		{"a b c d e f g h i j k l m", "1:1: query has 13 terms; at most 12 are allowed"},
		{"(a", "1:3: unexpected end of query, expected ')' to close the '(' at 1:1"},
		{"a\n  \"x", "2:3: unterminated quoted phrase"},
		{"ü ü )", "1:5: unexpected ')' without a matching '('"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.q)
		if err == nil {
			t.Errorf("Parse(%q) = %v; want error %q", tt.q, n, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%q) error = %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestErrorType(t *testing.T) {
	_, err := Parse("a\nb AND")
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("Parse error %T is not an *Error", err)
	}
	want := &Error{Pos: 7, Line: 2, Col: 6, Msg: "unexpected end of query, expected a term after AND"}
	if diff := cmp.Diff(want, qe); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if got := qe.Code(); got != "InvalidQueryException" {
		t.Errorf("Code() = %q; want InvalidQueryException", got)
	}
}

func TestLimitsZeroMeansNone(t *testing.T) {
	q := "thingName:*a OR thingName:*b OR " + strings.Repeat("x ", 600)
	if _, err := ParseWithLimits(q, Limits{}); err != nil {
		t.Errorf("ParseWithLimits(%d-byte query, Limits{}) error: %v", len(q), err)
	}
	if _, err := Parse(q); err == nil {
		t.Errorf("Parse(%d-byte query) succeeded; want a limit error", len(q))
	}
}

func TestNeverTooDeep(t *testing.T) {
	for _, q := range []string{
		strings.Repeat("(", 100000),
		strings.Repeat("NOT ", 100000) + "a",
		strings.Repeat("-", 100000) + "a",
		"f:" + strings.Repeat("(", 100000),
	} {
		_, err := ParseWithLimits(q, Limits{})
		if err == nil || !strings.Contains(err.Error(), "nests more than 64 levels") {
			t.Errorf("ParseWithLimits(%.20q...) error = %v; want a nesting error", q, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		n    Node
		want string
	}{
		{&Term{Field: "f", Value: "a b"}, `f:a\ b`},
		{&Term{Value: "-5"}, `\-5`},
		{&Term{Field: "f", Value: "-5"}, `f:-5`},
		{&Term{Value: "a:b"}, `a\:b`},
		{&Term{Field: "f", Value: "a:b"}, `f:a:b`},
		{&Term{Field: "f", Value: "AND"}, `f:\AND`},
		{&Term{Field: "f", Value: "TO"}, `f:\TO`},
		{&Term{Field: "f", Value: ""}, `f:""`},
		{&Term{Field: "f", Value: "*"}, `f:\*`},
		{&Term{Field: "f", Value: `a"b\c`, Quoted: true}, `f:"a\"b\\c"`},
		{&Term{Field: "f", Value: "(x)[y]{z}<=>?"}, `f:\(x\)\[y\]\{z\}\<\=\>\?`},
		{&Wildcard{Field: "f", Pattern: `a b\*c*`}, `f:a\ b\*c*`},
		{&Wildcard{Pattern: `-a*`}, `\-a*`},
		{&Range{Field: "f", Upper: &Bound{Value: "5"}}, "f:{* TO 5}"},
		{&Range{Field: "f", Upper: &Bound{Value: "5"}, IncludeUpper: true}, "f:[* TO 5]"},
		{&Range{Field: "f", Lower: &Bound{Value: "5"}}, "f:{5 TO *}"},
		{&Range{Field: "f", Lower: &Bound{Value: "TO"}, Upper: &Bound{Value: "*"}, IncludeLower: true}, `f:[\TO TO \*}`},
		{&Not{X: &And{Clauses: []Node{&Term{Value: "a"}, &Term{Value: "b"}}}}, "NOT (a AND b)"},
		{&Or{Clauses: []Node{&Or{Clauses: []Node{&Term{Value: "a"}, &Term{Value: "b"}}}, &MatchAll{}}}, "(a OR b) OR *"},
		{&Exists{Field: "f"}, "f:*"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := String(tt.n); got != tt.want {
			t.Errorf("String(%#v) = %q; want %q", tt.n, got, tt.want)
		}
		if tt.n == nil {
			continue
		}
		if got := tt.n.(interface{ String() string }).String(); got != tt.want {
			t.Errorf("(%T).String() = %q; want %q", tt.n, got, tt.want)
		}
		if tt.want != `f:""` { // an unquoted empty value has no spelling of its own
			checkRoundTrip(t, tt.want, tt.n)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"tv*", "tv", true},
		{"tv*", "TV-42", true},
		{"tv*", "atv", false},
		{"*tv", "smartTV", true},
		{"my?hing", "myThing", true},
		{"my?hing", "myhing", false},
		{"my?hing", "myTThing", false},
		{"?", "ü", true}, // one rune, two bytes
		{"??", "ü", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\?*`, "a?zz", true},
		{`a\\*`, `a\x`, true},
		{"ZÜRICH*", "zürich-1", true},
		{"*", "", true},
		{"?", "", false},
		{"", "", true},
		{"", "a", false},
		{"a*", "\xffa", false},
		{"*\uFFFD", "a\xff", true}, // invalid UTF-8 folds to U+FFFD, as in Fold
	}
	for _, tt := range tests {
		w := &Wildcard{Pattern: tt.pattern}
		if got := w.Match(tt.s); got != tt.want {
			t.Errorf("Wildcard{%q}.Match(%q) = %v; want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestWildcardMatchAllocs(t *testing.T) {
	w := &Wildcard{Pattern: "Tv*X?z"}
	if n := testing.AllocsPerRun(100, func() { w.Match("tv-living-room-xyz") }); n != 0 {
		t.Errorf("Match allocates %v times per call; want 0", n)
	}
}

func TestLiteralPrefix(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"MyThing*", "mything"},
		{"my?hing", "my"},
		{"*tv", ""},
		{`a\*B*`, "a*b"},
		{`a\\b?`, `a\b`},
		{"ZÜRICH?", "zürich"},
		{"abc", "abc"},
	}
	for _, tt := range tests {
		if got := (&Wildcard{Pattern: tt.pattern}).LiteralPrefix(); got != tt.want {
			t.Errorf("Wildcard{%q}.LiteralPrefix() = %q; want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ s, want string }{
		{"abc", "abc"},
		{"ABC-1", "abc-1"},
		{"Zürich", "zürich"},
		{"ÄÖÜ", "äöü"},
		{"", ""},
		{"a\xffB", "a\uFFFDb"},
	}
	for _, tt := range tests {
		if got := Fold(tt.s); got != tt.want {
			t.Errorf("Fold(%q) = %q; want %q", tt.s, got, tt.want)
		}
		if got, want := Fold(tt.s), strings.ToLower(tt.s); got != want {
			t.Errorf("Fold(%q) = %q; strings.ToLower gives %q", tt.s, got, want)
		}
	}
	s := strings.Repeat("thing-42.", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Fold(s) }); n != 0 {
		t.Errorf("Fold of lower-case ASCII allocates %v times; want 0", n)
	}
}

func TestFieldsAndCountTerms(t *testing.T) {
	tests := []struct {
		q      string
		fields []string
		terms  int
	}{
		{"abc", nil, 1},
		{"*", nil, 1},
		{"thingName:(a OR b*) AND attributes.x>5 NOT attributes.y:* abc", []string{"thingName", "attributes.x", "attributes.y"}, 5},
		{"b:1 a:[1 TO 2] b:2", []string{"b", "a"}, 3},
	}
	for _, tt := range tests {
		n, err := Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.q, err)
		}
		if got := Fields(n); !cmp.Equal(got, tt.fields) {
			t.Errorf("Fields(Parse(%q)) = %q; want %q", tt.q, got, tt.fields)
		}
		if got := CountTerms(n); got != tt.terms {
			t.Errorf("CountTerms(Parse(%q)) = %d; want %d", tt.q, got, tt.terms)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		s    string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"-1.5e3", -1500, true},
		{"1557651600000", 1557651600000, true},
		{"00123", 0, false},
		{"1.", 0, false},
		{"2.1.0", 0, false},
		{"1e400", 0, false},
		{"", 0, false},
		{"-", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.s)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tt.s, got, ok, tt.want, tt.ok)
		}
	}
}
