package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/store"
	"github.com/fleetlab/fleetlab/internal/clock"
)

// BenchmarkRestart is the start-up of a daemon holding
// FLEETLAB_BENCH_THINGS things (default 100,000), each with a shadow: load
// every record, rebuild the registry, the fleet index and the shadows.
func BenchmarkRestart(b *testing.B) {
	n := 100_000
	if s := os.Getenv("FLEETLAB_BENCH_THINGS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	fill(b, dir, n)
	var du int64
	filepath.Walk(filepath.Join(dir, "store"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			du += fi.Size()
		}
		return nil
	})
	b.ResetTimer()
	for b.Loop() {
		nd, err := Open(Options{Dir: dir, Core: core.Options{Seed: 1}, Clock: clock.Real{}})
		if err != nil {
			b.Fatal(err)
		}
		nd.Close()
	}
	b.ReportMetric(float64(du)/float64(n), "diskB/thing")
	b.ReportMetric(float64(n), "things")
}

// fill writes the records of n things with shadows, indexing on, straight
// through a core into the store in large batches.
func fill(b *testing.B, dir string, n int) {
	st, err := store.Open(filepath.Join(dir, "store"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	c := core.New(core.Options{Seed: 1})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.UpdateIndexingConfiguration(now, core.IndexingConfiguration{ThingIndexingConfiguration: &core.ThingIndexingConfiguration{
		ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS"}})
	var batch []store.Mutation
	flush := func() {
		for _, r := range c.Ready().Records {
			batch = append(batch, store.Mutation{Key: r.Key, Value: r.Value})
		}
		if err := st.Commit(batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		name := fmt.Sprintf("sensor-%07d", i)
		core.Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: name,
			AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"region": "us-east-1", "hw_rev": "B"}}})
		c.UpdateThingShadow(now, core.FromHTTP, name, "", []byte(fmt.Sprintf(`{"state":{"reported":{"firmware_version":"2.%d.0","temperature":%d,"battery":%d}}}`, i%3, 40+i%40, i%100)))
		if i%5000 == 4999 {
			flush()
		}
	}
	flush()
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}
