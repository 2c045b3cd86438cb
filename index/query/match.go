package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold is the case folding used for every string value, in queries and in
// the index alike: strings.ToLower. Strings that are already lower-case ASCII
// (most thing names and attribute values) come back as they are, without
// allocating. Fold works rune by rune, so it is the same as lowering each
// rune with unicode.ToLower; an invalid UTF-8 byte becomes U+FFFD.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Match reports whether s matches the pattern, ignoring case as Fold does:
// '*' matches any run of runes, '?' exactly one rune, and escaped
// metacharacters themselves. It does not allocate.
func (w *Wildcard) Match(s string) bool {
	p := w.Pattern
	pi, si := 0, 0
	// The classic single-backtrack algorithm: remember the last star and
	// where in s it started; on a mismatch, let that star eat one more rune.
	// Later stars supersede earlier ones, so one remembered star suffices
	// and the worst case is O(len(p)·len(s)).
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			pr, pw, meta := patternRune(p, pi)
			sr, sw := utf8.DecodeRuneInString(s[si:])
			switch {
			case meta && pr == '*':
				starP, starS = pi+pw, si
				pi += pw
				continue
			case meta && pr == '?' || !meta && unicode.ToLower(sr) == pr:
				pi += pw
				si += sw
				continue
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := utf8.DecodeRuneInString(s[starS:])
		starS += sw
		pi, si = starP, starS
	}
	for pi < len(p) {
		pr, pw, meta := patternRune(p, pi)
		if !meta || pr != '*' {
			return false
		}
		pi += pw
	}
	return true
}

// LiteralPrefix returns the folded literal text before the pattern's first
// unescaped metacharacter: every folded value the pattern matches starts
// with it, so an index can seek its sorted term dictionary there.
func (w *Wildcard) LiteralPrefix() string {
	var b strings.Builder
	for i := 0; i < len(w.Pattern); {
		r, width, meta := patternRune(w.Pattern, i)
		if meta {
			break
		}
		b.WriteRune(r)
		i += width
	}
	return b.String()
}

// patternRune decodes the pattern element at byte i: a metacharacter ('*'
// or '?', meta true) or a literal rune, already folded, with any escaping
// backslash consumed. A trailing lone backslash is a literal backslash.
func patternRune(p string, i int) (r rune, width int, meta bool) {
	switch c := p[i]; c {
	case '*', '?':
		return rune(c), 1, true
	case '\\':
		if i+1 < len(p) {
			r, w := utf8.DecodeRuneInString(p[i+1:])
			return unicode.ToLower(r), 1 + w, false
		}
		return '\\', 1, false
	}
	r, w := utf8.DecodeRuneInString(p[i:])
	return unicode.ToLower(r), w, false
}
