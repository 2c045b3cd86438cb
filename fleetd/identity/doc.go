// Package identity is fleetd's AWS IoT identity store: device
// certificates, registered CA certificates, IoT policies with their
// versions, and the attachments between policies, certificates, thing
// groups and things. It answers the control-plane operations of those
// families and the MQTT gateway's authorization questions. It is pure and
// deterministic: no I/O, no goroutines, no wall clock (every mutating
// method takes now), and randomness only from Options.Rand.
//
// # What it owns
//
//   - Certificates (certificates.go): CreateKeysAndCertificate,
//     CreateCertificateFromCsr, RegisterCertificate,
//     RegisterCertificateWithoutCA, UpdateCertificate, DescribeCertificate,
//     DeleteCertificate, ListCertificates, ListCertificatesByCA. fleetd's
//     own pki.CA (Options.CA) signs what the store issues; ids are
//     pki.CertificateID (hex SHA-256 of the DER).
//   - The claim flow (claims.go): IssueForClaim issues a
//     PENDING_ACTIVATION certificate with an ownership token (random from
//     Options.Rand, valid OwnershipTokenLifetime, single use);
//     CheckOwnershipToken and ConsumeOwnershipToken validate it;
//     NextDeadline and Tick expire tokens and delete certificates still
//     PENDING_ACTIVATION at expiry (spec §3.3).
//   - CA certificates (cacerts.go): GetRegistrationCode,
//     RegisterCACertificate, UpdateCACertificate, DescribeCACertificate,
//     DeleteCACertificate, ListCACertificates; CAForCertificate and
//     AutoRegisterCertificate (PENDING_ACTIVATION) for JITR/JITP.
//   - Policies (policies.go): CreatePolicy, GetPolicy, ListPolicies,
//     DeletePolicy, CreatePolicyVersion, GetPolicyVersion,
//     ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion,
//     AttachPolicy, DetachPolicy, ListAttachedPolicies,
//     ListTargetsForPolicy and the deprecated AttachPrincipalPolicy,
//     DetachPrincipalPolicy, ListPrincipalPolicies, ListPolicyPrincipals.
//     Documents are validated by security/policy (MalformedPolicyException).
//   - Thing principals (principals.go): AttachThingPrincipal,
//     DetachThingPrincipal, ListThingPrincipals, ListPrincipalThings, and
//     ThingPrincipals/CheckThingDeletable for the core's DeleteThing.
//   - Authorization (authorize.go): Authorize compiles and caches a
//     policy.Set per ACTIVE certificate; Context builds the policy
//     variables of a connection; Allowed decides one request.
//   - Persistence (persist.go) and the change log (DrainChanges).
//
// It does not own things or thing groups: it asks Options.Things (the
// core's view of fleetd/registry) whether they exist, and for a thing's
// type, attributes and static groups. It does not own provisioning
// templates: a CA's registrationConfig is stored as given, and a
// templateName is not checked against the templates.
//
// Request and response structs follow fleetd/registry: one method per AWS
// operation, Op(OpRequest, now) for mutations and Op(OpRequest) for reads;
// json tags are the wire names and members bound from the path, the query
// string or a header are tagged json:"-" with uri:"…", query:"…" or
// header:"…". Timestamps are registry.Timestamp (epoch seconds).
//
// # Errors
//
// Client mistakes are *awserr.Error with the model's codes:
//
//	InvalidRequestException          1 validation error detected: Value 'abc' at 'certificateId' failed
//	                                 to satisfy constraint: Member must have length greater than or equal to 64
//	ResourceNotFoundException        Certificate 3f…e1 cannot be found. / Policy p cannot be found.
//	ResourceAlreadyExistsException   The certificate is already provisioned or registered (with resourceId/Arn)
//	CertificateStateException        Certificate … is ACTIVE; set it INACTIVE with UpdateCertificate before deleting it.
//	DeleteConflictException          Certificate … is attached to 1 thing(s), e.g. dev1; detach it first.
//	CertificateValidationException   Certificate is not signed by any registered CA certificate
//	CertificateConflictException     several registered CAs share the signer's subject and key
//	RegistrationCodeValidationException (from pki) wrong verification certificate common name
//	MalformedPolicyException         (from policy) with the parser's position
//	VersionsLimitExceededException   The policy p already has the maximum number of versions (5).
//	LimitExceededException           more than 10 policies on one target; 10 CAs with one subject
//	UnauthorizedException            Authorize: certificate not registered or not ACTIVE
//	InvalidCertificateOwnershipToken (status 400) empty, unknown, expired or already used token
//
// A failed operation changes nothing. Other errors (a failing Options.Rand)
// are server faults wrapped with "identity:".
//
// # Invariants
//
//   - Certificate ids are lowercase hex; requests may use upper case.
//     Principals and policy targets are canonical: certificate and
//     thing group ARNs spelled with this store's region and account;
//     Cognito identity ids ("region:uuid") as given, taken on trust. In
//     memory a certificate target is keyed by its id and its ARN is built
//     when an answer or a record needs it.
//   - At most MaxPoliciesPerTarget policies per target, MaxPolicyVersions
//     versions per policy, MaxCAsPerSubject CAs per subject. Policy
//     version ids increase and are never reused.
//   - An ACTIVE certificate is never deleted; a certificate attached to a
//     thing is never deleted (the claim expiry of a PENDING_ACTIVATION
//     certificate is the exception: it detaches first, as AWS deletes an
//     unclaimed certificate). Deleting a certificate removes its policy
//     attachments (forceDelete) and its claim.
//   - Private keys pass through CreateKeysAndCertificate and IssueForClaim
//     responses and are never stored or recorded.
//   - A certificate is kept as DER and answered and recorded as the one
//     CERTIFICATE block of it that the store issued or registered it with
//     (a registered PEM keeps its first block alone); a record whose PEM
//     is any other spelling does not restore.
//   - Lists of certificates, CA certificates and policies are in creation
//     order (a sequence number, not a timestamp), newest first unless
//     isAscendingOrder; name lists are byte-wise. Markers and tokens
//     encode the list and the last item, so walks survive concurrent
//     changes and the same state gives the same marker.
//
// # Authorization
//
// Authorize(certID) checks the certificate is registered and ACTIVE and
// returns its *Authorizer: the compiled policy.Set of its effective
// policies (the default versions of the policies attached to the
// certificate, by name, then those attached to the static thing groups,
// ancestors included, of every thing attached to it; spec §6.1). It is
// cached until a change affects it: AttachPolicy/DetachPolicy on the
// certificate (on a thing group: every cache entry), a new default version
// of one of its policies, AttachThingPrincipal/DetachThingPrincipal,
// UpdateCertificate and DeleteCertificate. A dropped Authorizer reports
// Stale, so a gateway holding one per connection knows to re-authorize.
// Context(a, clientID) fills ${iot:ClientId}, ${iot:CertificateId},
// ${iot:Certificate.Subject.*}/Issuer.* and, when a thing is named by the
// client id, ${iot:Connection.Thing.*} with IsAttached telling whether it
// is attached to the certificate. Allowed(certID, clientID, action,
// resource) does both and evaluates, without allocating once warm.
//
// # What the caller must do
//
//  1. Serialise calls: a Store is not safe for concurrent use.
//  2. Pass now on every mutating call; it is stored in UTC.
//  3. After each command, DrainChanges: write each key of Records with its
//     Record value (false: delete it); disconnect the devices using the
//     Deactivated certificates.
//  4. Keep authorization fresh: InvalidateThing(name) when a thing's
//     attributes, type or static groups change; InvalidateAll when a static
//     group's parent changes; ThingGroupDeleted(name) after
//     DeleteThingGroup (drops the group's policy attachments). Refuse
//     DeleteThing with CheckThingDeletable.
//  5. Timers: arm one at NextDeadline and call Tick(now) when it fires;
//     the returned certificates were deleted (unclaimed).
//  6. At start: New with the same Options, Restore every stored record in
//     any order, FinishRestore. Records, Describe and List answers, markers,
//     authorization, pending claims and the generationIds of further calls
//     are then those of the original store (serial numbers and tokens come
//     from Options.Rand and follow its state, not the records').
//
// # Behaviour where AWS is silent or vague
//
// These are decisions; each is covered by a test.
//
//   - fleetd's CA stands in for Amazon's: it is not a registered CA, is not
//     listed by ListCACertificates, cannot be registered
//     (InvalidRequestException), and certificates it issued have no
//     caCertificateId. Its certificates cannot be re-registered with
//     RegisterCertificate once deleted (no registered CA signed them);
//     RegisterCertificateWithoutCA takes them.
//   - Keys are ECDSA P-256 (DECISIONS.md), not RSA 2048.
//   - RegisterCertificate accepts status ACTIVE, INACTIVE or REVOKED
//     (others: InvalidRequestException), default INACTIVE; setAsActive that
//     contradicts status is InvalidRequestException. The signing CA must be
//     ACTIVE (CertificateStateException); the certificate must be valid at
//     now (CertificateValidationException).
//   - UpdateCertificate: PENDING_TRANSFER, PENDING_ACTIVATION and
//     REGISTER_INACTIVE are InvalidRequestException; REVOKED is final
//     (CertificateStateException); ACTIVE needs the signing CA, when still
//     registered, to be ACTIVE (CertificateStateException).
//   - DeleteCertificate: a thing attachment is a DeleteConflictException
//     even with forceDelete; attached policies are one without it.
//   - DeleteCACertificate leaves the certificates it signed registered. An
//     INACTIVE CA does not stop its ACTIVE certificates from connecting;
//     only certificate status does.
//   - UpdateCACertificate's removeAutoRegistration removes the
//     registrationConfig; it is InvalidRequestException with a
//     registrationConfig. registrationConfig is templateName, or
//     templateBody with roleArn.
//   - CreatePolicy with a name in use is ResourceAlreadyExistsException
//     even for the same document. ListPolicyVersions is newest first.
//     GetPolicyVersion's lastModifiedDate is the version's creation date.
//   - DetachPolicy of anything not attached succeeds (the model lists no
//     ResourceNotFoundException); AttachPolicy again succeeds.
//     ListAttachedPolicies with recursive adds a thing group's ancestors'
//     policies, or a certificate's thing-group policies.
//   - AttachThingPrincipal accepts thingPrincipalType (newer models):
//     EXCLUSIVE_THING requires and then keeps the principal to one thing.
//     DetachThingPrincipal of a principal not attached succeeds.
//   - The ownership token is consumed explicitly (ConsumeOwnershipToken),
//     so a RegisterThing that fails leaves it usable; a used token answers
//     "already been used" until it expires, then "not valid".
//   - Paging: pageSize defaults to DefaultPageSize (25), maxResults to
//     DefaultMaxResults (50). ListPrincipalPolicies ignores
//     isAscendingOrder (name order).
package identity
