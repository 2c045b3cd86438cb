package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// DefaultMaxChars is AWS IoT's limit on a policy document: 2048
// characters, whitespace excluded.
const DefaultMaxChars = 2048

// Limits bounds what Parse accepts. The zero Limits accepts any size.
type Limits struct {
	// MaxChars is the most characters (runes) a document may have,
	// whitespace excluded; 0 lifts the limit.
	MaxChars int
}

// DefaultLimits returns AWS IoT's limits.
func DefaultLimits() Limits { return Limits{MaxChars: DefaultMaxChars} }

// Parse parses and validates a policy document under DefaultLimits. Every
// error is an *awserr.Error with code MalformedPolicyException.
func Parse(doc []byte) (*Document, error) { return DefaultLimits().Parse(doc) }

// Parse parses and validates a policy document under l. Every error is an
// *awserr.Error with code MalformedPolicyException naming the statement
// index and member at fault.
func (l Limits) Parse(doc []byte) (*Document, error) {
	if !utf8.Valid(doc) {
		return nil, malformed("policy document is not valid UTF-8")
	}
	if l.MaxChars > 0 {
		if n := countNonSpace(doc); n > l.MaxChars {
			return nil, malformed("policy document has %d characters excluding whitespace; the limit is %d", n, l.MaxChars)
		}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, malformed("policy document is not valid JSON: %s", describeJSONError(doc, err))
	}
	if top == nil { // the document was "null"
		return nil, malformed("policy document must be a JSON object")
	}
	d := &Document{}
	for _, key := range slices.Sorted(maps.Keys(top)) {
		raw := top[key]
		switch key {
		case "Version":
			if err := decodeString(raw, &d.Version); err != nil {
				return nil, malformed("Version: %v", err)
			}
			if d.Version != VersionCurrent && d.Version != VersionLegacy {
				return nil, malformed("Version %q is not supported; use %q", d.Version, VersionCurrent)
			}
		case "Id":
			if err := decodeString(raw, &d.ID); err != nil {
				return nil, malformed("Id: %v", err)
			}
		case "Statement":
		default:
			return nil, malformed("unknown top-level member %q", key)
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, malformed("policy document has no Statement")
	}
	statements, err := decodeOneOrMany(raw)
	if err != nil {
		return nil, malformed("Statement: %v", err)
	}
	if len(statements) == 0 {
		return nil, malformed("Statement must not be empty")
	}
	d.Statements = make([]Statement, len(statements))
	for i, raw := range statements {
		if err := parseStatement(raw, &d.Statements[i]); err != nil {
			return nil, malformed("statement %d: %v", i, err)
		}
	}
	return d, nil
}

func malformed(format string, args ...any) *awserr.Error {
	return awserr.New(awserr.MalformedPolicy, format, args...)
}

func countNonSpace(doc []byte) int {
	n := 0
	for _, r := range string(doc) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// describeJSONError places a syntax error at line:column, the way a user
// finds it in an editor.
func describeJSONError(doc []byte, err error) string {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return err.Error()
	}
	// Offset counts the offending byte; the column is that byte's.
	before := doc[:min(max(int(syntax.Offset)-1, 0), len(doc))]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return fmt.Sprintf("%d:%d: %v", line, col, err)
}

func parseStatement(raw json.RawMessage, s *Statement) error {
	var members map[string]json.RawMessage
	if err := decodeObject(raw, &members); err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(members)) {
		switch key {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "Principal", "NotPrincipal":
			return fmt.Errorf("%s is not allowed: an AWS IoT policy applies to the principal it is attached to", key)
		default:
			return fmt.Errorf("unknown member %q", key)
		}
	}
	if raw, ok := members["Sid"]; ok {
		if err := decodeString(raw, &s.Sid); err != nil {
			return fmt.Errorf("Sid: %w", err)
		}
	}
	raw, ok := members["Effect"]
	if !ok {
		return errors.New("missing Effect")
	}
	var effect string
	if err := decodeString(raw, &effect); err != nil {
		return fmt.Errorf("Effect: %w", err)
	}
	switch effect {
	case "Allow":
		s.Effect = Allow
	case "Deny":
		s.Effect = Deny
	default:
		return fmt.Errorf("Effect %q must be Allow or Deny", effect)
	}

	var err error
	s.Actions, s.NotAction, err = parseEither(members, "Action", "NotAction", validateAction)
	if err != nil {
		return err
	}
	s.Resources, s.NotResource, err = parseEither(members, "Resource", "NotResource", validateResource)
	if err != nil {
		return err
	}
	if raw, ok := members["Condition"]; ok {
		if s.Conditions, err = parseConditions(raw); err != nil {
			return fmt.Errorf("Condition: %w", err)
		}
	}
	return nil
}

