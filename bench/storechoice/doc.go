// Command storechoice measures the two embedded engines fleetd could keep
// its records in — go.etcd.io/bbolt (a copy-on-write B+tree in one mmapped
// file) and github.com/cockroachdb/pebble/v2 (an LSM with a WAL) — on the
// write pattern that dominates fleetd: shadow updates.
//
// For each engine it
//
//  1. populates N records ("shadow/thing-0000042/" → ~300 bytes of shadow
//     JSON), unsynced, in large batches, then syncs;
//  2. for each writer count W, runs W goroutines for a fixed duration, each
//     overwriting one random existing key per command and waiting for the
//     acknowledgement; a single committer goroutine drains the queue and
//     applies everything queued as one engine transaction with one fsync
//     (group commit, the design of package fleetd/store). It reports
//     commands/s, mean group size and the latency percentiles of an
//     acknowledged command;
//  3. closes the engine and measures the full load — open plus an ordered
//     scan of every record — warm (page cache as the writers left it) and,
//     with -dropcaches, cold;
//  4. reports the bytes on disk per record after populating and after the
//     overwrites.
//
// The variant "bbolt-syncfreelist" writes bbolt's freelist with every
// commit (bbolt's default) instead of rebuilding it at open (etcd's
// setting, used by "bbolt"): slower commits, faster open.
//
// The variant "pebble-native" skips the committer: every writer commits its
// own batch with pebble.Sync and pebble's commit pipeline groups the WAL
// syncs itself. It shows what the committer goroutine costs or gains.
//
// Every pebble run also reports its compactions, write amplification and
// write stalls (count by reason, total time); the -pebble-* flags change
// the settings that govern them.
//
// This is its own module so that the main module depends only on the
// engine that won. Results and the decision are in RESULTS.md, raw output
// in runs/.
//
// Usage:
//
//	go run . -keys 1000000 -writers 16,64,256 -duration 20s -dropcaches \
//	  -pebble-l0-stop 1000 -pebble-memtable-stop 4
package main
