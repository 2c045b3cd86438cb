package provision

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Safeguards are FleetLab's per-template limits on fleet provisioning by
// claim (DECISIONS.md): a leaked claim certificate must not provision an
// unbounded fleet. They apply to the MQTT RegisterThing only; the zero
// value allows everything, as AWS does.
//
// They are set with tags on CreateProvisioningTemplate, which the real
// CLI sends as it is (botocore rejects unknown members client-side, so a
// body extension would not get through):
//
//	fleetlab:maxRegistrationsPerClaim = N   successful registrations per claim certificate
//	fleetlab:registrationsPerMinute   = N   token bucket of N per minute, burst N, on now
//	fleetlab:allowedSerials           = "s1,s2 s3"   comma- or space-separated
//	fleetlab:allowListParameter       = SerialNumber the parameter the allow-list checks
//
// A tag value holds at most 256 characters, so a long allow-list comes
// from a file the daemon reads and passes to SetSafeguards (as it would
// for TagResource, which the core routes here too).
type Safeguards struct {
	MaxRegistrationsPerClaim int `json:"maxRegistrationsPerClaim,omitempty"`
	RegistrationsPerMinute   int `json:"registrationsPerMinute,omitempty"`
	// AllowList, when not nil, is the only values of AllowListParameter
	// that may register; an empty non-nil list refuses everything.
	AllowList []string `json:"allowList,omitempty"`
	// HasAllowList keeps "an empty list" apart from "no list" in records;
	// SetSafeguards sets it from AllowList != nil.
	HasAllowList       bool   `json:"hasAllowList,omitempty"`
	AllowListParameter string `json:"allowListParameter,omitempty"`
}

// The fleetlab: tag keys.
const (
	TagPrefix                   = "fleetlab:"
	TagMaxRegistrationsPerClaim = TagPrefix + "maxRegistrationsPerClaim"
	TagRegistrationsPerMinute   = TagPrefix + "registrationsPerMinute"
	TagAllowedSerials           = TagPrefix + "allowedSerials"
	TagAllowListParameter       = TagPrefix + "allowListParameter"
	// DefaultAllowListParameter is the parameter the allow-list checks.
	DefaultAllowListParameter = "SerialNumber"
)

// safeguardsFromTags reads the fleetlab: tags; an unknown fleetlab: key
// or a bad value is InvalidRequestException, so a typo does not leave a
// template unguarded.
func safeguardsFromTags(tags []registry.Tag) (Safeguards, error) {
	var s Safeguards
	for _, t := range tags {
		if !strings.HasPrefix(t.Key, TagPrefix) {
			continue
		}
		switch t.Key {
		case TagMaxRegistrationsPerClaim, TagRegistrationsPerMinute:
			n, err := strconv.Atoi(strings.TrimSpace(t.Value))
			if err != nil || n < 1 {
				return Safeguards{}, awserr.New(awserr.InvalidRequest, "Tag %s must be a positive integer, not %q.", t.Key, t.Value)
			}
			if t.Key == TagMaxRegistrationsPerClaim {
				s.MaxRegistrationsPerClaim = n
			} else {
				s.RegistrationsPerMinute = n
			}
		case TagAllowedSerials:
			s.AllowList = splitList(t.Value)
			s.HasAllowList = true
		case TagAllowListParameter:
			if strings.TrimSpace(t.Value) == "" {
				return Safeguards{}, awserr.New(awserr.InvalidRequest, "Tag %s must name a template parameter.", t.Key)
			}
			s.AllowListParameter = strings.TrimSpace(t.Value)
		default:
			return Safeguards{}, awserr.New(awserr.InvalidRequest,
				"Unknown FleetLab tag %s (known: %s, %s, %s, %s).", t.Key, TagMaxRegistrationsPerClaim,
				TagRegistrationsPerMinute, TagAllowedSerials, TagAllowListParameter)
		}
	}
	return s.normalised(), nil
}

func splitList(v string) []string {
	out := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	if out == nil {
		out = []string{}
	}
	return out
}

func (s Safeguards) normalised() Safeguards {
	if s.AllowListParameter == "" {
		s.AllowListParameter = DefaultAllowListParameter
	}
	if s.AllowList != nil {
		s.HasAllowList = true
		s.AllowList = slices.Compact(slices.Sorted(slices.Values(s.AllowList)))
	}
	if s.HasAllowList && s.AllowList == nil {
		s.AllowList = []string{}
	}
	return s
}

// SetSafeguards replaces a template's safeguards: the daemon calls it with
// an allow-list read from a file, the core for TagResource and
// UntagResource on a template ARN. Counters are kept.
func (e *Engine) SetSafeguards(now time.Time, templateName string, s Safeguards) error {
	t, err := e.template(templateName)
	if err != nil {
		return err
	}
	if s.MaxRegistrationsPerClaim < 0 || s.RegistrationsPerMinute < 0 {
		return awserr.New(awserr.InvalidRequest, "Safeguard limits cannot be negative.")
	}
	t.safeguards = s.normalised()
	t.modified = now.UTC().Round(0)
	e.dirtyTemplate(t)
	return nil
}

