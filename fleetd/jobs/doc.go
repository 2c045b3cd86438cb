// Package jobs is the AWS IoT Jobs engine: jobs and their executions, the
// rollout that paces them, abort criteria, retries, timeouts, scheduling,
// continuous jobs, job templates, and the device side (spec §2, §3.2,
// DECISIONS.md "Jobs"). The arithmetic lives in jobs/rollout; this package
// applies it to state.
//
// # Shape
//
// Engine is pure like the core around it: every operation takes now,
// nothing reads a clock, sleeps or starts a goroutine. It reads the
// registry through Fleet and sends what it causes through Sink: MQTT
// notifications (notify, notify-next), events for reports, and the keys
// of the records it changed (Record returns their values). Time-driven
// work — rollout releases, timeouts, scheduled starts and ends — is due at
// NextDeadline; Tick(now) does it, each item at its own instant, so a
// virtual clock that jumps from deadline to deadline and a real timer that
// fires late produce the same history. Every mutating operation first
// catches up with Tick(now), so work due before a request is never
// reordered after it.
//
// # State
//
// A job resolves its targets when it starts (at creation, or at its
// scheduled startTime): thing targets and each group's things
// (recursively), without duplicates, in a deterministic shuffle (a hash of
// the seed, the job id and the thing name: AWS promises no order, and name order
// would expose one naming batch first). The rollout walks that list: each release creates a QUEUED execution at the
// slot the Limiter gives and notifies the device. Things not yet released
// have no execution and are in no counter; jobProcessDetails counts, per
// thing, its latest execution, so the counters always add up to the
// things released so far, and to the resolved targets once the rollout is
// done (a thing deleted before its release is counted REMOVED).
//
// Executions follow spec §2.4. A FAILED or TIMED_OUT attempt with retries
// left is followed at once by a new QUEUED attempt (executionNumber + 1)
// that bypasses the rate limit; the failed attempt stays in the history
// (DescribeJobExecution with its executionNumber) and is not counted for
// abort. After every final terminal transition the abort criteria are
// evaluated; the first that fires cancels the job (reasonCode
// ABORT_CRITERIA_MET): QUEUED executions become CANCELED, the rollout
// stops, IN_PROGRESS executions run on. A SNAPSHOT job is COMPLETED when
// its rollout is done (or stopped at its end time) and every execution is
// terminal; a CONTINUOUS job never completes. A thing that enters a
// continuous job's groups gets an execution at once; one that leaves has
// its pending execution REMOVED; one that was REMOVED and comes back
// starts again with fresh retries. A deleted thing's pending executions
// are REMOVED in every job.
//
// # Device notifications
//
// notify carries the pending list (at most PendingListCap, IN_PROGRESS
// first, then QUEUED by queue time) and is published whenever that set
// changes: an execution queued or finished. It is not published when an
// execution starts. notify-next is published when the identity of the
// next pending execution changes, and carries it with its document (or
// only a timestamp when nothing is pending). Responses to a device's own
// requests (HandleMQTT) go to that client only.
//
// # Choices where AWS is silent
//
// Snapshot jobs keep the executions of things that leave a target group
// (only continuous jobs remove them); a thing that already ran a
// continuous job does not run it again when it re-enters the group;
// DeleteJob is immediate, with no observable DELETION_IN_PROGRESS; a
// version mismatch over HTTPS is VersionConflictException (MQTT:
// VersionMismatch); DescribeJobExecution of a terminal execution on the
// device API is TerminalStateException (MQTT: TerminalStateReached);
// presigned URL placeholders are left as they are.
package jobs
