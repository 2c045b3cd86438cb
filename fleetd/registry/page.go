package registry

import (
	"encoding/base64"
	"slices"
	"strings"
)

// Pagination. Every list is in name order (byte-wise) and a nextToken is
// the opaque encoding of (list, last name returned): the next page starts
// after that name, so tokens stay valid while things are created or
// deleted, never repeat an item and never skip one that existed for the
// whole walk. The same state and request give the same token.

const tokenMagic = "fl1"

func encodeToken(list, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenMagic + "\x00" + list + "\x00" + last))
}

// decodeToken returns the name a page starts after ("" for the first page).
func decodeToken(list, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		parts := strings.SplitN(string(b), "\x00", 3)
		if len(parts) == 3 && parts[0] == tokenMagic && parts[1] == list && parts[2] != "" {
			return parts[2], nil
		}
	}
	return "", invalid("The pagination token %s is not valid for this request.", tok)
}

// limit returns the page size for a maxResults already checked by the
// checker (0 = absent).
func limit(maxResults int) int {
	if maxResults == 0 {
		return DefaultMaxResults
	}
	return maxResults
}

// startAfter is the index of the first name in sorted greater than after.
func startAfter(sorted []string, after string) int {
	if after == "" {
		return 0
	}
	i, found := slices.BinarySearch(sorted, after)
	if found {
		i++
	}
	return i
}

// page walks sorted from after, keeping the items keep accepts, up to max.
// It returns the items and the next token ("" on the last page).
func page[T any](list string, sorted []string, after string, max int, keep func(string) (T, bool)) ([]T, string) {
	items := make([]T, 0, min(max, len(sorted)))
	last := ""
	for _, n := range sorted[startAfter(sorted, after):] {
		v, ok := keep(n)
		if !ok {
			continue
		}
		if len(items) == max {
			return items, encodeToken(list, last)
		}
		items = append(items, v)
		last = n
	}
	return items, ""
}

// mergePage pages through the union of several sorted name lists.
func mergePage(list string, lists [][]string, after string, max int) ([]string, string) {
	if len(lists) == 1 {
		return page(list, lists[0], after, max, func(n string) (string, bool) { return n, true })
	}
	// Each list contributes at most max+1 names past the cursor: any name
	// among the first max+1 of the union is among the first max+1 of its
	// own list.
	var cand []string
	for _, l := range lists {
		i := startAfter(l, after)
		cand = append(cand, l[i:min(len(l), i+max+1)]...)
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	if len(cand) > max {
		return cand[:max:max], encodeToken(list, cand[max-1])
	}
	if cand == nil {
		cand = []string{}
	}
	return cand, ""
}
