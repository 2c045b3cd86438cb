package core

import (
	"sync"

	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index"
)

// A shadow update's index change (two walks of the shadow along the paths
// the request wrote, and their diff) costs the core's goroutine about a
// third of the update. When the index writes behind and nothing needs the
// change on the core's side, the index builds it on its own goroutine: the
// core hands it the shadow before and after (immutable, see shadow.Doc)
// and a copy of the request's paths, in the one queue of the index's
// writes, so it is applied in order with every other write of the thing.

// shadowChangeBuild is one deferred shadow update's index change, drawn
// from Core.shadowBuilds and handed back to it once built.
type shadowChangeBuild struct {
	before, after shadow.Doc     // of the classic shadow: only it is deferred
	touched       shadow.Touched // reads paths, not the update's Scratch
	paths         shadow.TouchedCopy
	free          *sync.Pool // where it goes back, built
}

// BuildChange walks the shadow before and after the update along its paths
// and returns their difference; it runs on the index's goroutine.
func (s *shadowChangeBuild) BuildChange(b *index.FlatBuilder, pool *index.ChangePool) index.Change {
	addShadowTouched(b, classicPrefix, &s.before, s.touched)
	mark := b.Mark()
	addShadowTouched(b, classicPrefix, &s.after, s.touched)
	ch := b.FinishChange(mark, pool)
	s.before, s.after, s.touched = shadow.Doc{}, shadow.Doc{}, shadow.Touched{} // let the documents go
	s.free.Put(s)
	return ch
}

// deferShadowChange hands the index the building of a classic shadow
// update's change, and reports whether it did: only when the index writes
// behind with no lag (a lagging change waits in the core's queue as
// flats), and no dynamic group reads a field the update may change (its
// evaluation needs the change's fields on the core's goroutine).
func (c *Core) deferShadowChange(id uint32, name string, before, after *shadow.Doc, t shadow.Touched) bool {
	if name != "" || c.idx.lag > 0 || !c.idx.settings.WriteBehind || c.dynamicGroupMaySee(t) {
		return false
	}
	s, _ := c.shadowBuilds.Get().(*shadowChangeBuild)
	if s == nil {
		s = &shadowChangeBuild{free: &c.shadowBuilds}
	}
	s.before, s.after = *before, *after
	s.touched = s.paths.Keep(t)
	c.idx.ix.PutBuilt(id, s)
	return true
}

// dynamicGroupMaySee reports whether some dynamic group reads a field of
// the classic shadow that an update of touched paths t may change.
func (c *Core) dynamicGroupMaySee(t shadow.Touched) bool {
	for _, dq := range c.idx.dynamic {
		if dq == nil {
			continue
		}
		if dq.anyField {
			return true
		}
		for _, f := range dq.fieldList {
			if t.MayChange(classicPrefix, f) {
				return true
			}
		}
	}
	return false
}
