package query

import (
	"strings"
	"unicode"
)

// isSpace reports whether r separates words. AWS splits queries the way
// Java's Character.isWhitespace does: the Unicode space, line and paragraph
// separators except the non-breaking ones, plus \t \n \v \f \r and \x1c-\x1f.
// Following it exactly keeps "a\u00a0b" one word, as on AWS.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	case 0xa0, 0x2007, 0x202f:
		return false
	}
	return r > 0x7f && (unicode.Is(unicode.Zs, r) || r == 0x2028 || r == 0x2029)
}

// unsupportedRunes are characters AWS lists as not supported in queries
// (` @ # % ' ; ,) and the fuzzy and boost operators (~ ^): an unescaped
// one is an InvalidQueryException rather than a term that silently
// matches nothing. AWS lists '/' too, but ARNs in attribute values are
// searched with it, so it stays a term character.
const unsupportedRunes = "`@#%';,~^"

// fieldSpecials are the characters a field name cannot contain, besides
// whitespace. '-' '.' '$' '_' and letters are all allowed, so
// shadow.name.my$shadow.desired.x and us-east-1 style names work.
const fieldSpecials = `:()[]{}"\<>=*?`

// isFieldRune reports whether r may appear in a field name.
func isFieldRune(r rune) bool {
	return r != eof && !isSpace(r) && !strings.ContainsRune(fieldSpecials, r)
}

// isKeyword reports whether a raw (still escaped) word is an operator. Only
// the upper-case spellings are keywords: "and" is an ordinary term, and
// `\AND` is the term "AND".
func isKeyword(raw string) bool {
	return raw == "AND" || raw == "OR" || raw == "NOT"
}

// hasWildcard reports whether a raw word has an unescaped '*' or '?', which
// makes it a Wildcard rather than a Term.
func hasWildcard(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++ // skip the escaped byte; multi-byte runes never contain '*', '?' or '\\'
		case '*', '?':
			return true
		}
	}
	return false
}

// unescape removes the backslashes of a raw word: `\x` is x for any x.
func unescape(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// wildcardPattern turns a raw word into a Wildcard.Pattern: escapes of the
// pattern's own metacharacters (* ? \) stay, so they remain literal; every
// other escape has done its job in the lexer and is dropped.
func wildcardPattern(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
			if c := raw[i]; c == '*' || c == '?' || c == '\\' {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}
