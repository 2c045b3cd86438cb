package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// request is one Commit waiting in the queue.
type request struct {
	batch []Mutation
	size  int
	done  chan error // buffered: the committer never blocks on it
}

// Commit applies batch atomically and durably: when it returns nil, every
// mutation is on disk (fsynced, unless Options.NoSync) and a crash at any
// later moment keeps all of them; when it returns an error, none or all of
// them may be on disk, never some (see the package documentation). The
// mutations are applied in order, so a later one for the same key wins.
//
// Concurrent Commits are grouped: they wait in a bounded queue, and the
// committer writes each group as one engine transaction with one fsync.
// Commit blocks until its group is written. The store does not keep batch
// after Commit returns; the caller must not change it during the call.
//
// An empty batch returns nil at once. A mutation with an empty key is
// rejected before anything is queued. After Close, Commit returns ErrClosed.
func (s *Store) Commit(batch []Mutation) error {
	if len(batch) == 0 {
		return nil
	}
	size := 0
	for i, m := range batch {
		if m.Key == "" {
			return fmt.Errorf("store: commit: mutation %d of %d has an empty key", i, len(batch))
		}
		size += len(m.Key) + len(m.Value)
	}
	if err := s.enter(); err != nil {
		return err
	}
	r := &request{batch: batch, size: size, done: make(chan error, 1)}
	s.queue <- r
	s.callers.Done() // queued: Close may now close the queue behind it
	return <-r.done
}

// commitLoop is the committer: it takes the first queued request, gathers
// more (everything already queued, or what arrives within MaxWait) up to
// MaxGroup requests or MaxGroupBytes, writes them as one batch and answers
// them all. It exits when Close has closed the queue and it is drained.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	group := make([]*request, 0, s.o.MaxGroup)
	var (
		failed error    // sticky: after a failed write nothing more is written
		carry  *request // did not fit the last group: heads the next one
		timer  *time.Timer
	)
	for {
		first := carry
		if first == nil {
			r, ok := <-s.queue
			if !ok {
				return
			}
			first = r
		}
		var wait <-chan time.Time
		if s.o.MaxWait > 0 {
			if timer == nil {
				timer = time.NewTimer(s.o.MaxWait)
			} else {
				timer.Reset(s.o.MaxWait)
			}
			wait = timer.C
		}
		group, carry = s.gather(append(group[:0], first), first.size, wait)
		failed = s.writeGroup(group, failed)
		clear(group) // let the batches go
	}
}

// gather adds queued requests to group until it holds MaxGroup requests or
// MaxGroupBytes, the queue is empty (wait == nil) or wait fires. A request
// that would take the group past MaxGroupBytes is returned as carry, to
// head the next group.
func (s *Store) gather(group []*request, size int, wait <-chan time.Time) (_ []*request, carry *request) {
	for len(group) < s.o.MaxGroup && size < s.o.MaxGroupBytes {
		var (
			r  *request
			ok bool
		)
		if wait == nil {
			select {
			case r, ok = <-s.queue:
			default:
				return group, nil
			}
		} else {
			select {
			case r, ok = <-s.queue:
			case <-wait:
				return group, nil
			}
		}
		if !ok {
			return group, nil
		}
		if size+r.size > s.o.MaxGroupBytes {
			return group, r
		}
		group = append(group, r)
		size += r.size
	}
	return group, nil
}

// writeGroup writes the group as one pebble batch and answers every
// request with the outcome. Once a write has failed, the store is failed:
// after a failed fsync the state of the log is unknown, so every later
// group gets the first error without touching the engine.
func (s *Store) writeGroup(group []*request, failed error) error {
	err := failed
	if err == nil {
		err = s.apply(group)
		if err != nil {
			failed = fmt.Errorf("store: failed by an earlier write: %w", err)
		}
	}
	if err == nil {
		n := 0
		for _, r := range group {
			n += len(r.batch)
		}
		s.groups.Add(1)
		s.commits.Add(int64(len(group)))
		s.mutations.Add(int64(n))
	}
	for _, r := range group {
		r.done <- err
	}
	return failed
}

func (s *Store) apply(group []*request) (err error) {
	b := s.db.NewBatch()
	defer func() { err = errors.Join(err, b.Close()) }()
	for _, r := range group {
		for _, m := range r.batch {
			if m.Value == nil {
				err = b.Delete([]byte(m.Key), nil)
			} else {
				err = b.Set([]byte(m.Key), m.Value, nil)
			}
			if err != nil {
				return fmt.Errorf("store: commit: key %q: %w", m.Key, err)
			}
		}
	}
	opts := pebble.Sync
	if s.o.NoSync {
		opts = pebble.NoSync
	}
	if err := b.Commit(opts); err != nil {
		return fmt.Errorf("store: commit group of %d: %w", len(group), err)
	}
	return nil
}
