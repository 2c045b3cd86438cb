package query

import (
	"fmt"
	"unicode/utf8"
)

// Limits bounds what a query may ask for. The defaults are AWS's; the index
// exposes them as settings so that benchmarks can lift them. A zero field
// (or negative) means "no limit", so Limits{} parses anything the grammar
// accepts.
type Limits struct {
	// MaxTerms bounds the leaves of the query: terms, phrases, wildcards,
	// ranges (and comparisons), field:* and a bare *.
	MaxTerms int
	// MaxQueryBytes bounds the length of the query string in bytes.
	MaxQueryBytes int
	// MaxLeadingWildcards bounds the wildcards whose pattern starts with
	// '*' or '?' ("thingName:*tv"); f:* and a bare * do not count.
	MaxLeadingWildcards int
	// MaxLeadingWildcardQueryChars bounds the length, in characters (runes),
	// of a query that has a leading wildcard.
	MaxLeadingWildcardQueryChars int
}

// DefaultLimits returns AWS's limits: 12 terms, 1000 bytes, one leading
// wildcard, and then at most 100 characters.
func DefaultLimits() Limits {
	return Limits{
		MaxTerms:                     12,
		MaxQueryBytes:                1000,
		MaxLeadingWildcards:          1,
		MaxLeadingWildcardQueryChars: 100,
	}
}

// check applies the limits that need the AST; the byte limit is applied
// before parsing so a huge query costs nothing.
func (l Limits) check(src string, n Node) *Error {
	if l.MaxTerms > 0 {
		if c := CountTerms(n); c > l.MaxTerms {
			return errorf(0, "query has %d terms; at most %s allowed", c, atMost(l.MaxTerms))
		}
	}
	leading := leadingWildcards(n, nil)
	if l.MaxLeadingWildcards > 0 && len(leading) > l.MaxLeadingWildcards {
		return errorf(leading[l.MaxLeadingWildcards],
			"query has %d terms that start with a wildcard; at most %s allowed", len(leading), atMost(l.MaxLeadingWildcards))
	}
	if len(leading) > 0 && l.MaxLeadingWildcardQueryChars > 0 {
		if c := utf8.RuneCountInString(src); c > l.MaxLeadingWildcardQueryChars {
			return errorf(leading[0], "a query with a leading wildcard may be at most %d characters; this one has %d",
				l.MaxLeadingWildcardQueryChars, c)
		}
	}
	return nil
}

func atMost(n int) string {
	if n == 1 {
		return "1 is"
	}
	return fmt.Sprintf("%d are", n)
}

// leadingWildcards appends the positions of wildcards that start with a
// metacharacter, in query order.
func leadingWildcards(n Node, acc []Pos) []Pos {
	walk(n, func(n Node) {
		if w, ok := n.(*Wildcard); ok && w.Pattern != "" && (w.Pattern[0] == '*' || w.Pattern[0] == '?') {
			acc = append(acc, w.At)
		}
	})
	return acc
}
