package scan

import "strings"

// kind is the type of one indexed value. A field may hold values of several
// kinds at once: a numeric-looking attribute is both a string and a number.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindBool
)

// value is one indexed value of a field. Strings are stored case-folded,
// because every string comparison of the query language (terms, wildcards,
// lexicographic ranges) is on folded strings; folding once at flatten time
// keeps the leaves simple.
type value struct {
	kind kind
	str  string // folded; kindString only
	num  float64
	b    bool
	// numericText marks the string side of a numeric-looking attribute:
	// against number bounds the attribute compares as its number.
	numericText bool
}

func stringValue(s string) value  { return value{kind: kindString, str: fold(s)} }
func numberValue(f float64) value { return value{kind: kindNumber, num: f} }
func boolValue(b bool) value      { return value{kind: kindBool, b: b} }

// fold is the case folding of the query language. It is strings.ToLower and
// nothing cleverer, so that every evaluator can reproduce it exactly.
func fold(s string) string { return strings.ToLower(s) }
