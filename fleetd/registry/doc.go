// Package registry is fleetd's AWS IoT registry: things, thing types,
// static and dynamic thing groups and billing groups, held in memory. It
// is pure and deterministic: no I/O, no goroutines, no wall clock (every
// mutating method takes now), no global randomness. The same Options.Seed
// and the same calls give the same state, the same generated ids, the same
// responses and the same change log.
//
// # What it owns
//
//   - The registry entities and their AWS shapes: one method per AWS
//     operation, named after it, taking its XxxRequest and, when it mutates,
//     now; it returns XxxResponse, or only an error when AWS answers {}.
//     Request and response structs carry the wire names as json tags, so
//     the HTTP adapter decodes a body straight into the request. Members
//     that travel in the URI or the query string are tagged json:"-" plus
//     uri:"name" or query:"name", for the adapter to bind.
//   - Validation exactly as the botocore model states it (lengths,
//     patterns, required members) and the registry limits: 3 attributes
//     without a thing type and 50 with one, 50 per thing group, 3
//     searchable attributes per type, MaxGroupsPerThing (10) groups per
//     thing, one static group per hierarchy, hierarchies 7 deep,
//     MaxDynamicGroups (100) dynamic groups, 50 tags.
//   - Dense thing ids (ThingID, ThingName, Things): a uint32 per thing,
//     assigned at creation, lowest free id first, freed at deletion. The
//     fleet index keys its bitmaps and columns by them.
//   - GroupNames, the thingGroupNames the fleet index holds for a thing:
//     its static groups with all their ancestors, its dynamic groups and
//     its billing group, sorted and deduplicated. View bundles them with the
//     rest of the thing's indexed registry fields.
//   - The change log (DrainChanges) and the persistent form: one record
//     per entity (Record, Keys, Restore, FinishRestore).
//
// It does not own queries: it stores a dynamic group's query and never
// evaluates it. It does not know certificates, principals, shadows or
// jobs.
//
// # Memory
//
// A registry holds up to millions of things, and the garbage collector
// visits every live heap object on each cycle, so a thing costs few
// objects. Things live by value in chunks indexed by dense id (slab.go).
// A thing's attributes are one slice sorted by name (Attrs), not a map.
// Its group lists (direct groups, and thingGroupNames) are shared with
// every thing in the same groups, and short attribute names and values
// with every thing that has the same, through a small bounded cache
// (share.go). Attributes and group lists are replaced on change, never
// modified: that is what lets View and GroupNames hand them out without
// copying, and callers must treat them as read-only.
//
// # Errors
//
// Every client mistake is an *awserr.Error with AWS's code and an
// AWS-like message, consistently worded:
//
//	ResourceNotFoundException       Thing foo cannot be found.
//	ResourceAlreadyExistsException  Thing foo already exists with a different configuration.
//	                                (carrying resourceId and resourceArn)
//	VersionConflictException        Thing foo is at version 3, not the expected version 2.
//	InvalidRequestException         1 validation error detected: Value 'a b' at 'thingName'
//	                                failed to satisfy constraint: Member must satisfy regular
//	                                expression pattern: [a-zA-Z0-9:_-]+
//	LimitExceededException          (CreateDynamicThingGroup over MaxDynamicGroups)
//
// Request validation reports every violated constraint of the request at
// once, in AWS's words. A failed operation changes nothing: checks run
// before the first mutation and multi-step operations (UpdateThingGroupsForThing)
// are all or nothing. The only other errors are *DynamicAddFailedError
// from SetDynamicMembership and store corruption from Restore and
// FinishRestore; neither is a client error.
//
// # Invariants
//
//   - A thing's direct groups (static and dynamic) are at most
//     MaxGroupsPerThing, with at most one static group per hierarchy (no two
//     with the same root). Dynamic groups have no parent and no children.
//   - A thing is in at most one billing group.
//   - Every thing holds a distinct dense id; freed ids are reused lowest
//     first, so allocation depends only on the set of ids in use.
//   - Thing versions start at 1 and every successful UpdateThing increments
//     them; group and billing-group versions start at 1 and each update
//     increments them. Membership changes do not touch versions.
//   - Thing groups carry a creation sequence (DynamicGroupInfo.Seq): "most
//     recently created" means the largest sequence, never a timestamp.
//   - Lists are in byte-wise name order; a nextToken encodes the list and
//     the last name returned, so walks survive concurrent creates and
//     deletes and the same state gives the same token.
//
// # What the caller must do
//
//  1. Serialise calls: a Registry is not safe for concurrent use. Only
//     reads that change nothing (View, GroupNames, Things, ThingID) may
//     run together, with no other call in between.
//  2. Pass now on every mutating call. It is stored in UTC without its
//     monotonic reading; creation dates and the five-minute wait between
//     DeprecateThingType and DeleteThingType read it.
//  3. After each command, DrainChanges and act on it:
//     re-index Changes.Things in their order (deletions first, they free
//     dense ids that a live entry may already reuse) using View; write each
//     key of Changes.Records with its Record value, or delete it when Record
//     says false; turn Changes.Membership into registry events and
//     continuous-job targeting (a static membership implies the group's
//     ancestors, which are not reported); re-evaluate every name in
//     Changes.DynamicGroups.
//  4. Dynamic groups: parse the query before CreateDynamicThingGroup or
//     UpdateDynamicThingGroup and answer InvalidQueryException yourself, and
//     decide whether fleet indexing must be on. Evaluate membership with the
//     index and apply it thing by thing with SetDynamicMembership, older
//     groups first (DynamicGroups is in that order) so that the limit rule
//     settles as on AWS. Log a *DynamicAddFailedError and evicted
//     memberships (MembershipEvent.Evicted) as
//     AddThingToDynamicThingGroupsFailed. Set the status with
//     SetDynamicGroupStatus (ACTIVE when a pass completes). A dynamic
//     membership changes a thing's thingGroupNames, so guard against
//     queries on thingGroupNames re-triggering themselves.
//  5. At start: New with the same Options, Restore every stored record in
//     any order, FinishRestore, then index every thing (Things, View); the
//     restore itself leaves no changes to drain. A restored registry is
//     indistinguishable from the original: same records, ids, lists, and
//     the same results for the same further calls.
//
// # Behaviour where AWS is silent or vague
//
// These are decisions; each is covered by a test.
//
//   - CreateThing/CreateThingType/CreateThingGroup/CreateDynamicThingGroup/
//     CreateBillingGroup are idempotent: the request is compared with the
//     current state (thing: type, attributes, billing group; type:
//     description, searchable attributes as a set, MQTT 5 configuration;
//     group: parent, description, attributes, and for dynamic groups the
//     query, index and query version; billing group: description). Tags
//     are never compared and a repeated create does not change them.
//   - Empty attribute values are dropped on create and remove the
//     attribute on update. An attributePayload without attributes keeps the
//     stored ones; an empty attributes map replaces them with none. merge is
//     ignored on create.
//   - UpdateThing with both thingTypeName and removeThingType is
//     InvalidRequestException; re-stating a deprecated type the thing
//     already has is allowed; removing the type of a thing with more than 3
//     attributes is InvalidRequestException.
//   - DeprecateThingType on a deprecated type keeps the first deprecation
//     date; undoDeprecate on a live type does nothing. DeleteThingType
//     needs the type deprecated for ThingTypeDeleteDelay and no thing
//     using it (InvalidRequestException otherwise).
//   - CreateThingGroup with a missing parent is InvalidRequestException (the
//     model lists no ResourceNotFoundException for it), as is a dynamic
//     parent or a hierarchy deeper than 7.
//   - Adding a thing to a group it is in, removing it from one it is not
//     in, and deleting a missing thing, group or billing group succeed.
//     DeleteThingGroup and DeleteBillingGroup release their things;
//     DeleteThingGroup refuses a group with children.
//   - Static-group operations refuse dynamic groups and dynamic-group
//     operations refuse static groups (InvalidRequestException);
//     DescribeThingGroup, ListThingGroups, ListThingsInThingGroup and
//     ListThingGroupsForThing serve both.
//   - ListThingGroups: with parentGroup, its children (all descendants
//     with recursive=true); without, all groups, or only roots when
//     recursive=false is given explicitly. ListThingGroupsForThing lists
//     direct groups only. ListThingTypes' thingTypeName is an exact match.
//     ListThings with attributeName alone lists things that have the
//     attribute; attributeValue without attributeName is
//     InvalidRequestException; an unknown thingTypeName gives an empty list.
//   - The default page size is DefaultMaxResults (50); maxResults 0 means
//     absent. A token from another list is InvalidRequestException.
//   - A name and an ARN for the same side must agree; an ARN of another
//     region or account is ResourceNotFoundException.
//   - UpdateThingGroupsForThing removes before it adds (a group in both
//     lists ends a member) and, over the limit with overrideDynamicGroups,
//     evicts the newest dynamic groups one by one.
//   - Dynamic groups accept only index AWS_Things (others:
//     ResourceNotFoundException) and query version 2017-09-30
//     (InvalidRequestException). Changing the query sets REBUILDING.
//   - Thing attribute limits count attributes, not searchable ones; the
//     thing group attribute limit is 50.
package registry
