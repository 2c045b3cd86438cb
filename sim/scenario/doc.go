// Package scenario reads fleetsim scenario files: it decodes them strictly,
// validates everything at once and compiles them into a typed, immutable
// Scenario that the simulator runs. It simulates nothing itself.
//
// # Use
//
//	sc, err := scenario.Load("scenarios/firmware-rollout-abort.yaml")
//	if err != nil {
//		var el *scenario.ErrorList // always, for a bad or unreadable file
//		errors.As(err, &el)
//		fmt.Fprintln(os.Stderr, el) // one "file:line:col: message" per line
//		os.Exit(2)
//	}
//	for _, w := range sc.Warnings { fmt.Fprintln(os.Stderr, "warning:", w) }
//	sc = sc.Scaled(0.01)           // --scale
//	r := rand.New(rand.NewPCG(sc.Seed, deviceID)) // the caller's streams
//	d := sc.Cohorts[0].Jobs.Download.Sample(r)   // a time.Duration
//
// Parse does the same from bytes, with the caller's ReadFile for the files
// a scenario names (nil: none can be read); FuzzLoad uses it. JSONSchema
// returns the format as a JSON Schema (draft 2020-12) for editors.
//
// # What it guarantees
//
//   - Strict decoding: an unknown key is an error naming the keys that are
//     known there (and the nearest one, if it looks like a typo). Every
//     error carries file:line:col of the YAML node it is about, or of the
//     place in a JSON file (templates, job bodies) or inside a query string.
//   - Everything at once: Load reports every problem it finds, in file
//     order, not the first one. The error is an *ErrorList; its Warnings
//     list the problems that do not stop a run (a valid Scenario carries
//     them in Warnings).
//   - A Scenario is never modified after Load: Scaled and WithSeed return
//     copies. Samplers (Dist, DurationDist, Choice, Value) hold no state and
//     no generator: every draw takes the caller's *rand.Rand (math/rand/v2,
//     PCG), so streams derived from (seed, device, purpose) give the same
//     fleet whatever the order devices are sampled in. A Choice consumes
//     exactly one Float64 per draw.
//   - Cross-references are resolved: a cohort's thing type, groups and
//     template exist, a job's target groups exist, expectations name jobs
//     and queries of the timeline, like: chains have no cycles.
//
// # The format
//
// A scenario is one YAML document. Durations are Go durations ("90s",
// "10m", "1h30m"; a bare 0 is zero). Keys, with what they default to:
//
//	name: firmware-2.2.0-rollout   # required
//	seed: 42                       # default 1; --seed overrides (WithSeed)
//	duration: 8h                   # required: the simulated time limit
//	indexing:                      # AWS ThingIndexingConfiguration; absent = OFF
//	  thingIndexingMode: REGISTRY_AND_SHADOW         # required: OFF | REGISTRY | REGISTRY_AND_SHADOW
//	  thingConnectivityIndexingMode: STATUS          # OFF | STATUS
//	  deviceDefenderIndexingMode: OFF                # OFF | VIOLATIONS
//	  namedShadowIndexingMode: OFF                   # OFF | ON
//	  customFields: [{name: shadow.reported.firmware_version, type: Version}]  # Number | String | Boolean | Version
//	  managedFields: []                              # accepted as GetIndexingConfiguration prints them
//	  filter: {namedShadowNames: [config], geoLocations: [{name: attributes.loc, order: LatLon}]}
//	indexLag: 0s                   # delay before a change is visible in the index
//	thingTypes:
//	  - {thingTypeName: Sensor_v3, description: "...", searchableAttributes: [hw_rev]}  # at most 3
//	thingGroups:                   # created in order: a parent before its children
//	  - {thingGroupName: ProductionDevices, description: "...", attributes: {owner: ops}}
//	  - {thingGroupName: EU, parentGroupName: ProductionDevices}
//	  - {thingGroupName: OldFirmware, queryString: 'shadow.reported.firmware_version < "2.1.0"'}  # dynamic
//	provisioningTemplates:
//	  - templateName: FleetTemplate          # [0-9A-Za-z_-], at most 36
//	    type: FLEET_PROVISIONING             # default; or JITP
//	    enabled: true                        # default; false refuses every attempt (a warning)
//	    description: "..."
//	    provisioningRoleArn: arn:aws:iam::123456789012:role/Provisioning  # has a default
//	    templateBody: {file: templates/fleet.json}  # or the template inline, or a JSON string
//	    safeguards:                          # FleetLab's claim limits, sent as fleetlab: tags
//	      maxRegistrationsPerClaim: 10000    # successful registrations per claim certificate
//	      registrationsPerMinute: 600        # token bucket, burst 600
//	      allowedSerials: {file: serials.txt}  # or [SN1, SN2]; separated by commas, spaces, lines
//	      allowListParameter: SerialNumber   # default SerialNumber; needs allowedSerials
//	devices:                       # required, at least one cohort
//	  - name: rev-a                # required; [a-zA-Z0-9_-], at most 64
//	    count: 8000                # required (unless inherited); 0 is allowed (a base for like:)
//	    thingType: Sensor_v3
//	    groups: [ProductionDevices]           # static groups only
//	    provisioning:                         # absent = {method: registry}
//	      method: claim            # registry | claim | jitp | bulk
//	      template: FleetTemplate  # claim, bulk: FLEET_PROVISIONING; jitp: JITP
//	      start: 0s                # when the first device provisions
//	      over: 20m                # devices provision evenly over [start, start+over); not bulk
//	      parameters: {SerialNumber: "${device.id}"}
//	    attributes: {hw_rev: A, region: {oneOf: {us-east-1: 0.6, eu-west-1: 0.4}}}
//	    shadow:
//	      reported: {firmware_version: {oneOf: {"2.0.3": 0.7, "2.1.0": 0.3}}, temperature: {normal: {mean: 60, stddev: 8}}}
//	      desired: {interval: 30}
//	    churn:                     # the device reports by itself
//	      every: {exponential: 10m}
//	      reported: {temperature: {normal: {mean: 60, stddev: 8}}}
//	      desired: {}
//	    connectivity: {up: {exponential: 6h}, down: {lognormal: {median: 2m, p99: 30m}}}
//	    jobs:                      # the job agent
//	      download: {lognormal: {median: 90s, p99: 10m}}   # default 0s
//	      install: {uniform: [30s, 2m]}                    # default 0s
//	      stepTimeout: 10m         # stepTimeoutInMinutes set on start; whole minutes, 1m..168h
//	      outcome: {SUCCEEDED: 0.99, FAILED: 0.009, REJECTED: 0.0005, hang: 0.0005}  # default {SUCCEEDED: 1}
//	      onSuccess: {reported: {firmware_version: "${job.document.version}"}}
//	  - name: rev-b
//	    like: rev-a                # inherit, then override
//	    count: 2000
//	    attributes: {hw_rev: B}
//	    jobs: {outcome: {SUCCEEDED: 0.88, FAILED: 0.12}}
//	timeline:
//	  - at: 30m                    # required, at most duration
//	    createJob: {file: jobs/firmware-2.2.0.json}
//	  - at: 2h
//	    query: {name: old-connected, queryString: 'connectivity.connected:true AND shadow.reported.firmware_version < "2.1.0"'}
//	  - at: 3h
//	    cancelJob: {jobId: firmware-2-2-0-rollout, force: false, reasonCode: MANUAL, comment: "..."}
//	expect:
//	  - {job: firmware-2-2-0-rollout, status: CANCELED, reasonCode: ABORT_CRITERIA_MET}  # reasonCode optional
//	  - {job: firmware-2-2-0-rollout, counter: numberOfFailedThings, min: 13, max: 400}  # min, max or both
//	  - {query: old-connected, equalsTruth: true}
//	  - {query: old-connected, count: 42}                    # or count: {min: 10, max: 50}
//	  - {provisioned: 10000}                                 # or {min, max}
//	  - {refused: {reason: MaxRegistrationsPerClaim, max: 0}}  # or refused: N; reason optional
//	  # with a bulk cohort "batch", its registration task:
//	  # - {registrationTask: batch, status: Completed}
//	  # - {registrationTask: batch, counter: failureCount, max: 5}   # successCount | failureCount
//
// Sections in detail:
//
//   - provisioning.method: registry means the things exist at time 0 and
//     there is no provisioning traffic (template, start, over and parameters
//     are errors there); claim is fleet provisioning by claim; jitp is
//     just-in-time provisioning; bulk is bulk registration. For claim and
//     bulk, parameters must be declared by the template's Parameters, and
//     each declared parameter without a Default must be given (AWS::...
//     pseudo parameters excepted). For jitp, parameters are the
//     certificate's subject fields (CommonName, Country,
//     DistinguishedNameQualifier, Organization, OrganizationalUnit,
//     SerialNumber, StateName) and must cover the template's
//     AWS::IoT::Certificate::* parameters. bulk takes no over: at start
//     one StartThingRegistrationTask registers the cohort from a CSV input
//     of its parameters (an unset or empty value is an empty cell, which
//     fails the line when the template has no Default for it).
//   - safeguards (FLEET_PROVISIONING templates only, at least one key):
//     positive limits; allowedSerials inline (no commas or spaces in a
//     serial) or {file: path} of a text file, never empty; the
//     allowListParameter (SerialNumber by default) must be declared by the
//     template.
//   - A cohort without connectivity stays connected from provisioning on;
//     with it, devices alternate up (connected) and down periods, starting
//     connected.
//   - jobs.outcome weights must sum to 1 (within 1e-9). hang means the agent
//     never answers after starting: the execution times out if the job or
//     the agent set a timeout, and is retried if the job says so.
//   - Templates and job bodies given as {file: path} are read relative to
//     the scenario file's directory and kept byte for byte (Template.Body,
//     CreateJob.Body): the job file is the exact `aws iot create-job
//     --cli-input-json` input. Inline bodies are converted to JSON; an
//     inline job document may be a mapping, which becomes the document
//     string. Both are checked against AWS's shapes and limits (jobId
//     [a-zA-Z0-9_-]{1,64}, so "firmware-2.2.0" is not a valid jobId;
//     rollout rates, abort criteria, timeouts, at most 10 retries in all,
//     template body at most 10240 characters, document at most 32768).
//     documentSource names an S3 location read from the scenario's
//     directory (s3://bucket/key is s3/bucket/key there); schedulingConfig
//     is checked as fleetd will check it when the job is created (absolute
//     times against Epoch, the start 30 minutes ahead, cron windows).
//     jobTemplateArn, documentParameters, namespaceId and
//     destinationPackageVersions are AWS keys the simulator does not run
//     yet: an error says so.
//   - Job targets are ARNs arn:aws:iot:REGION:ACCOUNT:thing/NAME or
//     .../thinggroup/NAME; a group must be one of thingGroups.
//   - Timeline entries have at and exactly one action: createJob, cancelJob
//     or query; any other key is reported as an unknown action. Entries run
//     in time order (Scenario.Timeline is sorted; equal times keep file
//     order). cancelJob must name a job created no later than it.
//   - Expectations take one of eight forms: {job, status, reasonCode?},
//     {job, counter, min?, max?} where counter is a jobProcessDetails
//     counter (numberOfQueuedThings ... numberOfRemovedThings),
//     {query, equalsTruth}, {query, count}, {provisioned: N | {min?, max?}},
//     {refused: N | {reason?, min?, max?}} (reason one of RefusalReasons),
//     {registrationTask, status} and {registrationTask, counter, min?,
//     max?} (registrationTask a bulk cohort; TaskStatuses, TaskCounters).
//     Expectation.String is the text the report prints.
//
// # Values and distributions
//
// Wherever a value is expected (attributes, shadow fields, provisioning
// parameters, churn and onSuccess updates) a value spec is a constant
// (string, number, boolean) or a mapping with exactly one of these keys:
//
//	{oneOf: {us-east-1: 0.6, eu-west-1: 0.4}}   weighted choice of constants
//	{uniform: [a, b]}                          uniform in [a, b); whole numbers in [a, b] when both are integers
//	{normal: {mean: 60, stddev: 8}}
//	{exponential: 10}                          mean
//	{lognormal: {median: 90, p99: 600}}        median and 99th percentile (p99 ≥ median > 0)
//
// Where a duration is expected (churn.every, connectivity.up/down,
// jobs.download/install) the same forms take durations:
// {exponential: 10m}, {uniform: [30s, 2m]}, {lognormal: {median: 2m, p99:
// 30m}}, {oneOf: {30s: 0.5, 2m: 0.5}}; a sampled duration is never
// negative. They compile to Dist (samples float64; seconds for durations)
// wrapped in DurationDist, Choice (typed choice: Outcome, strings,
// constants) and Value (JSON values for documents).
//
// Weights are positive. In oneOf over durations or numbers and in
// jobs.outcome they sum to 1 (within 1e-9, then taken as exactly 1). In a
// value's oneOf they may sum to less than 1: the rest is the chance that
// the value is left unset ({oneOf: {A: 0.9}} leaves a tenth of the devices
// without the attribute, useful for exists-queries). Items keep the order
// they are written in, so a seed picks the same item on every run.
//
// Attribute values become strings (FormatAttribute) and must match AWS's
// pattern [a-zA-Z0-9_.,@/:#=\[\]-]*. Shadow values may also be nested
// mappings (merged deeply by like:), lists, and, in churn and onSuccess,
// null (which deletes the field, as in a shadow update). The distribution
// keys are reserved: a shadow object cannot have a key named oneOf,
// uniform, normal, exponential or lognormal.
//
// Strings in values may hold variables: ${device.id} (the device's unique
// name, DeviceName(cohort, index) = "rev-a-000042", a valid thing name),
// ${device.index} (0-based within the cohort), ${device.cohort}; in
// jobs.onSuccess also ${job.id} and ${job.document.a.b} (a field of the
// job document; a value that is exactly one variable keeps the field's
// type). A variable with no value leaves the field unset. $${ writes a
// literal ${. A oneOf's items are constants, never expanded.
//
// # like:
//
// A cohort with like: BASE starts from BASE's effective mapping (BASE may
// itself be like another, before or after it in the file), without its
// name and like, and lays its own keys over it: mappings merge key by key,
// deeply; anything else replaces; null deletes the key. A distribution and
// jobs.outcome are replaced whole, never merged (rev-b's {SUCCEEDED: 0.88,
// FAILED: 0.12} is rev-b's whole outcome). An unknown base, a cohort like
// itself and cycles are errors. Problems in what a cohort inherits are
// reported once, for the cohort that wrote them.
//
// # Queries
//
// Dynamic group queryStrings and timeline queries are parsed with
// index/query (AWS's limits apply) and need indexing on. A parse error is
// reported at its place in the string, for plain, quoted and | block
// scalars; elsewhere (folded scalars) at the string, with the position in
// the query. Warnings: a range whose bound looks like a dotted version
// (firmware_version < "2.1.0") compares strings on AWS, where "10.0.0" <
// "2.1.0" holds, unless indexing.customFields declares the field with
// FleetLab's type Version; a field the indexing modes do not index
// (shadow.* without REGISTRY_AND_SHADOW, connectivity.* without STATUS,
// shadow.name.* without named shadows, deviceDefender.* without
// VIOLATIONS) matches nothing.
//
// Other warnings: an abort criterion whose minNumberOfExecutedThings
// exceeds the devices its static target groups hold (it can never fire),
// retries on TIMED_OUT with nothing that times out, ${job.document.X} that
// no job's document has, a disabled template in use, a named-shadow filter
// while named shadows are not indexed.
//
// # --scale
//
// Scaled(f) multiplies every cohort's count by f (rounded; at least 1 if
// it was positive). Job bodies and expectations stay as written: they are
// what the user submits and promises, and a smoke-scale run must be read
// with that in mind (an abort's minNumberOfExecutedThings may exceed a
// scaled fleet).
//
// # Keeping the schema in sync
//
// knownKeys (keys.go) is the decoder's list of keys for each kind of
// mapping; schema.json has a $defs entry of the same name with the same
// properties. TestSchemaKnowsEveryKey holds them equal, TestSchemaRefs
// checks the schema's references, and TestSchemaValidatesLibrary checks
// every scenario in scenarios/ (and its job and template files) against
// the schema as well as the decoder. A new key goes into both, and into
// this manual. Error messages are pinned by testdata/errors/*.golden
// (regenerate with go test ./sim/scenario -run TestGoldenErrors -rewrite
// and review the diff) and by TestParseSnippets.
package scenario