// TemplateSafeguards returns a template's safeguards.
func (e *Engine) TemplateSafeguards(templateName string) (Safeguards, error) {
	t, err := e.template(templateName)
	if err != nil {
		return Safeguards{}, err
	}
	s := t.safeguards
	s.AllowList = slices.Clone(s.AllowList)
	return s, nil
}

// counters are a template's safeguard state: successful registrations
// per claim certificate and the rate limiter.
type counters struct {
	perClaim map[string]int
	// tat is the GCRA theoretical arrival time, in Unix nanoseconds: the
	// limiter is exact integer arithmetic on now, so a restored engine
	// decides as the original would.
	tat int64
}

func (e *Engine) countersOf(name string) *counters {
	c := e.counters[name]
	if c == nil {
		c = &counters{perClaim: map[string]int{}}
		e.counters[name] = c
	}
	return c
}

// refusal is a safeguard's or hook's no: the MQTT rejection and the
// event reason.
type refusal struct {
	reason string
	err    *awserr.Error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Error codes of refusals on the MQTT API. ACCESS_DENIED is what AWS
// answers a hook's denial (spec §3.3); a rate limit is a throttle the
// device may retry.
const (
	CodeAccessDenied = "ACCESS_DENIED"
	CodeThrottled    = "ThrottlingException"
)

func denied(reason, format string, args ...any) *refusal {
	return &refusal{reason: reason, err: awserr.WithStatus(CodeAccessDenied, 403, format, args...)}
}

// checkSafeguards decides whether a claim registration may proceed; it
// changes nothing. params are the device's parameters (the allow-list
// checks what the device sent, before any hook override).
func (e *Engine) checkSafeguards(now time.Time, t *provTemplate, claimCertID string, params map[string]string) *refusal {
	s := t.safeguards
	c := e.counters[t.name]
	if s.MaxRegistrationsPerClaim > 0 && c != nil && c.perClaim[claimCertID] >= s.MaxRegistrationsPerClaim {
		return denied(ReasonMaxRegistrations,
			"Claim certificate %s has reached the maximum of %d registrations with template %s.",
			shortID(claimCertID), s.MaxRegistrationsPerClaim, t.name)
	}
	if s.RegistrationsPerMinute > 0 && c != nil {
		if wait := gcraWait(now, c.tat, s.RegistrationsPerMinute); wait > 0 {
			return &refusal{reason: ReasonRateLimit, err: awserr.WithStatus(CodeThrottled, 429,
				"Template %s allows %d registrations per minute; retry in %v.", t.name, s.RegistrationsPerMinute, wait.Round(time.Millisecond))}
		}
	}
	if s.HasAllowList {
		v, ok := params[s.AllowListParameter]
		if !ok {
			return denied(ReasonAllowList, "Parameter %s is required by the allow-list of template %s.", s.AllowListParameter, t.name)
		}
		if _, found := slices.BinarySearch(s.AllowList, v); !found {
			return denied(ReasonAllowList, "%s %q is not on the allow-list of template %s.", s.AllowListParameter, v, t.name)
		}
	}
	return nil
}

// countRegistration records a successful claim registration.
func (e *Engine) countRegistration(now time.Time, t *provTemplate, claimCertID string) {
	s := t.safeguards
	if s.MaxRegistrationsPerClaim == 0 && s.RegistrationsPerMinute == 0 {
		return
	}
	c := e.countersOf(t.name)
	if s.MaxRegistrationsPerClaim > 0 {
		c.perClaim[claimCertID]++
	}
	if s.RegistrationsPerMinute > 0 {
		c.tat = max(c.tat, now.UnixNano()) + int64(time.Minute)/int64(s.RegistrationsPerMinute)
	}
	e.sink.Dirty(keyCounters(t.name))
}

// gcraWait is how long until the limiter admits one more registration at
// rate per minute with a burst of rate: zero when it does now.
func gcraWait(now time.Time, tat int64, rate int) time.Duration {
	interval := int64(time.Minute) / int64(rate)
	burst := int64(rate-1) * interval
	n := now.UnixNano()
	if wait := max(tat, n) - n - burst; wait > 0 {
		return time.Duration(wait)
	}
	return 0
}

func (e *Engine) refused(now time.Time, t *provTemplate, claimCertID, certID string, r *refusal) {
	e.sink.Event(Event{Time: now, Kind: EventProvisioningRefused, Template: t.name, ClaimCertificateID: claimCertID,
		CertificateID: certID, Reason: r.reason, Detail: r.err.Message})
}

func shortID(id string) string {
	if len(id) > 12 {
		return fmt.Sprintf("%s…", id[:12])
	}
	return id
}
