// Package engine runs a compiled scenario (sim/scenario) against the fleetd
// core in-process, on a virtual clock: the discrete-event loop of fleetsim.
//
// # Use
//
//	sc, _ := scenario.Load("scenarios/firmware-rollout-abort.yaml")
//	rep, err := engine.Run(sc, engine.Options{})
//	// rep is a *report.Report: jobs, queries with their ground truth,
//	// expectations checked, the job timeline and latency histograms.
//
// Run fails (an error, no report) only when the scenario cannot be run at
// all: the core refusing the scenario's setup (thing types,
// groups, templates, indexing). Everything that happens during the run
// — a job the engine refuses, an abort, an index that disagrees with the
// truth — is in the report.
//
// # The loop
//
// Devices are data: per-device state lives in flat arrays indexed by a
// dense device number (cohorts in file order, devices in cohort order),
// and a device's future is a handful of pending events in a timing wheel
// (sim/wheel) — never a goroutine, never a per-device map. Virtual time
// jumps to the earlier of the next device event and the core's
// NextDeadline; the core is ticked at its deadlines. After every core call
// the engine drains Ready: job events go to the report's recorder, MQTT
// messages are routed to devices the way the broker would deliver them.
//
// The engine calls the core through the entry points the MQTT gateway
// uses: Connect/Disconnect for connectivity, UpdateThingShadow(FromMQTT)
// for shadow reports (through a ShadowHandle kept per device, which spares
// the lookup by name), HandleJobsMQTT for the job agent; registry setup
// goes through core.Do, jobs through Jobs().CreateJob and CancelJob,
// queries through SearchIndex.
//
// # Devices
//
//   - Provisioning: method registry creates the things before the clock
//     starts (the scenario format forbids start/over there). claim runs
//     fleet provisioning by claim per device, evenly over [start,
//     start+over), through core.ProvisioningRequest with real certificates
//     (claim.go); the templates' safeguards go to fleetd as fleetlab: tags
//     (safeguards.go), and a refused device (ACCESS_DENIED or
//     ThrottlingException) does not retry: the report counts it from the
//     core's ProvisioningRefused event, by reason, instead of warning.
//     bulk writes the cohort's CSV at start and runs one
//     StartThingRegistrationTask (bulk.go); the core's ticks run it, each
//     RESULTS line in Ready().Objects brings its device online, and the
//     task's counts go to the report when it ends (one task at a time:
//     later bulk cohorts wait). jitp presents a real certificate, signed
//     by a CA the simulator registered for the cohort's JITP template, on
//     the device's first connect (jitp.go). Claim, jitp and bulk devices
//     are then enrolled: cohort attributes merged, cohort groups joined.
//   - Connectivity: a cohort without connectivity connects at provisioning
//     and stays connected; with it, devices alternate Up and Down periods,
//     starting connected. Disconnects are CONNECTION_LOST.
//   - Churn: every Every, a connected device reports a fresh sample of the
//     churn state; a disconnected one skips that report.
//   - The job agent: notify-next reaches a device only while it is
//     connected. An idle agent answers with start-next (stepTimeoutInMinutes
//     when the cohort sets stepTimeout), downloads, reports IN_PROGRESS
//     (step "installing"), installs, then reports the sampled outcome; on
//     SUCCEEDED it first reports onSuccess to its shadow, as firmware that
//     rebooted into the new version would. hang answers nothing after
//     start-next: the job's or the step's timeout makes it TIMED_OUT, and a
//     notify-next for another execution (a retry) revives the agent. A step
//     due while disconnected is sent on reconnect; on every reconnect an
//     idle agent asks start-next, as real agents do, since it missed any
//     notify while away.
//
// # Determinism
//
// Every random draw comes from a PCG seeded by a hash of (seed, device,
// purpose, n) where n counts that device's draws for that purpose, so a
// device's behaviour does not depend on the order devices are processed
// in or on how many devices there are. The wheel delivers equal times in
// schedule order and the core is deterministic for a given seed, so one
// scenario and seed give one history: report.json is byte-identical apart
// from its wall section.
//
// # Shards
//
// Options.Shard{Index: i, Count: n} runs the devices whose number is i
// modulo n, each exactly as in the whole run. Each shard has its own core,
// so a job's rate limit and abort criteria apply per shard (n shards roll
// out n times as fast in all); report.Merge adds the shard reports up.
// Counters, query counts and truths of independent devices add exactly
// (TestShardsMerge); a rate-limited rollout does not. A job's thing
// targets that are another shard's devices are left out of the shard's
// CreateJob, and a shard that runs none of its targets does not create
// the job (TestShardsThingTargets).
//
// # Ground truth
//
// The engine keeps each device's true state: its attributes (re-sampled on
// demand from their stream, they never change), its classic shadow as the
// device last had it accepted (JSON in one slice per device), and its
// connectivity. A timeline query is answered by the index (SearchIndex,
// every page) and by the truth, the query evaluated against each device's
// document with the fleet index's single-document evaluator (index.Match).
// With an indexLag L the truth is taken at the start of millisecond T−L+1
// for a query at T, which is the state the index must show at T. A query
// on thingGroupNames also sees the dynamic groups whose query a device's
// true document matches: fleetd sets a membership when a change reaches
// the index and re-indexes thingGroupNames one lag later, so with a lag
// those memberships are taken at the start of millisecond T−2L+1.
//
// # Cost
//
// BenchmarkLoop (2,000 devices churning every minute and flapping, 2-core
// AMD EPYC, shared): 330–450k events/s, nearly all of it in the core's
// shadow updates; the wheel alone does 26M/s. BenchmarkBytesPerDevice:
// about 193 B of simulator state per device (flat arrays, the name, the
// shadow handle, a two-field true shadow, two pending events), beyond the
// core's.
package engine
