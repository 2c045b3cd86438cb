package policy

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/netip"
	"strconv"
	"strings"
)

// Context is what policy variables and condition keys resolve against: the
// connection and principal behind a request. The gateway fills it once per
// connection and reuses it for every request on that connection.
type Context struct {
	// ClientID is the MQTT client id (${iot:ClientId}); "" does not
	// resolve, as over HTTPS.
	ClientID string
	// Thing is the registry thing named by ClientID, nil when there is
	// none (or the request is not over MQTT).
	Thing *Thing
	// Certificate is the presenting certificate, nil for none.
	Certificate *Certificate
	// SourceIP is the client's address (aws:SourceIp); the zero Addr
	// does not resolve.
	SourceIP netip.Addr
}

// Thing is the thing named by the client id. Its name, type and attributes
// resolve only when IsAttached: the thing must be attached to the
// presenting certificate (AttachThingPrincipal).
type Thing struct {
	Name       string
	TypeName   string            // "" for a thing without a type: does not resolve
	Attributes map[string]string // a missing attribute does not resolve
	IsAttached bool
}

// Certificate is the presenting X.509 certificate. Subject and Issuer map
// the attribute names of AWS's policy variables (CommonName, Organization,
// ...; see SubjectAttributes) to their values in certificate order, since
// an attribute may occur more than once.
type Certificate struct {
	ID      string // ${iot:CertificateId}: the certificate id (hex SHA-256)
	Subject map[string][]string
	Issuer  map[string][]string
}

// certAttributes are the distinguished-name attributes AWS IoT exposes as
// ${iot:Certificate.Subject.X} and .Issuer.X, keyed by their OIDs.
var certAttributes = []struct {
	name string
	oid  asn1.ObjectIdentifier
}{
	{"CommonName", asn1.ObjectIdentifier{2, 5, 4, 3}},
	{"Surname", asn1.ObjectIdentifier{2, 5, 4, 4}},
	{"SerialNumber", asn1.ObjectIdentifier{2, 5, 4, 5}},
	{"Country", asn1.ObjectIdentifier{2, 5, 4, 6}},
	{"State", asn1.ObjectIdentifier{2, 5, 4, 8}},
	{"Organization", asn1.ObjectIdentifier{2, 5, 4, 10}},
	{"OrganizationalUnit", asn1.ObjectIdentifier{2, 5, 4, 11}},
	{"Title", asn1.ObjectIdentifier{2, 5, 4, 12}},
	{"GivenName", asn1.ObjectIdentifier{2, 5, 4, 42}},
	{"Initials", asn1.ObjectIdentifier{2, 5, 4, 43}},
	{"GenerationQualifier", asn1.ObjectIdentifier{2, 5, 4, 44}},
	{"DistinguishedNameQualifier", asn1.ObjectIdentifier{2, 5, 4, 46}},
	{"Pseudonym", asn1.ObjectIdentifier{2, 5, 4, 65}},
}

// SubjectAttributes maps a certificate's subject or issuer name to
// Certificate.Subject/Issuer form, keeping repeated attributes in
// certificate order (Subject.Country.1 is the second Country).
func SubjectAttributes(name pkix.Name) map[string][]string {
	out := map[string][]string{}
	for _, atv := range name.Names {
		value, ok := atv.Value.(string)
		if !ok {
			continue
		}
		for _, a := range certAttributes {
			if atv.Type.Equal(a.oid) {
				out[a.name] = append(out[a.name], value)
			}
		}
	}
	return out
}

// canonicalCertAttribute returns the attribute's canonical name, matched
// case-insensitively as IAM matches key names.
func canonicalCertAttribute(name string) (string, bool) {
	for _, a := range certAttributes {
		if strings.EqualFold(a.name, name) {
			return a.name, true
		}
	}
	return "", false
}

type varKind uint8

const (
	varUnknown varKind = iota // never resolves
	varClientID
	varCertificateID
	varThingName
	varThingTypeName
	varThingAttribute
	varThingIsAttached
	varSubject
	varIssuer
	varSourceIP
)

// varRef is a compiled variable or condition key: what to read from a
// Context.
type varRef struct {
	kind varKind
	name string // attribute name for thing and certificate attributes
	// index selects one value of a multi-valued certificate attribute;
	// list selects all of them (conditions only).
	index int
	list  bool
}

