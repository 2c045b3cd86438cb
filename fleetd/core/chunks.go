package core

// chunks hands out pointers to values of T allocated a chunk at a time,
// for per-thing and per-client state the core keeps for as long as it
// lives: the garbage collector then marks one object per chunk instead of
// one per thing, which at a million things is most of its work. A value is
// never freed alone (a chunk lives while any of its values is reachable),
// so chunks suit state that is never deleted, or is deleted rarely enough
// that the few values it strands do not matter.
type chunks[T any] struct {
	cur []T // the chunk being handed out; full when len == cap
}

// Chunks start small, for the many small cores of tests, and double up to
// maxChunk values.
const (
	minChunk = 8
	maxChunk = 256
)

// new returns a pointer to a zero T.
func (c *chunks[T]) new() *T {
	if len(c.cur) == cap(c.cur) {
		c.cur = make([]T, 0, min(max(2*cap(c.cur), minChunk), maxChunk))
	}
	c.cur = c.cur[:len(c.cur)+1]
	return &c.cur[len(c.cur)-1]
}
