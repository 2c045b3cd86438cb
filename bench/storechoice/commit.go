package main

import "sync/atomic"

// request is one command's batch waiting in the committer's queue.
type request struct {
	batch []kv
	done  chan error
}

// committer is the group-commit loop of package fleetd/store in miniature:
// one goroutine takes the first queued request, drains whatever else is
// queued (up to maxGroup), applies it all as one transaction with one fsync
// and then acknowledges every request of the group.
type committer struct {
	e        engine
	queue    chan *request
	maxGroup int
	groups   atomic.Int64
	cmds     atomic.Int64
	stopped  chan struct{}
}

func newCommitter(e engine, queueLen, maxGroup int) *committer {
	c := &committer{e: e, queue: make(chan *request, queueLen), maxGroup: maxGroup, stopped: make(chan struct{})}
	go c.run()
	return c
}

func (c *committer) run() {
	defer close(c.stopped)
	group := make([]*request, 0, c.maxGroup)
	batches := make([][]kv, 0, c.maxGroup)
	for first := range c.queue {
		group = append(group[:0], first)
	drain:
		for len(group) < c.maxGroup {
			select {
			case r, ok := <-c.queue:
				if !ok {
					break drain
				}
				group = append(group, r)
			default:
				break drain
			}
		}
		batches = batches[:0]
		for _, r := range group {
			batches = append(batches, r.batch)
		}
		err := c.e.apply(batches, true)
		c.groups.Add(1)
		c.cmds.Add(int64(len(group)))
		for _, r := range group {
			r.done <- err
		}
	}
}

func (c *committer) commit(batch []kv, done chan error) error {
	c.queue <- &request{batch: batch, done: done}
	return <-done
}

func (c *committer) stop() {
	close(c.queue)
	<-c.stopped
}
