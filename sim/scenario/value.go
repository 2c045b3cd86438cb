package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Value produces one JSON value for a device: an attribute, a shadow field,
// a provisioning parameter. Sample returns a string, float64, json.Number
// (a number written in the scenario, kept as written), bool, nil, []any or
// map[string]any; ok is false when the value is to be left unset (a oneOf
// whose weights sum to less than 1, or a variable with no value).
type Value interface {
	Sample(r *rand.Rand, vars Vars) (v any, ok bool)
	String() string
}

// Vars looks up the variables of templates. The simulator answers
// device.id, device.index and device.cohort for every device, and job.id
// and job.document.* in jobs.onSuccess.
type Vars func(v Var) (any, bool)

// ConstValue is a value written as is.
type ConstValue struct{ V any }

// NumberValue samples a number; with Integer (a uniform between two
// integers) it samples a whole number in [Min, Max], both ends included.
type NumberValue struct {
	D       Dist
	Integer bool
}

// ChoiceValue is a oneOf of constants.
type ChoiceValue struct{ C Choice[any] }

// TextValue is a string with ${...} variables.
type TextValue struct{ T Text }

// ObjectValue is a nested object of values (shadow documents only).
type ObjectValue struct{ Fields []Field }

// Field is a named value. Lists of fields are sorted by name.
type Field struct {
	Name  string
	Value Value
}

func (c ConstValue) Sample(*rand.Rand, Vars) (any, bool) { return c.V, true }
func (n NumberValue) Sample(r *rand.Rand, _ Vars) (any, bool) {
	if u, ok := n.D.(Uniform); ok && n.Integer {
		return math.Floor(u.Min + (u.Max-u.Min+1)*r.Float64()), true
	}
	return n.D.Sample(r), true
}
func (c ChoiceValue) Sample(r *rand.Rand, _ Vars) (any, bool) { return c.C.Pick(r) }
func (t TextValue) Sample(_ *rand.Rand, vars Vars) (any, bool) {
	return t.T.Expand(vars)
}
func (o ObjectValue) Sample(r *rand.Rand, vars Vars) (any, bool) {
	m := make(map[string]any, len(o.Fields))
	for _, f := range o.Fields {
		if v, ok := f.Value.Sample(r, vars); ok {
			m[f.Name] = v
		}
	}
	return m, true
}

func (c ConstValue) String() string {
	b, err := json.Marshal(c.V)
	if err != nil {
		return fmt.Sprint(c.V)
	}
	return string(b)
}
func (n NumberValue) String() string { return n.D.String() }
func (c ChoiceValue) String() string {
	return c.C.format(func(v any) string { return ConstValue{v}.String() })
}
func (t TextValue) String() string { return strconv.Quote(t.T.Source) }
func (o ObjectValue) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Name, f.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// SampleFields samples a list of fields into a JSON object, leaving out
// unset ones. Fields are sampled in order (by name), so a device's values
// depend only on its generator.
func SampleFields(fields []Field, r *rand.Rand, vars Vars) map[string]any {
	m, _ := ObjectValue{Fields: fields}.Sample(r, vars)
	return m.(map[string]any)
}

// FormatAttribute turns a sampled value into the string a registry
// attribute holds: strings as they are, numbers in their shortest form.
func FormatAttribute(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// VarKind is the kind of a variable in a Text.
type VarKind uint8

const (
	DeviceID     VarKind = iota + 1 // ${device.id}: cohort name and index, unique in the fleet (DeviceName)
	DeviceIndex                     // ${device.index}: the device's index within its cohort, from 0
	DeviceCohort                    // ${device.cohort}: the cohort's name
	JobID                           // ${job.id}: the jobId of the job being executed
	JobDocument                     // ${job.document.a.b}: a field of the job document
)

// Var is a variable in a Text. Path is the field path for JobDocument.
type Var struct {
	Kind VarKind
	Path []string
}

func (v Var) String() string {
	switch v.Kind {
	case DeviceID:
		return "device.id"
	case DeviceIndex:
		return "device.index"
	case DeviceCohort:
		return "device.cohort"
	case JobID:
		return "job.id"
	case JobDocument:
		return "job.document." + strings.Join(v.Path, ".")
	}
	return "?"
}

// Text is a string with ${...} variables. "$${" writes a literal "${".
type Text struct {
	Source string
	Parts  []TextPart
}

// TextPart is literal text or a variable.
type TextPart struct {
	Lit string
	Var *Var
}

// Expand substitutes the variables. A template that is exactly one
// variable yields the variable's value with its type (a number in a job
// document stays a number); otherwise values are formatted into the text.
// ok is false when a variable has no value.
func (t Text) Expand(vars Vars) (any, bool) {
	if len(t.Parts) == 1 && t.Parts[0].Var != nil {
		return vars(*t.Parts[0].Var)
	}
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Var == nil {
			b.WriteString(p.Lit)
			continue
		}
		v, ok := vars(*p.Var)
		if !ok {
			return nil, false
		}
		b.WriteString(FormatAttribute(v))
	}
	return b.String(), true
}

// Vars returns the variables the template uses.
func (t Text) Vars() []Var {
	var out []Var
	for _, p := range t.Parts {
		if p.Var != nil {
			out = append(out, *p.Var)
		}
	}
	return out
}

// parseTemplate splits s into text and variables; allowJob admits job.*
// variables. It returns an error message and the byte offset it is about.
func parseTemplate(s string, allowJob bool) (Text, int, string) {
	t := Text{Source: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.Parts = append(t.Parts, TextPart{Lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return t, i, "unterminated ${ (write $${ for a literal ${)"
			}
			name := s[i+2 : i+end]
			v, msg := parseVar(name, allowJob)
			if msg != "" {
				return t, i, msg
			}
			flush()
			t.Parts = append(t.Parts, TextPart{Var: &v})
			i += end + 1
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return t, 0, ""
}

func parseVar(name string, allowJob bool) (Var, string) {
	known := "device.id, device.index, device.cohort"
	if allowJob {
		known += ", job.id, job.document.FIELD"
	}
	switch name {
	case "device.id":
		return Var{Kind: DeviceID}, ""
	case "device.index":
		return Var{Kind: DeviceIndex}, ""
	case "device.cohort":
		return Var{Kind: DeviceCohort}, ""
	}
	if allowJob {
		if name == "job.id" {
			return Var{Kind: JobID}, ""
		}
		if rest, ok := strings.CutPrefix(name, "job.document."); ok {
			path := strings.Split(rest, ".")
			if slices.Contains(path, "") {
				return Var{}, fmt.Sprintf("${%s}: empty field name in the job document path", name)
			}
			return Var{Kind: JobDocument, Path: path}, ""
		}
	} else if strings.HasPrefix(name, "job.") {
		return Var{}, fmt.Sprintf("${%s} is only known in jobs.onSuccess (here: %s)", name, known)
	}
	return Var{}, fmt.Sprintf("unknown variable ${%s} (known: %s)", name, known)
}

// DeviceName is the ${device.id} of the device with the given index in a
// cohort: "rev-a-000042". It is a valid thing name.
func DeviceName(cohort string, index int) string {
	return fmt.Sprintf("%s-%06d", cohort, index)
}
