package node

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/store"
	"github.com/fleetlab/fleetlab/internal/clock"
)

// Options configure a Node.
type Options struct {
	Dir   string // data directory; the store lives in Dir/store
	Core  core.Options
	Store store.Options
	Clock clock.Clock // required
	// Deliver receives, in operation order, the messages and events of
	// each operation once its records are durable. Nil drops them.
	Deliver func(msgs []core.Message, events []core.Event)
	Logger  *slog.Logger
}

// Node owns a core, its store and its timer.
type Node struct {
	o     Options
	mu    sync.Mutex
	core  *core.Core
	store *store.Store
	timer clock.Timer
	// deliveries carries each operation's outcome, in order, to the
	// delivery goroutine.
	deliveries chan delivery
	delivered  chan struct{}
	closed     bool
}

type delivery struct {
	wait   func() error
	msgs   []core.Message
	events []core.Event
	done   chan error
}

// ErrClosed is returned by operations after Close.
var ErrClosed = errors.New("node: closed")

// Open opens the store in o.Dir and restores the core from it.
func Open(o Options) (*Node, error) {
	if o.Clock == nil {
		return nil, errors.New("node: Options.Clock is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	st, err := store.Open(filepath.Join(o.Dir, "store"), o.Store)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	start := o.Clock.Now()
	c := core.New(o.Core)
	records := 0
	err = st.Load(func(key string, value []byte) error {
		records++
		// The store reuses value after the call; the core may keep it.
		return c.Restore(key, append([]byte(nil), value...))
	})
	if err == nil {
		err = c.FinishRestore(o.Clock.Now())
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("node: restoring from %s: %w", o.Dir, err)
	}
	o.Logger.Info("fleetd state restored", "records", records, "took", o.Clock.Now().Sub(start).Round(time.Millisecond))
	n := &Node{o: o, core: c, store: st, deliveries: make(chan delivery, 1024), delivered: make(chan struct{})}
	go n.deliver()
	n.mu.Lock()
	n.rearm()
	n.mu.Unlock()
	return n, nil
}

// Do runs op on the core and returns once what it changed is durable. op's
// own error (an *awserr.Error for a client mistake) is returned as is; a
// failure to persist is returned wrapped, and is a server fault.
func (n *Node) Do(op func(c *core.Core, now time.Time) error) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	err := op(n.core, n.o.Clock.Now())
	d := n.submit()
	n.rearm()
	n.mu.Unlock()
	if perr := <-d; perr != nil {
		return fmt.Errorf("node: persisting: %w", perr)
	}
	return err
}

// Read runs a read-only function on the core under the node's lock.
func (n *Node) Read(fn func(c *core.Core, now time.Time) error) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	return fn(n.core, n.o.Clock.Now())
}

// submit hands the core's Ready to the store and the delivery goroutine;
// the caller holds the lock, so the store sees operations in order.
func (n *Node) submit() chan error {
	r := n.core.Ready()
	batch := make([]store.Mutation, len(r.Records))
	for i, rec := range r.Records {
		batch[i] = store.Mutation{Key: rec.Key, Value: rec.Value}
	}
	d := delivery{wait: n.store.Submit(batch), msgs: r.Messages, events: r.Events, done: make(chan error, 1)}
	n.deliveries <- d
	return d.done
}

func (n *Node) deliver() {
	defer close(n.delivered)
	for d := range n.deliveries {
		err := d.wait()
		d.done <- err
		if err == nil && n.o.Deliver != nil && (len(d.msgs) > 0 || len(d.events) > 0) {
			n.o.Deliver(d.msgs, d.events)
		}
	}
}

// rearm sets the timer for the core's next deadline; the caller holds the
// lock.
func (n *Node) rearm() {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	at := n.core.NextDeadline()
	if at.IsZero() || n.closed {
		return
	}
	n.timer = n.o.Clock.AfterFunc(max(at.Sub(n.o.Clock.Now()), 0), func() {
		if err := n.Do(func(c *core.Core, now time.Time) error { c.Tick(now); return nil }); err != nil && !errors.Is(err, ErrClosed) {
			n.o.Logger.Error("fleetd tick", "err", err)
		}
	})
}

// Close stops the timer, waits until every acknowledged operation's
// messages are delivered and closes the store.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	if n.timer != nil {
		n.timer.Stop()
	}
	close(n.deliveries)
	n.mu.Unlock()
	<-n.delivered
	return n.store.Close()
}
