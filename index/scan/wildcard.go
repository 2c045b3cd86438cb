package scan

// This is the scan's own wildcard matcher, written independently of the
// query package and the index so that a bug in one is not silently shared
// by the oracle it is tested against.

// wildOp is one element of a compiled wildcard pattern.
type wildOp struct {
	kind wildKind
	r    rune // wildLiteral only
}

type wildKind uint8

const (
	wildLiteral wildKind = iota // one rune, exactly
	wildOne                     // '?': exactly one rune
	wildAny                     // '*': any run of runes, also empty
)

// wildcard is a compiled pattern over case-folded runes.
type wildcard []wildOp

// compileWildcard folds pattern and splits it into runes. A backslash makes
// the next rune literal; a trailing lone backslash is a literal backslash.
func compileWildcard(pattern string) wildcard {
	rs := []rune(fold(pattern))
	var w wildcard
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			w = append(w, wildOp{kind: wildLiteral, r: rs[i]})
		case r == '*':
			w = append(w, wildOp{kind: wildAny})
		case r == '?':
			w = append(w, wildOp{kind: wildOne})
		default:
			w = append(w, wildOp{kind: wildLiteral, r: r})
		}
	}
	return w
}

// match reports whether the folded string s matches the whole pattern.
// It is the classic two-pointer glob match: on a mismatch, go back to the
// last '*' and let it swallow one more rune. That is enough (no deeper
// backtracking) because a later '*' can absorb anything an earlier one
// would have.
func (w wildcard) match(s string) bool {
	rs := []rune(s)
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for si < len(rs) {
		if pi < len(w) {
			switch op := w[pi]; op.kind {
			case wildAny:
				starPi, starSi = pi, si
				pi++
				continue
			case wildOne:
				pi++
				si++
				continue
			case wildLiteral:
				if op.r == rs[si] {
					pi++
					si++
					continue
				}
			}
		}
		if starPi < 0 {
			return false
		}
		starSi++
		pi, si = starPi+1, starSi
	}
	for pi < len(w) && w[pi].kind == wildAny {
		pi++
	}
	return pi == len(w)
}
