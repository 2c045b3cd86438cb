package index_test

import (
	"sync"
	"testing"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
)

// TestOneWriterManyReaders runs shadow updates against concurrent searches,
// counts and aggregations (run it with -race). The writer changes only
// temperatures, so what the readers count must not move while it works.
func TestOneWriterManyReaders(t *testing.T) {
	const things = 2000
	cfg := index.AllOn()
	cfg.CustomFields = []index.Field{{Name: "shadow.reported.temperature", Type: index.TypeNumber}}
	ix := index.New(cfg, index.DefaultSettings())
	olds := make([]index.Flat, things)
	for i := range things {
		d := fleetgen.Doc(fleetgen.Spec{Seed: 9}, i)
		olds[i], _ = index.Flatten(&d, cfg)
		ix.Put(uint32(i), nil, olds[i])
	}
	all, _ := ix.Parse("*")
	region, _ := ix.Parse("attributes.region:us-east-1")
	wantRegion := ix.Count(region)

	var wg sync.WaitGroup
	errs := make(chan string, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := range 5 {
			for i := range things {
				nf := withTemperature(olds[i], float64(round*10+i%7))
				ix.Put(uint32(i), olds[i], nf)
				olds[i] = nf
			}
		}
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if c := ix.Count(all); c != things {
					errs <- "Count(*) moved during updates"
				}
				if c := ix.Count(region); c != wantRegion {
					errs <- "Count(region) moved during updates"
				}
				if p, err := ix.Search(region, 50, ""); err != nil || len(p.Names) != min(50, int(wantRegion)) {
					errs <- "Search page changed size during updates"
				}
				if s, err := ix.Statistics(all, "shadow.reported.temperature"); err != nil || s.Count == 0 {
					errs <- "Statistics failed during updates"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
