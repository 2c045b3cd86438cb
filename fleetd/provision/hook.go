package provision

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// HookCaller runs pre-provisioning hooks outside the engine. The daemon
// implements it with an HTTP POST of Payload to the endpoint configured
// for TargetArn, bounded by Deadline.
//
// CallHook must not block and must not call the engine: it starts the
// call and returns. When the endpoint answers (or the call fails), the
// caller passes the outcome to Engine.HookResult from the goroutine that
// owns the engine. A hook that has not answered by Deadline is refused by
// Tick (the engine arms NextDeadline for it), and its late HookResult is
// ignored. So the engine stays pure, a slow hook never stalls other
// devices, and a test drives a hook with two calls and a virtual clock.
type HookCaller interface {
	CallHook(call HookCall)
}

// HookCall is one pre-provisioning hook invocation.
type HookCall struct {
	ID             uint64
	TargetArn      string
	PayloadVersion string
	// Payload is the hook's input event (spec §4.4): claimCertificateId,
	// certificateId, certificatePem, templateArn, clientId, parameters.
	Payload  []byte
	Deadline time.Time
}

// HookInput is the JSON input event of a pre-provisioning hook.
type HookInput struct {
	ClaimCertificateId string            `json:"claimCertificateId"`
	CertificateId      string            `json:"certificateId"`
	CertificatePem     string            `json:"certificatePem"`
	TemplateArn        string            `json:"templateArn"`
	ClientId           string            `json:"clientId"`
	Parameters         map[string]string `json:"parameters"`
}

// HookOutput is what a hook answers.
type HookOutput struct {
	AllowProvisioning  *bool             `json:"allowProvisioning"`
	ParameterOverrides map[string]string `json:"parameterOverrides,omitempty"`
}

// pendingRegistration is a claim registration waiting for its hook.
// Pending registrations are not persisted: after a restart the device's
// request times out and it retries, as after a lost connection.
type pendingRegistration struct {
	attempt  claimAttempt
	certID   string
	deadline time.Time
}

func (e *Engine) startHook(now time.Time, t *provTemplate, certID string, a claimAttempt) error {
	if e.opts.Hooks == nil {
		r := denied(ReasonHookFailed, "The pre-provisioning hook of template %s cannot be called: fleetd has no hook caller configured.", t.name)
		e.refused(now, t, a.claimCertID, certID, r)
		return r
	}
	pem, err := e.certificatePEM(certID)
	if err != nil {
		return err
	}
	params := a.params
	if params == nil {
		params = map[string]string{}
	}
	payload, err := json.Marshal(HookInput{ClaimCertificateId: a.claimCertID, CertificateId: certID, CertificatePem: pem,
		TemplateArn: e.templateArn(t.name), ClientId: a.clientID, Parameters: params})
	if err != nil {
		return fmt.Errorf("provision: hook input: %w", err)
	}
	e.hookSeq++
	p := &pendingRegistration{attempt: a, certID: certID, deadline: now.Add(e.opts.HookTimeout)}
	e.pending[e.hookSeq] = p
	e.opts.Hooks.CallHook(HookCall{ID: e.hookSeq, TargetArn: t.hook.TargetArn, PayloadVersion: t.hook.PayloadVersion,
		Payload: payload, Deadline: p.deadline})
	return nil
}

// HookResult resumes the registration waiting for hook call id with the
// hook's response body, or callErr when the call failed. It returns the
// reply to send (none when the call is unknown or was already answered by
// Tick). A failed call, a body that is not a HookOutput, or
// allowProvisioning missing or false refuse the registration with
// ACCESS_DENIED (spec §4.4); parameterOverrides are merged into the
// parameters otherwise.
func (e *Engine) HookResult(now time.Time, id uint64, response []byte, callErr error) []Reply {
	p := e.pending[id]
	if p == nil {
		return nil
	}
	delete(e.pending, id)
	a := p.attempt
	reply := func(topic string, payload []byte) []Reply {
		return []Reply{{ClientID: a.clientID, Topic: topic, Payload: payload}}
	}
	if !now.Before(p.deadline) {
		return reply(reject(a.topic, e.hookRefusal(now, p, ReasonHookFailed, "The pre-provisioning hook did not answer within %v.", e.opts.HookTimeout)))
	}
	if callErr != nil {
		return reply(reject(a.topic, e.hookRefusal(now, p, ReasonHookFailed, "The pre-provisioning hook failed: %v", callErr)))
	}
	var out HookOutput
	if err := json.Unmarshal(response, &out); err != nil {
		return reply(reject(a.topic, e.hookRefusal(now, p, ReasonHookFailed, "The pre-provisioning hook's answer is not valid: %v", err)))
	}
	if out.AllowProvisioning == nil || !*out.AllowProvisioning {
		return reply(reject(a.topic, e.hookRefusal(now, p, ReasonHookDenied, "The pre-provisioning hook did not allow provisioning.")))
	}
	overrides := out.ParameterOverrides
	if overrides == nil {
		overrides = map[string]string{}
	}
	return reply(e.finishClaim(now, a, maps.Clone(overrides)))
}

func (e *Engine) hookRefusal(now time.Time, p *pendingRegistration, reason, format string, args ...any) error {
	r := denied(reason, format, args...)
	e.sink.Event(Event{Time: now, Kind: EventProvisioningRefused, Template: p.attempt.template,
		ClaimCertificateID: p.attempt.claimCertID, CertificateID: p.certID, Reason: reason, Detail: r.err.Message})
	return r
}

// expireHooks refuses the registrations whose hook is past its deadline,
// in deadline order (then call order).
func (e *Engine) expireHooks(now time.Time) []Reply {
	var due []uint64
	for id, p := range e.pending {
		if !now.Before(p.deadline) {
			due = append(due, id)
		}
	}
	slices.SortFunc(due, func(a, b uint64) int {
		if c := e.pending[a].deadline.Compare(e.pending[b].deadline); c != 0 {
			return c
		}
		return int(a) - int(b)
	})
	var replies []Reply
	for _, id := range due {
		replies = append(replies, e.HookResult(now, id, nil, awserr.New(awserr.InternalFailure, "timeout"))...)
	}
	return replies
}

// PendingHooks is the number of registrations waiting for a hook.
func (e *Engine) PendingHooks() int { return len(e.pending) }
