package engine

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/fleetlab/fleetlab/sim/wheel"
)

// loopFleet is a busy fleet without jobs: shadow churn every minute and
// connectivity flaps, so that nearly every event is a core call.
const loopFleet = `
name: loop
duration: 1h
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW, thingConnectivityIndexingMode: STATUS}
devices:
  - name: d
    count: %d
    shadow: {reported: {temperature: {normal: {mean: 60, stddev: 8}}, firmware_version: "2.0.3"}}
    churn: {every: {exponential: 1m}, reported: {temperature: {normal: {mean: 60, stddev: 8}}}}
    connectivity: {up: {exponential: 30m}, down: {exponential: 2m}}
`

// BenchmarkLoop measures the whole loop, core calls included: events/s is
// what a scenario of this shape runs at.
func BenchmarkLoop(b *testing.B) {
	sc := parse(b, fmt.Sprintf(loopFleet, 2000))
	var events uint64
	var wall float64
	for b.Loop() {
		rep := run(b, sc)
		events += rep.Events
		wall += rep.Wall.Seconds
	}
	b.ReportMetric(float64(events)/wall, "events/s")
}

// BenchmarkBytesPerDevice measures the simulator's own state per device
// (device records, names, a typical true shadow, two pending wheel events),
// without the core's.
func BenchmarkBytesPerDevice(b *testing.B) {
	const n = 100_000
	sc := parse(b, fmt.Sprintf(loopFleet, n))
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f := newFleet(sc)
		w := wheel.New(0)
		paths := newPathTable()
		var scratch []byte
		for d := range uint32(n) {
			leaves := paths.flattenUpdate(nil, "reported", map[string]any{"temperature": 61.24 + float64(d%100), "firmware_version": "2.0.3"})
			f.devices[d].shadow, scratch = paths.merge(nil, leaves, scratch)
			w.Schedule(wheel.Event{At: int64(d), Kind: kindChurn, Device: d})
			w.Schedule(wheel.Event{At: int64(d) + 1000, Kind: kindDisconnect, Device: d})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/device")
		runtime.KeepAlive(f)
		runtime.KeepAlive(w)
	}
}
