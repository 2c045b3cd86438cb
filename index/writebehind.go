package index

import "sync"

// writeBehind applies Put and Delete on a goroutine of its own, in the
// order they were made, so that the writer (the fleetd core's one
// goroutine, which a simulation keeps busy) does not wait for posting
// moves. Every read first waits until all writes made before it are
// applied: a reader sees exactly what it would have seen with synchronous
// writes.
type writeBehind struct {
	mu      sync.Mutex
	changed sync.Cond // signalled when ops are queued, applied, or on close
	queue   []writeOp
	spare   []writeOp // the batch last applied, reused as the next queue
	queued  uint64    // ops ever queued
	applied uint64    // ops ever applied
	closed  bool
	flush   bool          // a reader waits: apply what is queued now
	done    chan struct{} // closed when the goroutine has stopped
}

type writeOp struct {
	id       uint32
	old, new Flat
	storage  *changeStorage // PutChange's, released once applied
	build    ChangeBuilder  // PutBuilt's: old and new are built when applied
	delete   bool
}

// maxQueuedWrites bounds the queue (and the flats it holds): a writer
// faster than the applier waits for it.
const maxQueuedWrites = 1 << 14

// wakeBatch is how many writes wait before the applier is woken: waking
// it costs a few microseconds, as much as several writes, so it works in
// batches (a reader wakes it at once for what is queued).
const wakeBatch = 512

func (ix *Index) startWriteBehind() {
	wb := &writeBehind{done: make(chan struct{})}
	wb.changed.L = &wb.mu
	ix.wb = wb
	go ix.applyWrites(wb)
}

// applyWrites applies queued writes in batches until Close.
func (ix *Index) applyWrites(wb *writeBehind) {
	defer close(wb.done)
	wb.mu.Lock()
	for {
		for (len(wb.queue) < wakeBatch && !wb.flush && !wb.closed) || (len(wb.queue) == 0 && !wb.closed) {
			wb.changed.Wait()
		}
		wb.flush = false
		if len(wb.queue) == 0 {
			wb.mu.Unlock()
			return
		}
		batch := wb.queue
		wb.queue = wb.spare[:0]
		wb.mu.Unlock()

		ix.mu.Lock()
		for i := range batch {
			op := &batch[i]
			switch {
			case op.delete:
				ix.deleteLocked(op.id, op.old)
			case op.build != nil:
				ix.putBuiltLocked(op.id, op.build)
			default:
				ix.putLocked(op.id, op.old, op.new)
			}
			op.storage.release()
			*op = writeOp{} // let the flats go
		}
		ix.mu.Unlock()

		wb.mu.Lock()
		wb.applied += uint64(len(batch))
		wb.spare = batch
		wb.changed.Broadcast()
	}
}

// enqueue queues a write; false when the index writes synchronously.
func (ix *Index) enqueue(op writeOp) bool {
	wb := ix.wb
	if wb == nil {
		return false
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	if wb.closed {
		return false
	}
	for len(wb.queue) >= maxQueuedWrites {
		wb.changed.Wait()
	}
	wb.queue = append(wb.queue, op)
	wb.queued++
	if len(wb.queue) == wakeBatch {
		wb.changed.Broadcast()
	}
	return true
}

// settle waits until every write queued before the call is applied.
func (ix *Index) settle() {
	wb := ix.wb
	if wb == nil {
		return
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	target := wb.queued
	if wb.applied < target {
		wb.flush = true // do not wait for a full batch
		wb.changed.Broadcast()
	}
	for wb.applied < target {
		wb.changed.Wait()
	}
}

// Close applies the queued writes and stops the write-behind goroutine of
// an index made with Settings.WriteBehind; later writes are synchronous.
// Without write-behind it does nothing. Safe to call more than once.
func (ix *Index) Close() {
	wb := ix.wb
	if wb == nil {
		return
	}
	wb.mu.Lock()
	wb.closed = true
	wb.changed.Broadcast()
	wb.mu.Unlock()
	<-wb.done
}
