package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	bolt "go.etcd.io/bbolt"
)

// kv is one write: a nil value deletes.
type kv struct {
	key, value []byte
}

// engine is the little an engine must do for fleetd's store.
type engine interface {
	// apply writes every kv of every batch in one atomic transaction and,
	// when sync is set, makes it durable before returning.
	apply(batches [][]kv, sync bool) error
	// scan calls fn for every record in key order.
	scan(fn func(k, v []byte)) error
	close() error
}

func openEngine(kind, dir string) (engine, error) {
	switch kind {
	case "bbolt":
		return openBolt(dir, false)
	case "bbolt-syncfreelist":
		return openBolt(dir, true)
	case "pebble", "pebble-native":
		return openPebble(dir)
	}
	return nil, fmt.Errorf("unknown engine %q", kind)
}

// ---- bbolt ----

var bucket = []byte("r")

type boltEngine struct{ db *bolt.DB }

func openBolt(dir string, syncFreelist bool) (*boltEngine, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// etcd's settings: no freelist written per commit (rebuilt at open by
	// walking the tree), hashmap freelist, a large initial mmap so that
	// growing the file does not remap under readers. "bbolt-syncfreelist"
	// writes the freelist with every commit instead (bbolt's default).
	db, err := bolt.Open(dir+"/fleetd.db", 0o644, &bolt.Options{
		NoFreelistSync:  !syncFreelist,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 4 << 30,
	})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltEngine{db: db}, nil
}

func (e *boltEngine) apply(batches [][]kv, sync bool) error {
	e.db.NoSync = !sync
	return e.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, batch := range batches {
			for _, m := range batch {
				var err error
				if m.value == nil {
					err = b.Delete(m.key)
				} else {
					err = b.Put(m.key, m.value)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (e *boltEngine) scan(fn func(k, v []byte)) error {
	return e.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			fn(k, v)
		}
		return nil
	})
}

func (e *boltEngine) close() error { return e.db.Close() }

// ---- pebble ----

type pebbleEngine struct {
	db     *pebble.DB
	cache  interface{ Unref() }
	stalls *stallCounter
}

// pebbleTuning holds the options that matter for sustained random
// overwrites; the zero value is pebble's defaults (with a 64 MiB memtable).
type pebbleTuning struct {
	memTableMB      int
	compactions     int // upper bound of CompactionConcurrencyRange
	l0Stop          int // L0StopWritesThreshold
	l0Compact       int // L0CompactionThreshold
	memTableStop    int // MemTableStopWritesThreshold
	noCompression   bool
	valueSeparation bool
}

var tuning pebbleTuning

// stallCounter counts write stalls by reason and their total duration.
type stallCounter struct {
	mu      sync.Mutex
	began   time.Time
	reasons map[string]int
	total   time.Duration
}

func (c *stallCounter) begin(info pebble.WriteStallBeginInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.began = time.Now()
	c.reasons[info.Reason]++
}

func (c *stallCounter) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += time.Since(c.began)
}

func (c *stallCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("stalled %s %v", c.total.Round(time.Millisecond), c.reasons)
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)      {}
func (quietLogger) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, "pebble: "+f+"\n", a...) }
func (quietLogger) Fatalf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+f+"\n", a...)
	os.Exit(2)
}
func (quietLogger) Eventf(string, ...any)       {}
func (quietLogger) IsTracingEnabled(_ any) bool { return false }

func openPebble(dir string) (*pebbleEngine, error) {
	cache := pebble.NewCache(64 << 20)
	stalls := &stallCounter{reasons: map[string]int{}}
	o := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                64 << 20,
		FormatMajorVersion:          pebble.FormatNewest,
		Logger:                      quietLogger{},
		L0StopWritesThreshold:       tuning.l0Stop,
		L0CompactionThreshold:       tuning.l0Compact,
		MemTableStopWritesThreshold: tuning.memTableStop,
		EventListener: &pebble.EventListener{
			WriteStallBegin: stalls.begin,
			WriteStallEnd:   stalls.end,
		},
	}
	if tuning.memTableMB > 0 {
		o.MemTableSize = uint64(tuning.memTableMB) << 20
	}
	if n := tuning.compactions; n > 0 {
		o.CompactionConcurrencyRange = func() (int, int) { return 1, n }
	}
	if tuning.noCompression {
		for i := range o.Levels {
			o.Levels[i].Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
		}
	}
	if tuning.valueSeparation {
		o.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
			return pebble.ValueSeparationPolicy{Enabled: true, MinimumSize: 64, MaxBlobReferenceDepth: 10, RewriteMinimumAge: 10 * time.Second, TargetGarbageRatio: 0.2}
		}
	}
	db, err := pebble.Open(dir, o)
	if err != nil {
		cache.Unref()
		return nil, err
	}
	return &pebbleEngine{db: db, cache: cache, stalls: stalls}, nil
}

func (e *pebbleEngine) apply(batches [][]kv, sync bool) error {
	b := e.db.NewBatch()
	defer b.Close()
	for _, batch := range batches {
		for _, m := range batch {
			var err error
			if m.value == nil {
				err = b.Delete(m.key, nil)
			} else {
				err = b.Set(m.key, m.value, nil)
			}
			if err != nil {
				return err
			}
		}
	}
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	return b.Commit(opt)
}

func (e *pebbleEngine) scan(fn func(k, v []byte)) error {
	it, err := e.db.NewIter(nil)
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		fn(it.Key(), it.Value())
	}
	return errors.Join(it.Error(), it.Close())
}

// flush writes the memtable out, so that a fresh population is measured as
// sstables rather than as a WAL to replay.
func (e *pebbleEngine) flush() error { return e.db.Flush() }

// report summarises what the LSM did: compactions, write amplification,
// read amplification and write stalls.
func (e *pebbleEngine) report() string {
	m := e.db.Metrics()
	t := m.Total()
	return fmt.Sprintf("compactions %d, write amp %.1f, read amp %d, %s",
		m.Compact.Count, t.WriteAmp(), m.ReadAmp(), e.stalls)
}

func (e *pebbleEngine) close() error {
	err := e.db.Close()
	e.cache.Unref()
	return err
}
