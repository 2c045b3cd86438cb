package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// maxTagValue is AWS's limit on a tag value.
const maxTagValue = 256

// safeguardTags are a template's safeguards as the fleetlab: tags of
// CreateProvisioningTemplate, which is how a fleet configures them on
// fleetd. An allow-list too long for a tag value is left out (long is
// false then) and goes through SetSafeguards, as the daemon does for an
// allow-list file.
func safeguardTags(sg *scenario.Safeguards) (tags []registry.Tag, long bool) {
	if sg == nil {
		return nil, false
	}
	if sg.MaxRegistrationsPerClaim > 0 {
		tags = append(tags, registry.Tag{Key: provision.TagMaxRegistrationsPerClaim, Value: strconv.Itoa(sg.MaxRegistrationsPerClaim)})
	}
	if sg.RegistrationsPerMinute > 0 {
		tags = append(tags, registry.Tag{Key: provision.TagRegistrationsPerMinute, Value: strconv.Itoa(sg.RegistrationsPerMinute)})
	}
	if sg.AllowListParameter != "" {
		tags = append(tags, registry.Tag{Key: provision.TagAllowListParameter, Value: sg.AllowListParameter})
	}
	if sg.HasAllowList {
		if list := strings.Join(sg.AllowedSerials, " "); len(list) <= maxTagValue {
			tags = append(tags, registry.Tag{Key: provision.TagAllowedSerials, Value: list})
		} else {
			long = true
		}
	}
	return tags, long
}

// setLongAllowList hands fleetd a template's safeguards with an allow-list
// longer than a tag can hold.
func (s *Sim) setLongAllowList(now time.Time, t scenario.Template) error {
	sg := t.Safeguards
	full := provision.Safeguards{MaxRegistrationsPerClaim: sg.MaxRegistrationsPerClaim, RegistrationsPerMinute: sg.RegistrationsPerMinute,
		AllowList: sg.AllowedSerials, HasAllowList: true, AllowListParameter: sg.AllowListParameter}
	set := func(e *provision.Engine, now time.Time, g provision.Safeguards) error {
		return e.SetSafeguards(now, t.Name, g)
	}
	if err := core.DoProvisionErr(s.core, now, set, full); err != nil {
		return fmt.Errorf("provisioning template %s (%s): the allow-list of %d serials: %w", t.Name, t.Pos, len(sg.AllowedSerials), err)
	}
	return nil
}

// refusedError is a claim registration fleetd refused on purpose (a
// safeguard or the hook): the report counts it from fleetd's
// ProvisioningRefused event, so it is not a warning.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// countRefusal counts a ProvisioningRefused event by its reason, the first
// word of the core event's detail.
func (s *Sim) countRefusal(e *core.Event) {
	reason, _, _ := strings.Cut(e.Detail, " ")
	p := &s.rep.Provisioning
	p.Refused++
	p.RefusedBy[reason]++
}
