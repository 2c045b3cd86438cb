package scan

import (
	"regexp"
	"strings"
	"testing"
)

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"?", "", false},
		{"?", "é", true}, // one rune, two bytes
		{"??", "é", false},
		{"a*c", "abbbc", true},
		{"a*c", "abbbcd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*abc", "ababc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXcYb", false},
		{"ABC", "abc", true},
		{`a\*c`, "a*c", true},
		{`a\*c`, "abc", false},
		{`a\?`, "a?", true},
		{`a\?`, "ab", false},
		{`a\\`, `a\`, true},
		{`a\`, `a\`, true}, // trailing backslash is literal
		{"2.?.0", "2.1.0", true},
		{"2.?.0", "10.0.0", false},
	}
	for _, tt := range tests {
		// Values reach the matcher folded, as flatten stores them.
		if got := compileWildcard(tt.pattern).match(fold(tt.s)); got != tt.want {
			t.Errorf("match(%q, %q) = %v; want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// FuzzWildcard checks the glob matcher against a regexp built from the same
// pattern.
func FuzzWildcard(f *testing.F) {
	for _, s := range [][2]string{{"a*c", "abc"}, {"*a?b*", "xxaybzz"}, {`\**`, "*x"}, {"?é*", "aé"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		var re strings.Builder
		re.WriteString(`^(?s)`)
		rs := []rune(fold(pattern))
		for i := 0; i < len(rs); i++ {
			switch r := rs[i]; {
			case r == '\\' && i+1 < len(rs):
				i++
				re.WriteString(regexp.QuoteMeta(string(rs[i])))
			case r == '*':
				re.WriteString(`.*`)
			case r == '?':
				re.WriteString(`.`)
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString(`$`)
		s = fold(s)
		// regexp works on UTF-8; give both sides the same runes.
		s = string([]rune(s))
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := compileWildcard(pattern).match(s); got != want {
			t.Errorf("match(%q, %q) = %v; regexp %s says %v", pattern, s, got, re.String(), want)
		}
	})
}
