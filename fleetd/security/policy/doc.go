// Package policy parses AWS IoT policy documents and decides requests
// against them: may this certificate connect as client X, publish to topic
// Y, subscribe to filter Z? It owns the policy language (spec §6): the
// document grammar and its validation (MalformedPolicyException), action
// and resource wildcards, policy variables, conditions, and IAM's
// evaluation rule. It does not own which policies apply to a principal
// (the registry's attachments and thing groups) nor the ARNs of requests
// (the gateway builds them); it is pure: no I/O, no goroutines, no clock,
// no global mutable state.
//
// # Use
//
//	doc, err := policy.Parse(body)          // CreatePolicy, CreatePolicyVersion
//	if err != nil {
//		return err                       // *awserr.Error, MalformedPolicyException
//	}
//	doc.Name = "device-policy@1"            // named in Decisions
//	set := policy.Compile(effective...)     // once per principal
//	d := set.Evaluate(&policy.Request{
//		Action:   policy.ActionPublish,
//		Resource: "arn:aws:iot:us-east-1:123456789012:topic/dt/sensor-1/temp",
//		Context:  connCtx,               // client id, thing, certificate, source IP
//	})
//	if !d.Allowed { audit(d.String()); disconnect() }
//
// Parse enforces DefaultLimits (2048 characters excluding whitespace);
// Limits{}.Parse lifts them, as a caller with a raised quota would.
//
// # Caching: what the caller must do
//
// Compile does all the string work; Set.Evaluate only compares, so the MQTT
// gateway evaluates on every CONNECT, PUBLISH, SUBSCRIBE and delivery
// without allocating. A caller caches the Set per certificate (the union of
// the policies attached to it and to the static thing groups of its
// thing) and drops it when that union changes: AttachPolicy/DetachPolicy,
// SetDefaultPolicyVersion, DeletePolicy, AttachThingPrincipal/Detach,
// and thing-group membership. A Context is per connection; a thing's
// attributes feed ${iot:Connection.Thing.Attributes[x]}, so rebuild the
// Context when they change (AWS itself caches for minutes).
//
// # Evaluation
//
// Implicit deny; an explicit Deny matching the request wins over every
// Allow, in any policy of the Set; otherwise the first matching Allow, in
// argument and statement order, grants. The Decision names the statement,
// or says implicit deny. A statement matches when its Action (or not its
// NotAction), its Resource (or not its NotResource) and all its Conditions
// match.
//
// Actions match case-insensitively with * and ?. Resources match the whole
// ARN case-sensitively: * is any run of characters (crossing "/" and ":"),
// ? is exactly one character (rune). MQTT's + and # are literal: the
// resource topicfilter/some/+/topic matches only the filter "some/+/topic",
// and a Deny on topicfilter/a/restricted/* does not stop a subscription to
// a/# (deny iot:Receive on topic/a/restricted/* for that).
//
// # Policy variables
//
// In a document with Version 2012-10-17 (only: as in IAM, older or absent
// versions keep "${...}" literal), resources and condition values may use
// ${iot:ClientId}, ${iot:CertificateId}, ${aws:SourceIp},
// ${iot:Connection.Thing.ThingName|ThingTypeName|IsAttached},
// ${iot:Connection.Thing.Attributes[name]} and
// ${iot:Certificate.Subject.X} / ${iot:Certificate.Issuer.X} where X is an
// attribute of SubjectAttributes, optionally with .N (the 0-based Nth
// value; bare X is .0) or .List (all values; condition keys only). ${*},
// ${?} and ${$} are a literal *, ? and $; an unterminated "${" is literal.
// Names match case-insensitively (thing attribute names do not). A
// substituted value is literal text: a client id of "*" matches only "*".
//
// A variable does not resolve when its value is missing: no client id, no
// certificate or attribute, an index past the last value, .List in a
// resource, an unknown name, or any thing variable unless Context.Thing is
// set and IsAttached (the thing named by the client id must be attached to
// the certificate). IsAttached itself always resolves, to "false" when
// there is no attached thing. An entry with an unresolved variable matches
// nothing, and a NotResource list or negated condition holding one makes
// its statement not apply; so an unresolved variable only ever narrows a
// statement. For an Allow that is the safe choice (no grant); note that it
// also means a Deny whose resource uses an unresolved variable does not
// deny (consistent with AWS, where such a statement is not matched; spec
// §6.3 marks this inferred). Write Denies without thing variables, and
// guard Allows that use them with a Bool IsAttached condition.
//
// # Conditions
//
// Operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, Bool, IpAddress,
// NotIpAddress, ArnEquals, ArnNotEquals, ArnLike, ArnNotLike (all with
// optional ForAnyValue:/ForAllValues: and IfExists) and Null. Keys are the
// variable names above (e.g. iot:Connection.Thing.IsAttached, aws:SourceIp,
// iot:Certificate.Subject.Organization.List). An absent key fails a
// condition, except that negated operators, IfExists and ForAllValues hold
// (IAM's rule). Without a qualifier a multi-valued key holds when any value
// matches, or for a negated operator when none does. Arn operators match
// the whole ARN as a glob, like resources (IAM matches per component; no
// context key here is an ARN). Numeric, Date and Binary operators are
// rejected as unsupported rather than silently never matching.
package policy
