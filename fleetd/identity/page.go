package identity

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Pagination. Certificates, CA certificates and policies are listed in
// creation order (newest first unless isAscendingOrder=true); a marker
// encodes the list and the creation sequence of the last item returned, so
// walks survive concurrent creates and deletes. Name lists (policy
// targets, thing principals, principal things) are in byte-wise order and
// their tokens hold the last name. Markers use standard base64, the
// model's pattern for them; the same state gives the same marker.

const tokenMagic = "id1"

func encodeToken(list, last string) string {
	return base64.StdEncoding.EncodeToString([]byte(tokenMagic + "\x00" + list + "\x00" + last))
}

func decodeToken(list, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err == nil {
		parts := strings.SplitN(string(b), "\x00", 3)
		if len(parts) == 3 && parts[0] == tokenMagic && parts[1] == list && parts[2] != "" {
			return parts[2], nil
		}
	}
	return "", invalid("The pagination token %s is not valid for this request.", tok)
}

func pageSize(size *int, def int) int {
	if size == nil || *size <= 0 {
		return def
	}
	return *size
}

// pageBySeq pages through items sorted by ascending seq, in the order
// asked, keeping what keep accepts.
func pageBySeq[T, R any](list string, items []T, seqOf func(T) uint64, marker string, size int, ascending bool,
	keep func(T) (R, bool)) ([]R, string, error) {
	lastTok, err := decodeToken(list, marker)
	if err != nil {
		return nil, "", err
	}
	var after uint64
	if lastTok != "" {
		if after, err = strconv.ParseUint(lastTok, 10, 64); err != nil {
			return nil, "", invalid("The pagination token %s is not valid for this request.", marker)
		}
	}
	start, _ := slices.BinarySearchFunc(items, after, func(t T, s uint64) int { return cmpU(seqOf(t), s) })
	out := make([]R, 0, min(size, len(items)))
	var last uint64
	visit := func(t T) bool { // false: page full
		r, ok := keep(t)
		if !ok {
			return true
		}
		if len(out) == size {
			return false
		}
		out = append(out, r)
		last = seqOf(t)
		return true
	}
	if ascending {
		if lastTok != "" && start < len(items) && seqOf(items[start]) == after {
			start++
		}
		for _, t := range items[start:] {
			if !visit(t) {
				return out, encodeToken(list, strconv.FormatUint(last, 10)), nil
			}
		}
		return out, "", nil
	}
	end := len(items)
	if lastTok != "" {
		end = start // items before the marker's seq
	}
	for i := end - 1; i >= 0; i-- {
		if !visit(items[i]) {
			return out, encodeToken(list, strconv.FormatUint(last, 10)), nil
		}
	}
	return out, "", nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pageNames pages through a sorted name list.
func pageNames(list string, sorted []string, token string, size int) ([]string, string, error) {
	after, err := decodeToken(list, token)
	if err != nil {
		return nil, "", err
	}
	i := 0
	if after != "" {
		var found bool
		i, found = slices.BinarySearch(sorted, after)
		if found {
			i++
		}
	}
	rest := sorted[i:]
	if len(rest) > size {
		return slices.Clone(rest[:size]), encodeToken(list, rest[size-1]), nil
	}
	return append([]string{}, rest...), "", nil
}

// removeBySeq removes the item with seq from a slice sorted by seq.
func removeBySeq[T any](items []T, seqOf func(T) uint64, seq uint64) []T {
	i, found := slices.BinarySearchFunc(items, seq, func(t T, s uint64) int { return cmpU(seqOf(t), s) })
	if !found {
		return items
	}
	return slices.Delete(items, i, i+1)
}

// insertBySeq inserts an item into a slice sorted by seq (appending in the
// common case of a new, largest seq).
func insertBySeq[T any](items []T, seqOf func(T) uint64, t T) []T {
	i, _ := slices.BinarySearchFunc(items, seqOf(t), func(x T, s uint64) int { return cmpU(seqOf(x), s) })
	return slices.Insert(items, i, t)
}
