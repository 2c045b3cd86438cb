package index

import (
	"strconv"
	"strings"
)

// CompareVersions orders version strings the way people read them:
// "2.10.0" > "2.9.1" > "2.9" and "1.0.0-rc1" < "1.0.0". A leading "v" is
// ignored; dot-separated parts compare numerically when both are numbers,
// as case-folded strings otherwise; a pre-release suffix after '-' sorts
// before the release. It is the comparison of fields declared with the
// Version type, never the default (AWS compares strings lexically).
func CompareVersions(a, b string) int {
	a, b = strings.ToLower(strings.TrimPrefix(a, "v")), strings.ToLower(strings.TrimPrefix(b, "v"))
	aCore, aPre, aHasPre := strings.Cut(a, "-")
	bCore, bPre, bHasPre := strings.Cut(b, "-")
	if c := compareDotted(aCore, bCore); c != 0 {
		return c
	}
	switch {
	case aHasPre && !bHasPre:
		return -1
	case !aHasPre && bHasPre:
		return 1
	}
	return compareDotted(aPre, bPre)
}

func compareDotted(a, b string) int {
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(ap), len(bp)); i++ {
		if i >= len(ap) {
			return -1
		}
		if i >= len(bp) {
			return 1
		}
		x, errX := strconv.ParseUint(ap[i], 10, 64)
		y, errY := strconv.ParseUint(bp[i], 10, 64)
		switch {
		case errX == nil && errY == nil:
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		case errX == nil: // numbers sort before words
			return -1
		case errY == nil:
			return 1
		default:
			if c := strings.Compare(ap[i], bp[i]); c != 0 {
				return c
			}
		}
	}
	return 0
}