// parseEither reads exactly one of the members name and notName, a string
// or a non-empty array of strings, checking each with validate.
func parseEither(members map[string]json.RawMessage, name, notName string, validate func(string) error) ([]string, bool, error) {
	raw, hasName := members[name]
	notRaw, hasNot := members[notName]
	switch {
	case hasName && hasNot:
		return nil, false, fmt.Errorf("has both %s and %s", name, notName)
	case !hasName && !hasNot:
		return nil, false, fmt.Errorf("missing %s", name)
	case hasNot:
		name, raw = notName, notRaw
	}
	values, err := decodeStrings(raw)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", name, err)
	}
	if len(values) == 0 {
		return nil, false, fmt.Errorf("%s must not be empty", name)
	}
	for _, v := range values {
		if err := validate(v); err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
	}
	return values, hasNot, nil
}

func validateAction(a string) error {
	if a == "*" {
		return nil
	}
	// greengrass: actions are allowed too: a Greengrass core device's IoT
	// policy carries them (they never match a request FleetLab makes).
	prefix, name, ok := strings.Cut(a, ":")
	if !ok || !(strings.EqualFold(prefix, "iot") || strings.EqualFold(prefix, "greengrass")) {
		return fmt.Errorf("%q is not an AWS IoT action: it must start with iot: (or greengrass:) or be *", a)
	}
	if name == "" {
		return fmt.Errorf("%q has no action name after %s:", a, prefix)
	}
	for _, r := range name {
		if !(r < utf8.RuneSelf && (r == '*' || r == '?' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')) {
			return fmt.Errorf("%q: an action name has letters, digits and the wildcards * and ? only", a)
		}
	}
	return nil
}

func validateResource(r string) error {
	if r == "*" || strings.HasPrefix(r, "arn:") {
		return nil
	}
	return fmt.Errorf("%q must be an ARN (arn:...) or *", r)
}

// parseConditions reads {"operator": {"key": value or [values]}} into
// Conditions sorted by operator and key.
func parseConditions(raw json.RawMessage) ([]Condition, error) {
	var operators map[string]json.RawMessage
	if err := decodeObject(raw, &operators); err != nil {
		return nil, err
	}
	var out []Condition
	for _, op := range slices.Sorted(maps.Keys(operators)) {
		raw := operators[op]
		parsed, err := parseOperator(op)
		if err != nil {
			return nil, err
		}
		var keys map[string]json.RawMessage
		if err := decodeObject(raw, &keys); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("%s has no condition key", op)
		}
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			raw := keys[key]
			values, err := decodeConditionValues(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", op, key, err)
			}
			if err := parsed.validateValues(values); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", op, key, err)
			}
			out = append(out, Condition{Operator: op, Key: key, Values: values})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("must not be empty")
	}
	return out, nil // sorted: operators and keys were visited in order
}

// validateValues checks the values an operator compares against.
func (o operator) validateValues(values []string) error {
	switch o.kind {
	case opBool, opNull:
		for _, v := range values {
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return fmt.Errorf("%q is not true or false", v)
			}
		}
	case opIPAddress:
		for _, v := range values {
			if _, err := parseIPPrefix(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseIPPrefix reads a CIDR block or a single address (a /32 or /128).
func parseIPPrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// JSON shape helpers. encoding/json alone would accept null for a map or
// slice, and a number for nothing we want; these say what was expected.

func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func decodeObject(raw json.RawMessage, into *map[string]json.RawMessage) error {
	if jsonKind(raw) != '{' {
		return errors.New("must be a JSON object")
	}
	return json.Unmarshal(raw, into)
}

func decodeString(raw json.RawMessage, into *string) error {
	if jsonKind(raw) != '"' {
		return errors.New("must be a string")
	}
	return json.Unmarshal(raw, into)
}

// decodeOneOrMany reads an object or an array of objects.
func decodeOneOrMany(raw json.RawMessage) ([]json.RawMessage, error) {
	switch jsonKind(raw) {
	case '{':
		return []json.RawMessage{raw}, nil
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	return nil, errors.New("must be an object or an array of objects")
}

// decodeStrings reads a string or an array of strings.
func decodeStrings(raw json.RawMessage) ([]string, error) {
	switch jsonKind(raw) {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		out := make([]string, len(list))
		for i, item := range list {
			if err := decodeString(item, &out[i]); err != nil {
				return nil, fmt.Errorf("element %d %w", i, err)
			}
		}
		return out, nil
	}
	return nil, errors.New("must be a string or an array of strings")
}

// decodeConditionValues reads a scalar or a non-empty array of scalars;
// booleans and numbers keep their JSON text ("true", "42").
func decodeConditionValues(raw json.RawMessage) ([]string, error) {
	scalar := func(raw json.RawMessage) (string, error) {
		switch k := jsonKind(raw); {
		case k == '"':
			var s string
			err := json.Unmarshal(raw, &s)
			return s, err
		case k == 't' || k == 'f' || k == '-' || k >= '0' && k <= '9':
			return string(bytes.TrimSpace(raw)), nil
		}
		return "", errors.New("must be a string, boolean or number")
	}
	if jsonKind(raw) != '[' {
		v, err := scalar(raw)
		if err != nil {
			return nil, err
		}
		return []string{v}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("must have at least one value")
	}
	out := make([]string, len(list))
	for i, item := range list {
		v, err := scalar(item)
		if err != nil {
			return nil, fmt.Errorf("element %d %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}
