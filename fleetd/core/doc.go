// Package core is the fleetd state machine: registry, device shadows,
// connectivity and fleet indexing (jobs and provisioning join it later),
// behind one deterministic API that both the daemon and the simulator
// drive.
//
// # Shape
//
// Core is shaped like etcd raft's RawNode. Every operation is a method
// taking now as its first argument and returning the AWS response or an
// *awserr.Error; nothing inside reads a clock, opens a socket or a file,
// starts a goroutine or draws global randomness. What an operation causes
// beyond its response accumulates until the caller takes it with Ready:
//
//   - Messages: MQTT publishes (shadow /accepted, /delta, /documents,
//     lifecycle events, registry events) for the caller to deliver;
//   - Events: facts for reports (a thing joined a dynamic group, a
//     connection dropped) that no device sees;
//   - Records: the persistent records the operation changed, which the
//     caller must make durable before it acknowledges the operation.
//
// Time-driven work (the configured index lag) is due at NextDeadline; the
// caller calls Tick(now) then. A caller on a virtual clock jumps straight
// to the deadline; the daemon arms a timer.
//
// # Determinism
//
// Same Options (seed) and the same calls with the same times give the same
// responses, the same Ready contents and the same records, byte for byte.
//
// # Persistence
//
// Records are key → compact JSON: the registry's ("thing/…",
// "thinggroup/…", …), "shadow/<thing>/<name>" (name empty for the classic
// shadow), "conn/<thing>" and "config/indexing". A new Core given every
// record through Restore, then FinishRestore, is the Core that wrote them;
// the fleet index and dynamic-group membership are derived state, rebuilt
// by FinishRestore.
//
// The fleet index sees the registry, shadows and connectivity of
// registered things (AWS does not index shadows of unregistered things),
// as the indexing configuration selects, after the configured lag.
// Dynamic thing groups are re-evaluated against a thing each time a change
// to it becomes visible in the index, with the single-document evaluator;
// like AWS, only the state at that moment counts.
package core
