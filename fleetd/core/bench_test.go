package core

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
)

// benchThings is FLEETLAB_BENCH_THINGS, or 100,000.
func benchThings(b *testing.B) int {
	if s := os.Getenv("FLEETLAB_BENCH_THINGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("FLEETLAB_BENCH_THINGS=%q is not a positive integer", s)
		}
		return n
	}
	return 100_000
}

var benchStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// benchFleet builds a core with n things, each with a reported shadow, and
// the index on; it reports heap bytes per thing.
func benchFleet(b *testing.B, n int, ephemeral bool) *Core {
	b.Helper()
	return benchFleetWith(b, n, ephemeral, false)
}

// benchFleetWith is benchFleet with an index that writes behind or not.
func benchFleetWith(b *testing.B, n int, ephemeral, writesBehind bool) *Core {
	b.Helper()
	before := heapInUse()
	settings := index.DefaultSettings()
	settings.WriteBehind = writesBehind
	c := New(Options{Seed: 1, Ephemeral: ephemeral, Index: settings})
	err := c.UpdateIndexingConfiguration(benchStart, IndexingConfiguration{ThingIndexingConfiguration: &ThingIndexingConfiguration{
		ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS"}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("sensor-%07d", i)
		if _, err := Do(c, benchStart, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: name,
			AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"region": []string{"us-east-1", "eu-west-1"}[i%2], "hw_rev": "B"}}}); err != nil {
			b.Fatal(err)
		}
		payload := fmt.Sprintf(`{"state":{"reported":{"firmware_version":"2.%d.0","temperature":%d,"battery":%d}}}`, i%3, 40+i%40, i%100)
		if _, err := c.UpdateThingShadow(benchStart, FromMQTT, name, "", []byte(payload)); err != nil {
			b.Fatal(err)
		}
		c.Ready()
	}
	heapPerThing = float64(heapInUse()-before) / float64(n)
	return c
}

// heapPerThing is the heap the last benchFleet took per thing, reported
// after the timed loop (metrics reported before it are reset).
var heapPerThing float64

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// shadowPayloads are reported-only updates of the temperature, prepared
// outside the timed loop.
func shadowPayloads(n int) [][]byte {
	out := make([][]byte, 1024)
	for i := range out {
		out[i] = []byte(fmt.Sprintf(`{"state":{"reported":{"temperature":%d}},"clientToken":"t%d"}`, i%90, i))
	}
	return out
}

// BenchmarkShadowUpdate is one MQTT shadow update end to end through the
// core with the index on: decode, merge, payloads, index diff, and the
// record the store would write (or none, ephemeral, as in-process
// simulations run). ephemeral-writebehind is the simulator's setting: the
// index applies its writes on a goroutine of its own.
func BenchmarkShadowUpdate(b *testing.B) {
	n := benchThings(b)
	for _, mode := range []struct {
		name                    string
		ephemeral, writesBehind bool
	}{{"ephemeral", true, false}, {"ephemeral-writebehind", true, true}, {"records", false, false}} {
		b.Run(mode.name, func(b *testing.B) {
			c := benchFleetWith(b, n, mode.ephemeral, mode.writesBehind)
			defer c.Close()
			runShadowUpdates(b, c, n)
		})
	}
}

// BenchmarkShadowUpdateWith100DynamicGroups adds the evaluation of 100
// dynamic groups to every update.
func BenchmarkShadowUpdateWith100DynamicGroups(b *testing.B) {
	// Capped: creating the groups backfills each from the index, a
	// membership change per matching thing (~50M at 1M things).
	n := min(benchThings(b), 100_000)
	c := benchFleet(b, n, true)
	for g := range 100 {
		q := fmt.Sprintf("shadow.reported.temperature > %d AND attributes.region:us-east-1", g)
		if g%2 == 1 {
			q = fmt.Sprintf(`shadow.reported.firmware_version < "2.%d.0" OR shadow.reported.battery:[%d TO %d]`, g%3, g, g+5)
		}
		if _, err := c.CreateDynamicThingGroup(benchStart, registry.CreateDynamicThingGroupRequest{ThingGroupName: fmt.Sprintf("dyn-%03d", g), QueryString: q}); err != nil {
			b.Fatal(err)
		}
		c.Ready()
	}
	runShadowUpdates(b, c, n)
}

func runShadowUpdates(b *testing.B, c *Core, n int) {
	payloads := shadowPayloads(n)
	names := make([]string, 4096)
	for i := range names {
		names[i] = fmt.Sprintf("sensor-%07d", (i*7919)%n)
	}
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		if _, err := c.UpdateThingShadow(benchStart, FromMQTT, names[i%len(names)], "", payloads[i%len(payloads)]); err != nil {
			b.Fatal(err)
		}
		if i%64 == 0 {
			c.Ready()
		}
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "updates/s")
	b.ReportMetric(heapPerThing, "heapB/thing")
}
