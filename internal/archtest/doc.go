// Package archtest holds the house rules as tests: which packages may import
// which, that every package has a doc comment in a doc.go, and that the pure
// packages never read the wall clock. It has no code of its own.
package archtest
