package shadow

import (
	"testing"
	"time"
)

// benchShadow is a typical sensor shadow: a dozen reported values, a few
// desired ones, one nested object and one array.
const benchShadow = `{"state":{
	"desired":{"firmware":"2.1.0","interval":30,"lights":{"color":"green","level":3}},
	"reported":{"temperature":21.5,"humidity":40.2,"battery":88,"rssi":-67,"connected":true,
		"firmware":"2.0.0","interval":30,"uptime":123456,"location":{"lat":52.52,"lon":13.405},
		"lights":{"color":"red","level":3},"errors":[],"tags":["a","b"]}}}`

func benchDoc(b *testing.B) Doc {
	u, err := ApplyUpdate(Doc{}, []byte(benchShadow), time.Unix(1700000000, 0), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	return u.Doc
}

func benchUpdate(b *testing.B, payload string) {
	d := benchDoc(b)
	p := []byte(payload)
	now := time.Unix(1700000100, 0)
	o := DefaultOptions()
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := ApplyUpdate(d, p, now, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkApplyUpdateReported is the simulator's common case: a device
// reports two values; /accepted and /documents, no /delta.
func BenchmarkApplyUpdateReported(b *testing.B) {
	benchUpdate(b, `{"state":{"reported":{"temperature":22.1,"battery":87}},"clientToken":"0b7c3a52-4d0e-4f7a-9d1c-3c2f1e0a9b77"}`)
}

// BenchmarkApplyUpdateReportedScratch is the common case as the core runs
// it: one Scratch reused across updates, each update applied to the
// document the previous one returned.
func BenchmarkApplyUpdateReportedScratch(b *testing.B) {
	d := benchDoc(b)
	p := []byte(`{"state":{"reported":{"temperature":22.1,"battery":87}},"clientToken":"0b7c3a52-4d0e-4f7a-9d1c-3c2f1e0a9b77"}`)
	now := time.Unix(1700000100, 0)
	o := DefaultOptions()
	var sc Scratch
	b.ReportAllocs()
	for b.Loop() {
		u, err := ApplyUpdateFor(d, p, now, o, AllPayloads, &sc)
		if err != nil {
			b.Fatal(err)
		}
		d = u.Doc
	}
}

// BenchmarkApplyUpdateDesired is an application setting desired values;
// /delta is published.
func BenchmarkApplyUpdateDesired(b *testing.B) {
	benchUpdate(b, `{"state":{"desired":{"firmware":"2.2.0","lights":{"color":"blue"}}},"clientToken":"app-42"}`)
}

// BenchmarkApplyUpdateCreate creates a shadow from nothing with the whole
// typical document.
func BenchmarkApplyUpdateCreate(b *testing.B) {
	p := []byte(benchShadow)
	now := time.Unix(1700000100, 0)
	o := DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ApplyUpdate(Doc{}, p, now, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	d := benchDoc(b)
	p := []byte(`{"clientToken":"c"}`)
	now := time.Unix(1700000100, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Get(d, "thing", p, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIndexJSON(b *testing.B) {
	d := benchDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		d.IndexJSON()
	}
}

// BenchmarkRejectConflict is a version conflict and its rejection payload.
func BenchmarkRejectConflict(b *testing.B) {
	d := benchDoc(b)
	p := []byte(`{"state":{"reported":{"battery":87}},"version":99,"clientToken":"c"}`)
	now := time.Unix(1700000100, 0)
	o := DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		_, err := ApplyUpdate(d, p, now, o)
		RejectedPayload(err, ClientToken(p), now)
	}
}
