package provision

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Patterns as the model spells them; they appear in validation messages.
const (
	patTemplateName   = `^[0-9A-Za-z_-]+$`
	patPayloadVersion = `^[0-9-]+$`
	patBucket         = `[a-zA-Z0-9._-]+`
	patKey            = `[a-zA-Z0-9!_.*'()-\/]+`
	patTagKey         = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
)

// Model limits.
const (
	maxTemplateName = 36
	maxDescription  = 500
	minRoleArn      = 20
	maxRoleArn      = 2048
	maxTags         = 50
	maxResultsLimit = 250
	// DefaultMaxResults is the page size when maxResults is absent, as in
	// the registry.
	DefaultMaxResults = 50
	// MaxTemplateVersions is AWS's limit of versions per template.
	MaxTemplateVersions = 5
)

// checker collects a request's violated constraints (awserr.Violations):
// the package's own checks add to it.
type checker struct{ awserr.Violations }

// javaLen is the length AWS's validation measures: UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncate(v string) string {
	if len(v) > 64 {
		return v[:64] + "…"
	}
	return v
}

// str checks a string member's length (min, and max when > 0) and, when ok
// is given, that every rune satisfies the pattern.
func (c *checker) str(field, v string, min, max int, ok func(rune) bool, pattern string) {
	n := javaLen(v)
	if n < min {
		c.Fail(v, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		c.Fail(truncate(v), field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	if ok != nil && n > 0 && strings.IndexFunc(v, func(r rune) bool { return !ok(r) }) >= 0 {
		c.Fail(truncate(v), field, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// required reports an absent required member; it returns whether v is set.
func (c *checker) required(field, v string) bool {
	if v == "" {
		c.Null(field)
		return false
	}
	return true
}

func (c *checker) enum(field, v string, allowed ...string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.Fail(v, field, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

func (c *checker) templateName(field, v string) {
	if c.required(field, v) {
		c.str(field, v, 1, maxTemplateName, isTemplateNameRune, patTemplateName)
	}
}

func (c *checker) maxResults(n int) {
	switch {
	case n < 0 || n > maxResultsLimit:
		c.Fail(fmt.Sprint(n), "maxResults", fmt.Sprintf("Member must have value between 1 and %d", maxResultsLimit))
	}
}

func isTemplateNameRune(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_' || r == '-'
}

func isBucketRune(r rune) bool {
	return isTemplateNameRune(r) || r == '.'
}

func isKeyRune(r rune) bool {
	return isTemplateNameRune(r) || strings.ContainsRune("!.*'()/", r)
}

func isDigitOrDash(r rune) bool { return '0' <= r && r <= '9' || r == '-' }

func isNotControl(r rune) bool { return r >= 0x20 && r != 0x7f && !(0x80 <= r && r < 0xa0) }

// Paging: a nextToken encodes the list and the last item returned, so a
// walk survives concurrent creates and deletes.

func encodeToken(list, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + "\x00" + last))
}

func decodeToken(list, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	prefix := list + "\x00"
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", awserr.New(awserr.InvalidRequest, "The nextToken %q is not valid for this list.", truncate(tok))
	}
	return string(b[len(prefix):]), nil
}

func limit(maxResults int) int {
	if maxResults <= 0 {
		return DefaultMaxResults
	}
	return maxResults
}

// page returns up to size items of the sorted keys after the key after,
// and the token of the next page.
func page[T any](list string, keys []string, after string, size int, item func(string) T) ([]T, string) {
	start, _ := slices.BinarySearch(keys, after)
	if start < len(keys) && keys[start] == after && after != "" {
		start++
	}
	out := []T{}
	for i := start; i < len(keys) && len(out) < size; i++ {
		out = append(out, item(keys[i]))
		if len(out) == size && i+1 < len(keys) {
			return out, encodeToken(list, keys[i])
		}
	}
	return out, ""
}
