// Package provision is fleetd's provisioning engine: provisioning
// templates, fleet provisioning by claim (the $aws/certificates and
// $aws/provisioning-templates MQTT API), the control-plane RegisterThing,
// just-in-time registration and provisioning (JITR/JITP) and bulk
// registration (StartThingRegistrationTask). Like fleetd/jobs it is a pure
// state machine: every operation takes now, it does no I/O, starts no
// goroutines, reads no clock and draws no randomness of its own. Effects
// go to a Sink; things go through the Registry interface; certificates,
// policies and attachments through the identity store.
//
// # What it owns
//
//   - Provisioning templates (templates.go): Create/Describe/List/Update/
//     Delete and Create/Describe/List/DeleteProvisioningTemplateVersion,
//     at most MaxTemplateVersions versions, ids never reused, the default
//     version undeletable. Bodies are parsed by provision/template and
//     checked for their type (CheckKind) at create time; the parsed form is
//     kept, so a registration only evaluates.
//   - Claim safeguards (safeguards.go), a FleetLab extension: per template,
//     a maximum of registrations per claim certificate, a rate limit and a
//     serial-number allow-list, set by fleetlab: tags (see Safeguards).
//   - Fleet provisioning by claim (claim.go, hook.go): HandleMQTT answers
//     the three request topics of spec §3.3.
//   - Applying an evaluated template (register.go), shared by the claim
//     flow, RegisterThing, JITP and bulk lines.
//   - JITR/JITP (jitp.go): ProvisionOnFirstConnect.
//   - Bulk registration (bulk.go): tasks, their reports, Tick slices.
//   - Persistence (persist.go): Record, Keys, Restore, FinishRestore,
//     OwnsKey.
//
// It does not own certificates, policies or ownership tokens (fleetd/
// identity: IssueForClaim, CheckOwnershipToken/ConsumeOwnershipToken,
// token expiry), nor things and groups (fleetd/registry through the
// Registry interface).
//
// # Fleet provisioning by claim
//
// HandleMQTT(now, clientID, claimCertID, topic, payload) returns the
// response topic and payload for the requesting client only:
//
//	$aws/certificates/create/json             → identity.IssueForClaim (new key), PENDING_ACTIVATION
//	$aws/certificates/create-from-csr/json    → identity.IssueForClaim (CSR); no privateKey
//	$aws/provisioning-templates/{t}/provision/json → RegisterThing
//
// RegisterThing runs spec §3.3's steps: (1) CheckOwnershipToken, (1b) the
// template must exist, be FLEET_PROVISIONING and enabled, (1c) the
// safeguards, (2) the pre-provisioning hook if any, (3) parameterOverrides
// merged, (4) the default version evaluated with the parameters,
// AWS::Region, AWS::AccountId, AWS::IoT::Certificate::Id and the
// certificate's subject fields (AWS::IoT::Certificate::CommonName, …),
// (5, 6) apply (below), then ConsumeOwnershipToken and the safeguard
// counters, (7) {"deviceConfiguration":{…},"thingName":…}. Any failure
// leaves the token usable and answers on …/rejected with
// {"statusCode","errorCode","errorMessage"}: the awserr code and status
// of the cause (InvalidCertificateOwnershipToken 400,
// ResourceNotFoundException 404, ResourceRegistrationFailureException
// 400, …), InvalidPayload 400 for bad JSON, InvalidTopic 400,
// ACCESS_DENIED 403 for a hook or safeguard refusal, ThrottlingException
// 429 for the rate limit. The …/cbor topics take and answer CBOR with the
// same member names.
//
// # The pre-provisioning hook: asynchronous
//
// A hook is an HTTP call of up to 5 s (spec §4.4). The engine runs on the
// node's serialised goroutine, so a synchronous call would stall every
// other device for that long; instead the engine asks and resumes:
//
//  1. RegisterThing through a template with a hook calls
//     Options.Hooks.CallHook(HookCall{ID, TargetArn, Payload, Deadline})
//     and HandleMQTT returns an empty topic (no answer yet).
//  2. The daemon POSTs Payload (the HookInput JSON) and, on the node
//     goroutine, calls HookResult(now, id, body, err), which returns the
//     Reply to send (ClientID, Topic, Payload).
//  3. If the answer has not come by Deadline (now + HookTimeout),
//     NextDeadline says so and Tick returns the ACCESS_DENIED reply; a
//     late HookResult returns nothing.
//
// After the hook the token, template and safeguards are checked again:
// another request may have used the token or the last allowance meanwhile.
// Pending registrations are not persisted: after a restart the device's
// request times out and it retries. With no HookCaller, a template with a
// hook refuses (ACCESS_DENIED), as AWS does when the Lambda fails.
//
// # Safeguards
//
// Set by tags on CreateProvisioningTemplate, which the real CLI sends
// unchanged (botocore rejects unknown body members client-side):
//
//	aws iot create-provisioning-template ... --tags \
//	  Key=fleetlab:maxRegistrationsPerClaim,Value=1000 \
//	  Key=fleetlab:registrationsPerMinute,Value=600 \
//	  Key=fleetlab:allowedSerials,Value="A1 A2 A3" \
//	  Key=fleetlab:allowListParameter,Value=SerialNumber
//
// An unknown fleetlab: key or a bad value is InvalidRequestException. A
// long allow-list comes from a file the daemon reads and hands to
// SetSafeguards (which the core also calls for TagResource). Checks, in
// this order, before the hook: registrations so far by this claim
// certificate (counted on success), the rate limit (GCRA on now: burst N,
// then one every minute/N), the allow-list on the device's parameter. Each
// refusal is an EventProvisioningRefused with Reason and the claim and
// new certificate ids. Safeguards apply to the MQTT claim flow only.
//
// # Applying a template
//
// apply does, in order: the checks that need no change (an existing
// thing's OverrideSettings FAIL; named policies exist; the certificate),
// the certificate (a CSR is signed, a PEM registered or found, an id must
// exist), the thing (created; or, when it exists, updated per
// OverrideSettings: absent means DO_NOTHING; FAIL refuses only when the
// template would change the property, so re-provisioning a device is
// idempotent; ThingGroups REPLACE leaves dynamic groups alone; the billing
// group is set whenever named), the policies (a document policy that
// already exists is attached as it is), policy → certificate and
// certificate → thing attachments, and last the certificate status (a
// PENDING_ACTIVATION certificate always takes the template's Status; an
// existing one only with Status: REPLACE). It is not transactional: a
// failure after the first change keeps what was done, as AWS.
//
// # RegisterThing (HTTP)
//
// RegisterThing(now, {templateBody, parameters}) evaluates an inline
// template (any certificate source) and applies it; resourceArns keys are
// "thing", "certificate", and "policy" for a single policy or each
// policy's logical name. Errors are the model's: InvalidRequestException,
// ConflictingResourceUpdateException (an OverrideSettings FAIL),
// ResourceRegistrationFailureException for everything else, naming the
// cause.
//
// # JITR and JITP
//
// The gateway calls ProvisionOnFirstConnect(now, cert, clientID) for a
// client certificate it does not find ACTIVE. A certificate signed by a
// registered, ACTIVE CA with auto-registration ENABLE is registered
// PENDING_ACTIVATION and $aws/events/certificates/registered/{caId} is
// published (Sink.Publish); with a registrationConfig the template (by
// name: a JITP template, used whether enabled or not; or inline) is
// evaluated with the subject fields and applied, and the certificate
// becomes ACTIVE. A PENDING_ACTIVATION certificate presented again
// republishes the event. FirstConnect.Status tells the gateway whether to
// let the connection through; AWS refuses the first one regardless.
//
// # Bulk registration
//
// StartThingRegistrationTask takes the input file's content in
// Request.Input (the adapter reads s3://bucket/key from the data
// directory, DECISIONS.md); JSON lines or CSV with a header row
// (provision/bulkinput). The task runs in slices: while it runs,
// NextDeadline is at or before now and each Tick processes
// Options.BulkSliceLines lines (1000; about 5 ms at the measured rate), so
// a million-line file never holds the node for more than a slice and
// StopThingRegistrationTask takes effect between slices (Cancelled, never
// Cancelling). One task runs at a time. Each slice appends to the reports
// through Sink.AppendObject(inputFileBucket, "<taskId>/RESULTS.jsonl" |
// "<taskId>/ERRORS.jsonl"):
//
//	RESULTS {"line":3,"thingName":"t1","certificateId":…,"certificatePem":… (CSR only),"resourceArns":{…}}
//	ERRORS  {"line":4,"errorCode":"InvalidInput","errorMessage":"…"}
//
// ListThingRegistrationTaskReports returns s3://<bucket>/<taskId>/<TYPE>.jsonl
// once the report has a line. percentageProgress is the share of input
// bytes read (100 when Completed). A task that was running when fleetd
// stopped is Failed after FinishRestore (its input is not kept); its
// reports hold the lines done.
//
// # Persistence
//
// Record keys: provtemplate/<name> (template, versions, safeguards),
// provcounters/<name> (registrations per claim certificate, limiter
// state), regtask/<taskId> (task metadata). The engine calls Sink.Dirty
// for each changed key; the core reads Record(key) (nil: delete) after the
// command. At start: New, Restore every record with OwnsKey, then
// FinishRestore(now).
//
// # What the caller must do
//
//  1. Serialise calls; the engine is not safe for concurrent use, and
//     shares the identity store and registry with the core.
//  2. Route $aws/certificates/… and $aws/provisioning-templates/… requests
//     to HandleMQTT (IsProvisioningTopic) and send the answer to the
//     requesting client only; an empty topic means "later".
//  3. Implement HookCaller and feed HookResult; arm a timer at
//     NextDeadline and call Tick, sending the Replies it returns.
//  4. Implement Registry over core commands, so the index and registry
//     events follow, and Sink (Publish, Event, Dirty, AppendObject).
//  5. Call ProvisionOnFirstConnect from the TLS/CONNECT path for
//     certificates that are not ACTIVE.
//  6. Fill StartThingRegistrationTaskRequest.Input from the object store.
//
// # Decisions where AWS is silent
//
//   - A disabled or JITP template for RegisterThing by claim is
//     InvalidRequestException; an unknown one ResourceNotFoundException.
//   - A JITP template cannot have a pre-provisioning hook.
//   - Task ids are UUID-shaped hashes of the account, a sequence and the
//     start time (deterministic). Stopping a task that is not InProgress
//     is InvalidRequestException; ListThingRegistrationTaskReports of an
//     unknown task is InvalidRequestException (the model has no
//     ResourceNotFoundException there).
//   - UpdateProvisioningTemplate with a defaultVersionId that does not
//     exist is ResourceNotFoundException.
//   - Lists: templates by name, versions by id, tasks in start order.
package provision
