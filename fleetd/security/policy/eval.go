package policy

import "fmt"

// Actions the MQTT gateway and the data-plane APIs authorize (spec §6.2).
const (
	ActionConnect                      = "iot:Connect"
	ActionPublish                      = "iot:Publish"
	ActionRetainPublish                = "iot:RetainPublish"
	ActionSubscribe                    = "iot:Subscribe"
	ActionReceive                      = "iot:Receive"
	ActionGetRetainedMessage           = "iot:GetRetainedMessage"
	ActionListRetainedMessages         = "iot:ListRetainedMessages"
	ActionGetThingShadow               = "iot:GetThingShadow"
	ActionUpdateThingShadow            = "iot:UpdateThingShadow"
	ActionDeleteThingShadow            = "iot:DeleteThingShadow"
	ActionListNamedShadowsForThing     = "iot:ListNamedShadowsForThing"
	ActionDescribeJobExecution         = "iot:DescribeJobExecution"
	ActionGetPendingJobExecutions      = "iot:GetPendingJobExecutions"
	ActionUpdateJobExecution           = "iot:UpdateJobExecution"
	ActionStartNextPendingJobExecution = "iot:StartNextPendingJobExecution"
	ActionAssumeRoleWithCertificate    = "iot:AssumeRoleWithCertificate"
)

// Request is one authorization question: may the principal behind Context
// perform Action on Resource?
type Request struct {
	Action   string // e.g. iot:Publish; matched case-insensitively
	Resource string // full ARN, e.g. arn:aws:iot:us-east-1:123456789012:topic/a/b
	Context  Context
}

// Decision is the answer to a Request and the reason for it, for audit
// events. Effect is Deny for an explicit deny, Allow for a grant and zero
// for an implicit deny (no statement matched), in which case Policy is ""
// and PolicyIndex and Statement are -1.
type Decision struct {
	Allowed     bool
	Effect      Effect
	Policy      string // Name of the deciding document
	PolicyIndex int    // its position in Compile's arguments
	Statement   int    // the statement's index in its document
	Sid         string
}

func (d Decision) String() string {
	if d.Effect == 0 {
		return "denied: implicit deny (no statement allows the request)"
	}
	verdict := "allowed"
	if !d.Allowed {
		verdict = "denied: explicit Deny"
	}
	policy := d.Policy
	if policy == "" {
		policy = fmt.Sprintf("#%d", d.PolicyIndex)
	}
	s := fmt.Sprintf("%s by policy %s statement %d", verdict, policy, d.Statement)
	if d.Sid != "" {
		s += fmt.Sprintf(" (Sid %q)", d.Sid)
	}
	return s
}

var implicitDeny = Decision{PolicyIndex: -1, Statement: -1}

// Set is a compiled group of policy documents: the effective policies of
// one principal. It is immutable and safe for concurrent use.
type Set struct {
	// Deny statements come first so that one match ends the evaluation.
	deny, allow []compiledStatement
}

type compiledStatement struct {
	policy      string
	policyIndex int
	index       int
	sid         string
	effect      Effect
	actions     []pattern
	notAction   bool
	resources   []pattern
	notResource bool
	conditions  []compiledCondition
}

// Compile compiles documents into a Set; nil documents are skipped.
// Documents are not retained.
func Compile(docs ...*Document) *Set {
	s := &Set{}
	for di, d := range docs {
		if d == nil {
			continue
		}
		variables := d.usesVariables()
		for si := range d.Statements {
			st := &d.Statements[si]
			cs := compiledStatement{
				policy: d.Name, policyIndex: di, index: si, sid: st.Sid, effect: st.Effect,
				notAction: st.NotAction, notResource: st.NotResource,
			}
			for _, a := range st.Actions {
				cs.actions = append(cs.actions, compilePattern(a, true, false))
			}
			for _, r := range st.Resources {
				cs.resources = append(cs.resources, compilePattern(r, true, variables))
			}
			for ci := range st.Conditions {
				cs.conditions = append(cs.conditions, compileCondition(&st.Conditions[ci], variables))
			}
			switch st.Effect {
			case Deny:
				s.deny = append(s.deny, cs)
			case Allow:
				s.allow = append(s.allow, cs)
			}
		}
	}
	return s
}

// Evaluate compiles policies and evaluates one request: the convenience
// form of Compile(policies...).Evaluate(&req) for callers that do not
// cache Sets.
func Evaluate(policies []*Document, req Request) Decision {
	return Compile(policies...).Evaluate(&req)
}

// Evaluate decides req: an explicit Deny wins, else the first matching
// Allow (in document and statement order) grants, else implicit deny. It
// does not allocate unless a pattern uses aws:SourceIp as a variable or
// holds more than maxStackVars variables.
func (s *Set) Evaluate(req *Request) Decision {
	for i := range s.deny {
		if st := &s.deny[i]; st.applies(req) {
			return st.decision()
		}
	}
	for i := range s.allow {
		if st := &s.allow[i]; st.applies(req) {
			return st.decision()
		}
	}
	return implicitDeny
}

func (st *compiledStatement) decision() Decision {
	return Decision{
		Allowed: st.effect == Allow, Effect: st.effect,
		Policy: st.policy, PolicyIndex: st.policyIndex, Statement: st.index, Sid: st.sid,
	}
}

func (st *compiledStatement) applies(req *Request) bool {
	if !matchList(st.actions, st.notAction, req.Action, &req.Context, true) ||
		!matchList(st.resources, st.notResource, req.Resource, &req.Context, false) {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(&req.Context) {
			return false
		}
	}
	return true
}

// matchList matches s against an Action/Resource list, or with not its
// NotAction/NotResource form. An entry whose variable does not resolve
// matches nothing, and a Not list with such an entry does not apply: an
// unresolved variable never makes a statement, Allow or Deny, cover a
// request it would not cover with the variable resolved to anything.
func matchList(patterns []pattern, not bool, s string, ctx *Context, fold bool) bool {
	unresolved := false
	for i := range patterns {
		matched, resolved := patterns[i].match(s, ctx, fold)
		if !resolved {
			unresolved = true
			continue
		}
		if matched {
			return !not
		}
	}
	return not && !unresolved
}
