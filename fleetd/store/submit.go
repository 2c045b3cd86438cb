package store

import "fmt"

// Submit queues batch like Commit but returns at once, with a function that
// waits for the outcome Commit would have returned. Batches are applied in
// the order they were submitted, so a caller that produces records under
// its own lock (fleetd/node) submits under that lock and waits outside it:
// the store's order is then the caller's order, and commits still group.
func (s *Store) Submit(batch []Mutation) (wait func() error) {
	if len(batch) == 0 {
		return func() error { return nil }
	}
	size := 0
	for i, m := range batch {
		if m.Key == "" {
			err := fmt.Errorf("store: submit: mutation %d of %d has an empty key", i, len(batch))
			return func() error { return err }
		}
		size += len(m.Key) + len(m.Value)
	}
	if err := s.enter(); err != nil {
		return func() error { return err }
	}
	r := &request{batch: batch, size: size, done: make(chan error, 1)}
	s.queue <- r
	s.callers.Done()
	return func() error { return <-r.done }
}
