package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Load calls fn for every record in key order, as the daemon does at
// start to rebuild its state. It is Scan with an empty prefix.
func (s *Store) Load(fn func(key string, value []byte) error) error {
	return s.Scan("", fn)
}

// Scan calls fn, in key order, for every record whose key starts with
// prefix. It reads a consistent snapshot taken when it starts: Commits that
// complete during the scan are not seen. value is valid only during the
// call to fn; copy it to keep it. An error from fn stops the scan and is
// returned wrapped (errors.Is sees it). fn must not call Close.
func (s *Store) Scan(prefix string, fn func(key string, value []byte) error) (err error) {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.callers.Done()
	o := &pebble.IterOptions{}
	if prefix != "" {
		o.LowerBound = []byte(prefix)
		o.UpperBound = prefixEnd([]byte(prefix))
	}
	it, err := s.db.NewIter(o)
	if err != nil {
		return fmt.Errorf("store: scan %q: %w", prefix, err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("store: scan %q: %w", prefix, cerr)
		}
	}()
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("store: scan %q: at %q: %w", prefix, it.Key(), err)
		}
		k := string(it.Key())
		if err := fn(k, v); err != nil {
			return fmt.Errorf("store: scan %q: at %q: %w", prefix, k, err)
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("store: scan %q: %w", prefix, err)
	}
	return nil
}

// prefixEnd returns the smallest key greater than every key with the given
// prefix, or nil when there is none (the prefix is all 0xff bytes).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Get returns a copy of the value stored under key, and whether there is
// one.
func (s *Store) Get(key string) ([]byte, bool, error) {
	if err := s.enter(); err != nil {
		return nil, false, err
	}
	defer s.callers.Done()
	v, closer, err := s.db.Get([]byte(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: get %q: %w", key, err)
	}
	out := append([]byte{}, v...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("store: get %q: %w", key, err)
	}
	return out, true, nil
}
