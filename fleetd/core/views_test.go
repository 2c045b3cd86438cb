package core

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// TestViewTableMatchesMap runs random sets and drops through a viewTable and
// a map of views, the structure it replaced, and compares them after every
// step.
func TestViewTableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tab viewTable
	oracle := map[uint32]registry.ThingView{}
	for step := range 2000 {
		id := uint32(r.IntN(64))
		switch r.IntN(3) {
		case 0, 1:
			v := registry.ThingView{Name: fmt.Sprintf("t%d-%d", id, step), ID: id, Version: int64(step)}
			tab.set(v)
			oracle[id] = v
		case 2:
			tab.drop(id)
			delete(oracle, id)
		}
		if tab.len() != len(oracle) {
			t.Fatalf("step %d: len() = %d; want %d", step, tab.len(), len(oracle))
		}
		for id := range uint32(70) {
			got, want := tab.get(id), oracle[id]
			if _, ok := oracle[id]; !ok {
				if got != nil {
					t.Fatalf("step %d: get(%d) = %+v; want nil", step, id, *got)
				}
				continue
			}
			if got == nil || got.Name != want.Name || got.Version != want.Version {
				t.Fatalf("step %d: get(%d) = %v; want %+v", step, id, got, want)
			}
		}
	}
	all := tab.all()
	if len(all) != len(oracle) {
		t.Fatalf("all() has %d views; want %d", len(all), len(oracle))
	}
	for i, v := range all {
		if i > 0 && all[i-1].ID >= v.ID {
			t.Errorf("all() not in dense-id order: %d after %d", v.ID, all[i-1].ID)
		}
		if oracle[v.ID].Name != v.Name {
			t.Errorf("all() holds %s for id %d; want %s", v.Name, v.ID, oracle[v.ID].Name)
		}
	}
}
