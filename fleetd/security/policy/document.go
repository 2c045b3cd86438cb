package policy

import (
	"bytes"
	"encoding/json"
)

// Effect is a statement's Effect: Allow or Deny. The zero Effect is no
// statement at all (an implicit deny in a Decision).
type Effect uint8

const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "none"
}

// VersionCurrent is the policy language version that enables policy
// variables. Documents without it (no Version, or 2008-10-17) treat
// "${...}" as literal text, as IAM does.
const VersionCurrent = "2012-10-17"

// VersionLegacy is the only other Version a document may declare.
const VersionLegacy = "2008-10-17"

// Document is a parsed policy document. Parse returns it validated; the
// package never mutates it, so a Document may be shared and compiled into
// any number of Sets.
type Document struct {
	// Name identifies the document in Decisions, e.g. "device-policy@3"
	// (policy name and version). Parse leaves it empty; the caller sets it
	// before Compile.
	Name       string
	Version    string // "" when the document has none
	ID         string // the optional top-level "Id"
	Statements []Statement
}

// Statement is one element of the document's Statement.
type Statement struct {
	Sid    string
	Effect Effect
	// Actions holds Action, or NotAction when NotAction is set.
	Actions   []string
	NotAction bool
	// Resources holds Resource, or NotResource when NotResource is set.
	Resources   []string
	NotResource bool
	// Conditions are sorted by Operator, then Key: one entry per
	// operator/key pair of the Condition block, all of which must hold.
	Conditions []Condition
}

// Condition is one operator/key pair of a Condition block, e.g.
// {"ForAnyValue:StringEquals": {"iot:Certificate.Subject.Organization.List": ["a", "b"]}}.
type Condition struct {
	Operator string   // as written: qualifier, operator, IfExists suffix
	Key      string   // condition key, e.g. iot:Connection.Thing.IsAttached
	Values   []string // booleans and numbers are kept in their JSON text
}

// usesVariables reports whether "${...}" is a policy variable in d.
func (d *Document) usesVariables() bool { return d.Version == VersionCurrent }

// String returns the document as compact JSON that parses back (without
// limits) to an equal Document, Name aside.
func (d *Document) String() string {
	type statementJSON struct {
		Sid         string                         `json:"Sid,omitempty"`
		Effect      string                         `json:"Effect"`
		Action      []string                       `json:"Action,omitempty"`
		NotAction   []string                       `json:"NotAction,omitempty"`
		Resource    []string                       `json:"Resource,omitempty"`
		NotResource []string                       `json:"NotResource,omitempty"`
		Condition   map[string]map[string][]string `json:"Condition,omitempty"`
	}
	type documentJSON struct {
		Version   string          `json:"Version,omitempty"`
		ID        string          `json:"Id,omitempty"`
		Statement []statementJSON `json:"Statement"`
	}
	out := documentJSON{Version: d.Version, ID: d.ID}
	for _, s := range d.Statements {
		sj := statementJSON{Sid: s.Sid, Effect: s.Effect.String()}
		if s.NotAction {
			sj.NotAction = s.Actions
		} else {
			sj.Action = s.Actions
		}
		if s.NotResource {
			sj.NotResource = s.Resources
		} else {
			sj.Resource = s.Resources
		}
		for _, c := range s.Conditions {
			if sj.Condition == nil {
				sj.Condition = map[string]map[string][]string{}
			}
			if sj.Condition[c.Operator] == nil {
				sj.Condition[c.Operator] = map[string][]string{}
			}
			sj.Condition[c.Operator][c.Key] = c.Values
		}
		out.Statement = append(out.Statement, sj)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<" readable; the output is not HTML
	if err := enc.Encode(out); err != nil {
		return "<unprintable policy: " + err.Error() + ">"
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
