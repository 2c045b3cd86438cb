package scenario

import (
	"math"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Safeguards are FleetLab's limits on fleet provisioning by claim, set on a
// template (fleetd/provision: Safeguards): the simulator passes them to
// CreateProvisioningTemplate as fleetlab: tags, so a rehearsal shows what a
// leaked claim certificate could do against the configuration the fleet
// will really have.
type Safeguards struct {
	MaxRegistrationsPerClaim int // 0: no limit
	RegistrationsPerMinute   int // 0: no limit
	// AllowedSerials, when HasAllowList, are the only values of
	// AllowListParameter that may register (inline or from a file).
	AllowedSerials     []string
	HasAllowList       bool
	AllowedSerialsFile string // the file the list came from, "" when inline
	AllowListParameter string // "" means fleetd's default, SerialNumber
	Pos                Pos
}

// defaultAllowListParameter is the parameter fleetd's allow-list checks
// when allowListParameter is not set.
const defaultAllowListParameter = "SerialNumber"

// Parameter is the template parameter the allow-list checks.
func (s *Safeguards) Parameter() string {
	if s.AllowListParameter == "" {
		return defaultAllowListParameter
	}
	return s.AllowListParameter
}

// maxTagValue is AWS's limit on a tag value; a longer allow-list goes to
// fleetd another way (see the engine), so the format does not limit it.
const maxTagValue = 256

// safeguards reads a template's safeguards: mapping. Run after the body,
// so that allowListParameter is checked against the declared parameters.
func (p *parser) safeguards(t *Template, n *yaml.Node, s scope) {
	d := p.d
	f, ok := d.mapping(n, s, "safeguards")
	if !ok {
		return
	}
	sg := &Safeguards{Pos: d.pos(n)}
	if len(f.node.Content) == 0 { // an unknown key alone was reported already
		d.errorf(f.node, s, "expected at least one of %s", strings.Join(knownKeys["safeguards"], ", "))
		return
	}
	if len(f.vals) == 0 {
		return
	}
	if t.Type == "JITP" {
		d.errorf(f.node, s, "safeguards apply to fleet provisioning by claim; template %s is JITP", t.Name)
		return
	}
	if v := f.get("maxRegistrationsPerClaim"); v != nil {
		n, _ := d.integer(v, s.key("maxRegistrationsPerClaim"), 1, math.MaxInt32)
		sg.MaxRegistrationsPerClaim = int(n)
	}
	if v := f.get("registrationsPerMinute"); v != nil {
		n, _ := d.integer(v, s.key("registrationsPerMinute"), 1, math.MaxInt32)
		sg.RegistrationsPerMinute = int(n)
	}
	if v := f.get("allowListParameter"); v != nil {
		if name, ok := d.nonEmpty(v, s.key("allowListParameter")); ok {
			sg.AllowListParameter = name
		}
	}
	if v := f.get("allowedSerials"); v != nil {
		sg.AllowedSerials, sg.AllowedSerialsFile, sg.HasAllowList = p.allowedSerials(v, s.key("allowedSerials"))
	} else if f.has("allowListParameter") {
		d.errorf(f.get("allowListParameter"), s.key("allowListParameter"), "allowListParameter needs allowedSerials")
	}
	if sg.HasAllowList && t.Resources != nil && !slices.ContainsFunc(t.Parameters, func(tp TemplateParameter) bool { return tp.Name == sg.Parameter() }) {
		where := f.get("allowedSerials")
		if v := f.get("allowListParameter"); v != nil {
			where = v
		}
		d.errorf(where, s, "the allow-list checks parameter %s, which template %s does not declare", sg.Parameter(), t.Name)
	}
	t.Safeguards = sg
}

// allowedSerials reads a list of serials, inline or {file: path} naming a
// text file of serials separated by commas, spaces or line breaks.
func (p *parser) allowedSerials(n *yaml.Node, s scope) (serials []string, file string, ok bool) {
	d := p.d
	if v := deref(n); v != nil && v.Kind == yaml.MappingNode {
		path, data, ok := p.readFileRef(v, s)
		if !ok {
			return nil, "", false
		}
		list := strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		if len(list) == 0 {
			d.errorf(n, s, "%s lists no serials: the allow-list would refuse every device", path)
			return nil, "", false
		}
		return list, path, true
	}
	list, ok := d.strList(n, s, "serials, or {file: path}")
	if !ok {
		return nil, "", false
	}
	for i, v := range list {
		if strings.ContainsAny(v, ", \t\r\n") {
			d.errorf(deref(n).Content[i], s.index(i), "%q: a serial cannot hold commas or spaces (fleetd separates the list with them)", v)
			ok = false
		}
	}
	if len(list) == 0 {
		d.errorf(n, s, "an empty allow-list refuses every device; leave allowedSerials out for no allow-list")
		ok = false
	}
	return list, "", ok
}
