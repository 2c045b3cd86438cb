package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Mutation is one record change: Key set to Value, or Key deleted when
// Value is nil. An empty, non-nil Value is stored as an empty record.
type Mutation struct {
	Key   string
	Value []byte
}

// Options tunes a Store. The zero value is the production setting: classic
// group commit (a group is whatever queued while the previous group was
// being written) with an fsync per group.
type Options struct {
	// MaxGroup is the most Commit calls applied as one engine transaction.
	// Default 1024.
	MaxGroup int
	// MaxGroupBytes closes a group once its keys and values add up to this
	// many bytes; a single Commit larger than that still forms a group of
	// its own. Default 16 MiB.
	MaxGroupBytes int
	// MaxWait, when positive, makes the committer wait up to this long after
	// the first Commit of a group for more Commits to join it (until
	// MaxGroup). Zero, the default, commits as soon as the previous group is
	// done, which needs no timer and is what a busy daemon wants.
	MaxWait time.Duration
	// QueueLen bounds the Commits waiting for the committer; further callers
	// block in Commit until there is room. Default 4 × MaxGroup.
	QueueLen int
	// NoSync skips the fsync of each group. Commits stay atomic, but an
	// acknowledged Commit can be lost on a crash — even on kill -9, since
	// the engine may not have written its log yet. For benchmarks only.
	NoSync bool
	// MemTableSize is the engine's in-memory write buffer in bytes: bigger
	// means fewer flushes and compactions, more log to replay at Open.
	// Default 64 MiB.
	MemTableSize int
	// CacheSize is the engine's block cache in bytes. Default 64 MiB.
	CacheSize int64
	// Logger receives the engine's messages (info at Debug level). Default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxGroup <= 0 {
		o.MaxGroup = 1024
	}
	if o.MaxGroupBytes <= 0 {
		o.MaxGroupBytes = 16 << 20
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 4 * o.MaxGroup
	}
	if o.MemTableSize <= 0 {
		o.MemTableSize = 64 << 20
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("store: closed")

// engineDir is the directory inside the store's dir that pebble owns.
const engineDir = "pebble"

// formatVersion pins pebble's on-disk format, so that upgrading the library
// does not silently ratchet the format of existing stores.
const formatVersion = pebble.FormatValueSeparation

// Store is a durable, ordered key-value store with group commit. All its
// methods are safe for concurrent use.
type Store struct {
	dir string
	o   Options
	db  *pebble.DB

	queue   chan *request
	stopped chan struct{} // closed when the committer has exited

	mu      sync.Mutex
	closed  bool
	callers sync.WaitGroup // Commits and reads in flight

	groups    atomic.Int64
	commits   atomic.Int64
	mutations atomic.Int64
}

// Open opens the store in dir, creating dir if needed, and starts its
// committer. The engine's files live in dir/pebble; the rest of dir is the
// caller's. Only one Store may have dir open at a time (the engine holds a
// lock file).
func Open(dir string, o Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: open: empty directory name")
	}
	o = o.withDefaults()
	path := filepath.Join(dir, engineDir)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	cache := pebble.NewCache(o.CacheSize)
	defer cache.Unref() // the DB holds its own reference
	db, err := pebble.Open(path, &pebble.Options{
		Cache:              cache,
		MemTableSize:       uint64(o.MemTableSize),
		FormatMajorVersion: formatVersion,
		Logger:             logger{o.Logger},
		// Writes dominate and reads happen mostly at start: let L0 grow
		// rather than stall writers while a compaction catches up.
		L0StopWritesThreshold:       1000,
		MemTableStopWritesThreshold: 4,
	})
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) || err != nil && strings.Contains(err.Error(), "lock held") {
		return nil, fmt.Errorf("store: open %s: the directory is locked: is another fleetd running on it? (%w)", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{
		dir:     dir,
		o:       o,
		db:      db,
		queue:   make(chan *request, o.QueueLen),
		stopped: make(chan struct{}),
	}
	go s.commitLoop()
	return s, nil
}

// enter registers a caller, or reports that the store is closed.
func (s *Store) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.callers.Add(1)
	return nil
}

// Close waits for the Commits and reads in flight, commits what is queued,
// stops the committer and closes the engine. Every Commit that returned nil
// is on disk (with NoSync too: Close flushes the engine then). Calls after
// the first return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.mu.Unlock()

	// Callers in flight may be blocked on a full queue; the committer keeps
	// draining it, so they finish.
	s.callers.Wait()
	close(s.queue)
	<-s.stopped

	// Flushing the memtable spares the next Open a replay of the log: a
	// clean shutdown should make the next start-up fast.
	var errs []error
	if err := s.db.Flush(); err != nil {
		errs = append(errs, fmt.Errorf("store: close %s: flush: %w", s.dir, err))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close %s: %w", s.dir, err))
	}
	return errors.Join(errs...)
}

// Stats is a snapshot of a Store's counters since Open.
type Stats struct {
	Groups        int64   // engine transactions committed, each with one fsync unless NoSync
	Commits       int64   // Commit calls acknowledged
	Mutations     int64   // mutations in those Commits
	MeanGroupSize float64 // Commits per group
	DiskBytes     uint64  // bytes the engine's files take on disk
}

// Stats returns the counters. After Close DiskBytes is zero.
func (s *Store) Stats() Stats {
	st := Stats{
		Groups:    s.groups.Load(),
		Commits:   s.commits.Load(),
		Mutations: s.mutations.Load(),
	}
	if st.Groups > 0 {
		st.MeanGroupSize = float64(st.Commits) / float64(st.Groups)
	}
	if s.enter() == nil {
		st.DiskBytes = s.db.Metrics().DiskSpaceUsage()
		s.callers.Done()
	}
	return st
}

// logger adapts slog to pebble's Logger.
type logger struct{ l *slog.Logger }

func (g logger) Infof(format string, args ...any) {
	g.l.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (g logger) Errorf(format string, args ...any) {
	g.l.Error("pebble: " + fmt.Sprintf(format, args...))
}

// Fatalf is called by pebble on unrecoverable errors (corruption, a failed
// log sync); pebble expects it not to return.
func (g logger) Fatalf(format string, args ...any) {
	msg := "pebble: " + fmt.Sprintf(format, args...)
	g.l.Error(msg)
	panic(msg)
}
