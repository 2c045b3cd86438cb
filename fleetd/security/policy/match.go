package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxStackVars is how many variables one pattern may hold before matching
// it allocates; policies use one or two per resource.
const maxStackVars = 8

// match reports whether s matches p in ctx. resolved is false when a
// variable of p does not resolve; matched is then false too, and callers
// decide what an unresolved entry means (see Set.Evaluate). fold makes
// literal text match case-insensitively, for actions and *IgnoreCase.
func (p *pattern) match(s string, ctx *Context, fold bool) (matched, resolved bool) {
	switch p.kind {
	case patAny:
		return true, true
	case patLiteral:
		if fold {
			return strings.EqualFold(s, p.text), true
		}
		return s == p.text, true
	case patPrefix:
		_, ok := matchPrefix(s, p.text, fold)
		return ok, true
	}
	var stack [maxStackVars]string
	values := stack[:0]
	if p.nvars > maxStackVars {
		values = make([]string, 0, p.nvars)
	}
	for i := range p.tokens {
		if p.tokens[i].kind != tokVar {
			continue
		}
		v, ok := p.tokens[i].ref.resolve(ctx)
		if !ok {
			return false, false
		}
		values = append(values, v)
	}
	return globMatch(p.tokens, values, s, fold), true
}

// globMatch matches s against tokens, values holding the resolved text of
// the variable tokens by slot. It is the classic wildcard algorithm: match
// greedily and, on a mismatch, let the last * swallow one more character.
// Only the last * needs revisiting, so the cost is O(len(s)·len(tokens)).
func globMatch(tokens []token, values []string, s string, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(tokens) {
			t := &tokens[ti]
			switch t.kind {
			case tokStar:
				if ti == len(tokens)-1 {
					return true
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokLiteral, tokVar:
				text := t.text
				if t.kind == tokVar {
					text = values[t.slot]
				}
				if n, ok := matchPrefix(s[si:], text, fold); ok {
					si += n
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}

// matchPrefix reports whether s starts with prefix and how many bytes of s
// it covers (which differs from len(prefix) only under case folding).
func matchPrefix(s, prefix string, fold bool) (int, bool) {
	if !fold {
		return len(prefix), strings.HasPrefix(s, prefix)
	}
	i := 0
	for _, pr := range prefix {
		if i >= len(s) {
			return 0, false
		}
		sr, n := rune(s[i]), 1
		if sr >= utf8.RuneSelf {
			sr, n = utf8.DecodeRuneInString(s[i:])
		}
		if sr != pr && !equalFoldRune(sr, pr) {
			return 0, false
		}
		i += n
	}
	return i, true
}

// equalFoldRune is strings.EqualFold for one pair of runes.
func equalFoldRune(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return a == b
}
