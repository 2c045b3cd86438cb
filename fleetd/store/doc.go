// Package store is fleetd's persistence: a durable, ordered key-value store
// that makes each command's mutations atomic and durable, with group commit
// so that many concurrent commands share one fsync.
//
// # What it owns
//
// The fleetd core is a pure state machine; every command it executes yields
// the records it changed as a list of Mutations ("thing/foo" → JSON,
// "shadow/foo/" → JSON, or a delete). fleetd/node hands that list to
// Commit, and acknowledges the command to its client only after Commit
// returns nil. At start, Load replays every record in key order and the
// core rebuilds its in-memory state from them. The store knows nothing of
// the records' meaning: keys are opaque strings, values opaque bytes.
//
// The engine is pebble (github.com/cockroachdb/pebble/v2), chosen by
// measurement against bbolt; see bench/storechoice/RESULTS.md. Its files
// live in dir/pebble; the rest of the directory given to Open is the
// caller's (for snapshots of derived state, say).
//
// # Durability: what "acknowledged" means
//
// A Commit is acknowledged when it returns nil. By then its group has been
// written to pebble's write-ahead log and fsynced. An acknowledged Commit
// survives kill -9, a panic, an OOM kill, and — as far as the disk honours
// fsync — power loss. With Options.NoSync nothing is fsynced and even
// kill -9 may lose acknowledged Commits; it exists for benchmarks.
//
// # Atomicity
//
// The mutations of one Commit are all applied or none is, whatever the
// moment of a crash: a group is one pebble batch, written as one log record
// that recovery replays whole or drops whole. Since a group holds whole
// Commits, a crash never leaves part of a Commit. A Commit that returned an
// error, or was in flight during a crash, may be wholly present after
// restart (its group reached the disk but the answer did not reach the
// caller) or wholly absent; callers that must know look at what Load
// returns.
//
// # Ordering
//
// The mutations of one Commit are applied in order: a later mutation of the
// same key wins. Concurrent Commits are applied in the order they entered
// the committer's queue; a Commit that returned before another began is
// always applied before it. Two Commits racing for the same key are ordered
// by the queue, so callers that need an order between them (fleetd/node for
// one thing's shadow) must fix it themselves: Submit queues a batch and
// returns at once with a function that waits for the outcome, so a caller
// can submit under its own lock, in its own order, and wait outside it.
//
// # Group commit
//
// Commit puts its batch on a bounded queue (Options.QueueLen; callers block
// when it is full) and waits. One committer goroutine takes the first
// queued Commit, adds every other Commit already queued — up to
// Options.MaxGroup Commits or Options.MaxGroupBytes — writes them as one
// pebble batch with one fsync, and wakes them all with the outcome. While it
// writes, new Commits queue up and form the next group: under load groups
// grow by themselves, at low load a lone Commit is written at once, and no
// timer is involved. Options.MaxWait, when set, holds a group open that long
// for more Commits, trading latency for fewer fsyncs.
//
// # Failures
//
// If a group fails to write, every Commit of that group gets the error, and
// the store is failed from then on: after a failed fsync the state of the
// log is unknown, so every later Commit fails with the first error. The
// caller should stop and restart the daemon, which recovers from the log.
// (pebble itself panics on some unrecoverable errors; the store's pebble
// logger turns its Fatalf into a panic as well.)
//
// # Reads
//
// Load, Scan and Get may run concurrently with Commits. Scan reads a
// snapshot taken when it starts. A group becomes visible to reads when pebble
// has applied it, which may be a moment before its fsync completes; reads
// are for rebuilding state at start, never for deciding that a write is
// durable — only Commit's return says that.
//
// # Close
//
// Close refuses new calls (they get ErrClosed), waits for the Commits and
// reads in flight, lets the committer write what is queued, and closes the
// engine. Restarting after Close replays only the part of the log that was
// not flushed to sstables yet, a fraction of a second per 64 MiB
// (Options.MemTableSize).
package store
