package query

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParse checks, for any input: no panic; an error is an *Error whose
// position lies within the query and agrees with its line and column; a
// parsed query prints to a string that parses back to the same AST, and
// printing that again gives the same string.
func FuzzParse(f *testing.F) {
	for _, path := range goldenFiles(f) {
		for _, c := range readGolden(f, path).cases {
			if q, _, err := c.query(); err == nil {
				f.Add(q)
			}
		}
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, lim := range []Limits{DefaultLimits(), {}} {
			n, err := ParseWithLimits(q, lim)
			if err != nil {
				checkError(t, q, err)
				continue
			}
			checkRoundTrip(t, q, n)
			if CountTerms(n) < 1 {
				t.Errorf("Parse(%q): no terms", q)
			}
			_ = Fields(n)
			_ = Dump(n)
		}
	})
}

func checkError(t *testing.T, q string, err error) {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("Parse(%q) error %T is not an *Error: %v", q, err, err)
	}
	if qe.Pos < 0 || int(qe.Pos) > len(q) {
		t.Errorf("Parse(%q) error position %d is outside [0, %d]: %v", q, qe.Pos, len(q), err)
	}
	if line, col := lineCol(q, qe.Pos); line != qe.Line || col != qe.Col || line < 1 || col < 1 {
		t.Errorf("Parse(%q) error at %d says %d:%d; want %d:%d", q, qe.Pos, qe.Line, qe.Col, line, col)
	}
	if qe.Msg == "" {
		t.Errorf("Parse(%q) error has no message", q)
	}
}

// FuzzWildcardMatch holds Match against an oracle: a regular expression
// built from the folded pattern, run on the folded string.
func FuzzWildcardMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"tv*", "TV-1"}, {"my?hing", "myThing"}, {`a\*b*`, "a*bc"}, {"*a*a*b", "aaaaab"},
		{"?", "ü"}, {`\\?`, `\x`}, {"İ*", "i̇x"}, {"K*", "\u212a"}, {"*\uFFFD", "a\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		w := &Wildcard{Pattern: pattern}
		got := w.Match(s)
		re := regexp.MustCompile(oracleRegexp(pattern))
		if want := re.MatchString(Fold(s)); got != want {
			t.Errorf("Wildcard{%q}.Match(%q) = %v; oracle %s says %v", pattern, s, got, re, want)
		}
		if got && !strings.HasPrefix(Fold(s), w.LiteralPrefix()) {
			t.Errorf("Wildcard{%q} matches %q, whose folded form lacks LiteralPrefix %q", pattern, s, w.LiteralPrefix())
		}
	})
}

func oracleRegexp(p string) string {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(p); {
		r, w, meta := patternRune(p, i)
		i += w
		switch {
		case meta && r == '*':
			b.WriteString(".*")
		case meta:
			b.WriteString(".")
		default:
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			b.WriteString(regexp.QuoteMeta(string(unicode.ToLower(r))))
		}
	}
	b.WriteString("$")
	return b.String()
}
