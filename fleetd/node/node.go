package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/objects"
	"github.com/fleetlab/fleetlab/fleetd/provision"
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
	// Hook runs one pre-provisioning hook call (an HTTP POST, say) and
	// returns the hook's response body. It runs on a goroutine of its own
	// and must respect call.Deadline; nil fails every call, which refuses
	// the registration (ACCESS_DENIED) as a failing Lambda would.
	Hook func(ctx context.Context, call provision.HookCall) ([]byte, error)
}

// Node owns a core, its store and its timer.
type Node struct {
	o       Options
	mu      sync.Mutex
	core    *core.Core
	store   *store.Store
	objects objects.Store
	timer   clock.Timer
	// deliveries carries each operation's outcome, in order, to the
	// delivery goroutine.
	deliveries chan delivery
	delivered  chan struct{}
	closed     bool
}

type delivery struct {
	wait    func() error
	msgs    []core.Message
	events  []core.Event
	objects []core.ObjectAppend
	hooks   []provision.HookCall
	done    chan error
	async   bool // nobody reads done: log a failure here
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
	if o.Core.Parallel == nil {
		o.Core.Parallel = parallel
	}
	st, err := store.Open(filepath.Join(o.Dir, "store"), o.Store)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	start := o.Clock.Now()
	// A restore allocates millions of small long-lived objects and frees
	// almost nothing: collecting less often during it halves start-up.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	c := core.New(o.Core)
	records, err := restore(st, c)
	loaded := o.Clock.Now()
	if err == nil {
		err = c.FinishRestore(o.Clock.Now())
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("node: restoring from %s: %w", o.Dir, err)
	}
	o.Logger.Info("fleetd state restored", "records", records,
		"load", loaded.Sub(start).Round(time.Millisecond), "rebuild", o.Clock.Now().Sub(loaded).Round(time.Millisecond))
	n := &Node{o: o, core: c, store: st, objects: objects.Store{Dir: o.Dir}, deliveries: make(chan delivery, 1024), delivered: make(chan struct{})}
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

// Submit is Do without waiting for durability: for requests nobody
// acknowledges (MQTT QoS 0), whose effects are still made durable, and
// delivered, in operation order, but whose sender need not wait for the
// disk. A later Do returning means everything submitted before it is
// durable too. A failure to persist is logged.
func (n *Node) Submit(op func(c *core.Core, now time.Time) error) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	err := op(n.core, n.o.Clock.Now())
	n.submitAsync()
	n.rearm()
	n.mu.Unlock()
	return err
}

// Publish delivers a message that changes no state (an iot-data Publish to
// an ordinary topic) in order with the operations around it.
func (n *Node) Publish(m core.Message) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	d := delivery{wait: func() error { return nil }, msgs: []core.Message{m}, done: make(chan error, 1)}
	n.deliveries <- d
	n.mu.Unlock()
	return <-d.done
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

// submitAsync is submit for an operation nobody waits for: the delivery
// goroutine logs a failure to persist it.
func (n *Node) submitAsync() {
	n.submitting(true)
}

// submit hands the core's Ready to the store and the delivery goroutine;
// the caller holds the lock, so the store sees operations in order.
func (n *Node) submit() chan error { return n.submitting(false) }

func (n *Node) submitting(async bool) chan error {
	r := n.core.Ready()
	batch := make([]store.Mutation, len(r.Records))
	for i, rec := range r.Records {
		batch[i] = store.Mutation{Key: rec.Key, Value: rec.Value}
	}
	d := delivery{wait: n.store.Submit(batch), msgs: r.Messages, events: r.Events, objects: r.Objects, hooks: r.Hooks, done: make(chan error, 1), async: async}
	n.deliveries <- d
	return d.done
}

func (n *Node) deliver() {
	defer close(n.delivered)
	for d := range n.deliveries {
		err := d.wait()
		if err == nil {
			n.writeObjects(d.objects)
		}
		d.done <- err
		if err != nil && d.async {
			n.o.Logger.Error("fleetd: persisting a request nobody waited for (MQTT QoS 0)", "err", err)
		}
		if err == nil && n.o.Deliver != nil && (len(d.msgs) > 0 || len(d.events) > 0) {
			n.o.Deliver(d.msgs, d.events)
		}
		if err == nil {
			for _, h := range d.hooks {
				go n.callHook(h)
			}
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

// restore loads every record into c: the store is read on one goroutine,
// records are decoded on one per core, and applied on this one.
func restore(st *store.Store, c *core.Core) (int, error) {
	type raw struct {
		key   string
		value []byte
	}
	type result struct {
		d   core.Decoded
		err error
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	in := make(chan []raw, 4*workers)
	out := make(chan []result, 4*workers)
	var readErr error
	go func() {
		defer close(in)
		const chunk = 512
		batch := make([]raw, 0, chunk)
		readErr = st.Load(func(key string, value []byte) error {
			// The store reuses value after the call; the core keeps it.
			batch = append(batch, raw{key, append([]byte(nil), value...)})
			if len(batch) == chunk {
				in <- batch
				batch = make([]raw, 0, chunk)
			}
			return nil
		})
		if len(batch) > 0 {
			in <- batch
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range in {
				res := make([]result, len(batch))
				for i, r := range batch {
					res[i].d, res[i].err = core.DecodeRecord(r.key, r.value)
				}
				out <- res
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	n := 0
	var firstErr error
	for res := range out {
		for _, r := range res {
			n++
			if firstErr == nil {
				firstErr = r.err
				if firstErr == nil {
					firstErr = c.ApplyRecord(r.d)
				}
			}
		}
	}
	if readErr != nil {
		return n, readErr
	}
	return n, firstErr
}

// parallel splits [0, n) into one part per core and runs them
// concurrently: the core's bulk rebuild uses it.
func parallel(n int, body func(lo, hi int)) {
	workers := min(max(1, runtime.GOMAXPROCS(0)), max(1, n))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}

// writeObjects appends the operation's object data (bulk registration
// reports) under the data directory.
func (n *Node) writeObjects(appends []core.ObjectAppend) {
	for _, a := range appends {
		if err := n.objects.Append(a.Bucket, a.Key, a.Data); err != nil {
			n.o.Logger.Error("fleetd: writing an object", "bucket", a.Bucket, "key", a.Key, "err", err)
		}
	}
}

// callHook runs a pre-provisioning hook and hands its outcome back to the
// core. The engine refuses a call that misses its deadline by itself; the
// context only stops waiting for it.
func (n *Node) callHook(call provision.HookCall) {
	var body []byte
	err := errors.New("no pre-provisioning hook runner is configured")
	if n.o.Hook != nil {
		ctx, cancel := context.WithDeadline(context.Background(), call.Deadline)
		body, err = n.o.Hook(ctx, call)
		cancel()
	}
	if derr := n.Do(func(c *core.Core, now time.Time) error { c.ProvisionHookResult(now, call.ID, body, err); return nil }); derr != nil && !errors.Is(derr, ErrClosed) {
		n.o.Logger.Error("fleetd: pre-provisioning hook result", "err", derr)
	}
}
