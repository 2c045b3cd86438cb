package identity

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Patterns as the model spells them; they appear in validation messages.
const (
	patCertificateID = `(0x)?[a-fA-F0-9]+`
	patPolicyName    = `[\w+=,.@-]+`
	patVersionID     = `[0-9]+`
	patThingName     = `[a-zA-Z0-9:_-]+`
	patTemplateName  = `^[0-9A-Za-z_-]+$`
	patMarker        = `[A-Za-z0-9+/]+={0,2}`
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
	if ok != nil && n > 0 && !allRunes(v, ok) {
		c.Fail(v, field, "Member must satisfy regular expression pattern: "+pattern)
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

func (c *checker) intRange(field string, v *int, min, max int) {
	if v == nil {
		return
	}
	if *v < min {
		c.Fail(fmt.Sprint(*v), field, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	}
	if *v > max {
		c.Fail(fmt.Sprint(*v), field, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// certificateID checks a certificateId member: exactly 64 hex digits.
func (c *checker) certificateID(field, v string) {
	if c.required(field, v) {
		c.str(field, v, 64, 64, isHexOrX, patCertificateID)
	}
}

func (c *checker) policyName(field, v string) {
	if c.required(field, v) {
		c.str(field, v, 1, 128, isPolicyNameRune, patPolicyName)
	}
}

func (c *checker) versionID(field, v string) {
	if c.required(field, v) {
		c.str(field, v, 1, 0, isDigit, patVersionID)
	}
}

func (c *checker) thingName(field, v string) {
	if c.required(field, v) {
		c.str(field, v, 1, 128, isThingNameRune, patThingName)
	}
}

func (c *checker) marker(field, v string) {
	if v != "" {
		c.str(field, v, 0, 1024, isMarkerRune, patMarker)
	}
}

func truncate(v string) string {
	if len(v) > 64 {
		return v[:64] + "…"
	}
	return v
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }
func isHex(r rune) bool   { return isDigit(r) || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F' }
func isHexOrX(r rune) bool {
	return isHex(r) || r == 'x'
}
func isWord(r rune) bool {
	return isDigit(r) || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_'
}
func isPolicyNameRune(r rune) bool { return isWord(r) || strings.ContainsRune("+=,.@-", r) }
func isThingNameRune(r rune) bool  { return isWord(r) || r == ':' || r == '-' }
func isMarkerRune(r rune) bool     { return isWord(r) && r != '_' || r == '+' || r == '/' || r == '=' }
func isTemplateNameRune(r rune) bool {
	return isWord(r) || r == '-'
}

// normalizeCertificateID lowercases an id already checked by certificateID,
// the form ids are stored in (pki.CertificateID).
func normalizeCertificateID(id string) string { return strings.ToLower(id) }

// Error constructors, worded like fleetd/registry's.

const (
	kindCertificate   = "Certificate"
	kindCACertificate = "CA certificate"
	kindPolicy        = "Policy"
	kindThing         = "Thing"
	kindThingGroup    = "Thing group"
)

func notFound(kind, name string) error {
	return awserr.New(awserr.ResourceNotFound, "%s %s cannot be found.", kind, name)
}

func invalid(format string, args ...any) error {
	return awserr.New(awserr.InvalidRequest, format, args...)
}
