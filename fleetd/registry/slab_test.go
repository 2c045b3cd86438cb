package registry

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestThingSlabMatchesMap runs random puts and clears, over ids spanning
// several chunks with gaps, through a slab and a map of things, and checks
// after every step that they agree and that the pointers put returned
// still point at the things stored: the registry keeps them.
func TestThingSlabMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var s thingSlab
	oracle := map[uint32]string{}
	held := map[uint32]*thing{}
	ids := []uint32{0, 1, slabChunk - 1, slabChunk, 3*slabChunk + 5, 7 * slabChunk}
	for step := range 3000 {
		id := ids[r.IntN(len(ids))]
		if r.IntN(3) > 0 {
			if oracle[id] != "" {
				continue // put takes free slots only
			}
			name := fmt.Sprintf("t%d-%d", id, step)
			held[id] = s.put(thing{name: name, dense: id})
			oracle[id] = name
		} else {
			s.clear(id)
			delete(oracle, id)
			delete(held, id)
		}
		var bound uint32
		for id := range oracle {
			bound = max(bound, id+1)
		}
		if s.bound < bound {
			t.Fatalf("step %d: bound %d below %d", step, s.bound, bound)
		}
		for _, id := range append(ids, 2*slabChunk, 100*slabChunk) {
			got := s.at(id)
			switch want := oracle[id]; {
			case want == "" && got != nil:
				t.Fatalf("step %d: at(%d) = %s; want nil", step, id, got.name)
			case want != "" && (got == nil || got.name != want || got.dense != id):
				t.Fatalf("step %d: at(%d) = %v; want %s", step, id, got, want)
			case want != "" && got != held[id]:
				t.Fatalf("step %d: at(%d) moved", step, id)
			}
		}
	}
}