// parseVarName compiles a variable name (the text inside "${...}") or a
// condition key. Names are matched case-insensitively, except attribute
// names of things, which are case-sensitive in the registry. An unknown
// name yields varUnknown: it is not an error, it simply never resolves.
func parseVarName(name string) varRef {
	if rest, ok := cutPrefixFold(name, "iot:Connection.Thing."); ok {
		switch {
		case strings.EqualFold(rest, "ThingName"):
			return varRef{kind: varThingName}
		case strings.EqualFold(rest, "ThingTypeName"):
			return varRef{kind: varThingTypeName}
		case strings.EqualFold(rest, "IsAttached"):
			return varRef{kind: varThingIsAttached}
		}
		if attr, ok := cutPrefixFold(rest, "Attributes["); ok && strings.HasSuffix(attr, "]") && len(attr) > 1 {
			return varRef{kind: varThingAttribute, name: attr[:len(attr)-1]}
		}
		return varRef{}
	}
	if rest, ok := cutPrefixFold(name, "iot:Certificate."); ok {
		kind := varSubject
		if r, ok := cutPrefixFold(rest, "Subject."); ok {
			rest = r
		} else if r, ok := cutPrefixFold(rest, "Issuer."); ok {
			rest, kind = r, varIssuer
		} else {
			return varRef{}
		}
		attr, suffix, hasSuffix := strings.Cut(rest, ".")
		canonical, ok := canonicalCertAttribute(attr)
		if !ok {
			return varRef{}
		}
		ref := varRef{kind: kind, name: canonical}
		switch {
		case !hasSuffix:
		case strings.EqualFold(suffix, "List"):
			ref.list = true
		default:
			n, err := strconv.Atoi(suffix)
			if err != nil || n < 0 || suffix[0] == '+' {
				return varRef{}
			}
			ref.index = n
		}
		return ref
	}
	switch {
	case strings.EqualFold(name, "iot:ClientId"):
		return varRef{kind: varClientID}
	case strings.EqualFold(name, "iot:CertificateId"):
		return varRef{kind: varCertificateID}
	case strings.EqualFold(name, "aws:SourceIp"):
		return varRef{kind: varSourceIP}
	}
	return varRef{}
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// resolve returns the single value of ref in ctx, or false when it does
// not resolve. It allocates only for aws:SourceIp.
func (ref *varRef) resolve(ctx *Context) (string, bool) {
	switch ref.kind {
	case varClientID:
		return ctx.ClientID, ctx.ClientID != ""
	case varCertificateID:
		if ctx.Certificate == nil || ctx.Certificate.ID == "" {
			return "", false
		}
		return ctx.Certificate.ID, true
	case varThingIsAttached:
		if ctx.Thing != nil && ctx.Thing.IsAttached {
			return "true", true
		}
		return "false", true
	case varThingName, varThingTypeName, varThingAttribute:
		t := ctx.Thing
		if t == nil || !t.IsAttached {
			return "", false
		}
		switch ref.kind {
		case varThingName:
			return t.Name, t.Name != ""
		case varThingTypeName:
			return t.TypeName, t.TypeName != ""
		}
		v, ok := t.Attributes[ref.name]
		return v, ok
	case varSubject, varIssuer:
		values := ref.certValues(ctx)
		if ref.list || ref.index >= len(values) {
			return "", false
		}
		return values[ref.index], true
	case varSourceIP:
		if !ctx.SourceIP.IsValid() {
			return "", false
		}
		return ctx.SourceIP.String(), true
	}
	return "", false
}

func (ref *varRef) certValues(ctx *Context) []string {
	c := ctx.Certificate
	switch {
	case c == nil:
		return nil
	case ref.kind == varSubject:
		return c.Subject[ref.name]
	}
	return c.Issuer[ref.name]
}

// keyValues is a condition key's value set in a Context: one value, all
// values of a .List key, or none when the key is absent.
type keyValues struct {
	one  string
	list []string
	n    int
}

func (k *keyValues) at(i int) string {
	if k.list != nil {
		return k.list[i]
	}
	return k.one
}

func (ref *varRef) values(ctx *Context) keyValues {
	if ref.list && (ref.kind == varSubject || ref.kind == varIssuer) {
		values := ref.certValues(ctx)
		return keyValues{list: values, n: len(values)}
	}
	v, ok := ref.resolve(ctx)
	if !ok {
		return keyValues{}
	}
	return keyValues{one: v, n: 1}
}
