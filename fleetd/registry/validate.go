package registry

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Patterns as the model spells them; they appear in validation messages.
const (
	patName           = `[a-zA-Z0-9:_-]+`
	patAttrName       = `[a-zA-Z0-9_.,@/:#-]+`
	patAttrValue      = `[a-zA-Z0-9_.,@/:#=\[\]-]*`
	patDescription    = `[\p{Graph}\x20]*`
	patTagKey         = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
	patUserProperty   = `[a-zA-Z0-9:$.]+`
	patConnectionAttr = `[a-zA-Z0-9:.]+`
)

const (
	maxNameLen        = 128
	maxAttrNameLen    = 128
	maxAttrValueLen   = 800
	maxDescriptionLen = 2028
	maxTagKeyLen      = 128
	maxTagValueLen    = 256
)

// checker collects a request's violated constraints (awserr.Violations):
// the package's own checks add to it.
type checker struct{ awserr.Violations }

// constraints returns the failed constraints of one string member.
func constraints(v string, min, max int, ok func(rune) bool, pattern string) []string {
	var out []string
	n := javaLen(v)
	if n < min {
		out = append(out, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		out = append(out, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	if ok != nil && (!allRunes(v, ok) || (n == 0 && strings.HasSuffix(pattern, "+"))) {
		out = append(out, "Member must satisfy regular expression pattern: "+pattern)
	}
	return out
}

func (c *checker) str(field, v string, min, max int, ok func(rune) bool, pattern string) {
	for _, m := range constraints(v, min, max, ok, pattern) {
		c.Fail(v, field, m)
	}
}

// name checks a required resource name (thingName, thingGroupName, …).
func (c *checker) name(field, v string) {
	if v == "" {
		c.Null(field)
		return
	}
	c.str(field, v, 1, maxNameLen, isNameRune, patName)
}

// optName checks a resource name that may be absent.
func (c *checker) optName(field, v string) {
	if v != "" {
		c.str(field, v, 1, maxNameLen, isNameRune, patName)
	}
}

func (c *checker) description(field, v string) {
	c.str(field, v, 0, maxDescriptionLen, isGraphOrSpace, patDescription)
}

func (c *checker) attrName(field, v string) {
	c.str(field, v, 0, maxAttrNameLen, isAttrNameRune, patAttrName)
}

func (c *checker) attrValue(field, v string) {
	c.str(field, v, 0, maxAttrValueLen, isAttrValueRune, patAttrValue)
}

// attributes checks an attribute map, keys in order.
func (c *checker) attributes(field string, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if bad := constraints(k, 0, maxAttrNameLen, isAttrNameRune, patAttrName); bad != nil {
			c.Fail(k, field, "Map keys must satisfy constraint: ["+strings.Join(bad, ", ")+"]")
		}
		v := m[k]
		if bad := constraints(v, 0, maxAttrValueLen, isAttrValueRune, patAttrValue); bad != nil {
			c.Fail(v, field, "Map value must satisfy constraint: ["+strings.Join(bad, ", ")+"]")
		}
	}
}

func (c *checker) tags(field string, tags []Tag) {
	for i, t := range tags {
		f := fmt.Sprintf("%s.%d.member", field, i+1)
		c.str(f+".Key", t.Key, 1, maxTagKeyLen, isTagKeyRune, patTagKey)
		c.str(f+".Value", t.Value, 0, maxTagValueLen, nil, "")
	}
	if len(tags) > MaxTags {
		c.Fail(fmt.Sprint(len(tags)), field, fmt.Sprintf("Member must have length less than or equal to %d", MaxTags))
	}
}

// maxResults checks a page size; 0 stands for "absent".
func (c *checker) maxResults(n int) {
	switch {
	case n < 0:
		c.Fail(fmt.Sprint(n), "maxResults", "Member must have value greater than or equal to 1")
	case n > MaxMaxResults:
		c.Fail(fmt.Sprint(n), "maxResults", fmt.Sprintf("Member must have value less than or equal to %d", MaxMaxResults))
	}
}

func (c *checker) thingTypeProperties(p *ThingTypeProperties) {
	if p == nil {
		return
	}
	c.description("thingTypeProperties.thingTypeDescription", p.ThingTypeDescription)
	for i, a := range p.SearchableAttributes {
		c.attrName(fmt.Sprintf("thingTypeProperties.searchableAttributes.%d.member", i+1), a)
	}
	if p.Mqtt5Configuration != nil {
		for i, a := range p.Mqtt5Configuration.PropagatingAttributes {
			f := fmt.Sprintf("thingTypeProperties.mqtt5Configuration.propagatingAttributes.%d.member.", i+1)
			if a.UserPropertyKey != "" {
				c.str(f+"userPropertyKey", a.UserPropertyKey, 0, maxAttrNameLen, isUserPropertyRune, patUserProperty)
			}
			if a.ThingAttribute != "" {
				c.attrName(f+"thingAttribute", a.ThingAttribute)
			}
			if a.ConnectionAttribute != "" {
				c.str(f+"connectionAttribute", a.ConnectionAttribute, 0, maxAttrNameLen, isConnectionAttrRune, patConnectionAttr)
			}
		}
	}
}

func (c *checker) thingGroupProperties(field string, p *ThingGroupProperties) {
	if p == nil {
		return
	}
	if p.ThingGroupDescription != nil {
		c.description(field+".thingGroupDescription", *p.ThingGroupDescription)
	}
	if p.AttributePayload != nil {
		c.attributes(field+".attributePayload.attributes", p.AttributePayload.Attributes)
	}
}

// javaLen is the length AWS (Java) measures: UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if r == utf8.RuneError || !ok(r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isNameRune(r rune) bool { return isAlnum(r) || r == ':' || r == '_' || r == '-' }

func isAttrNameRune(r rune) bool { return isAlnum(r) || strings.ContainsRune("_.,@/:#-", r) }

func isAttrValueRune(r rune) bool { return isAttrNameRune(r) || r == '=' || r == '[' || r == ']' }

// isGraphOrSpace is Java's [\p{Graph}\x20]: printable ASCII.
func isGraphOrSpace(r rune) bool { return r >= 0x20 && r <= 0x7e }

func isTagKeyRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Z, r) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

func isUserPropertyRune(r rune) bool { return isAlnum(r) || r == ':' || r == '$' || r == '.' }

func isConnectionAttrRune(r rune) bool { return isAlnum(r) || r == ':' || r == '.' }
