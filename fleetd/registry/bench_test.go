package registry

import (
	"fmt"
	"testing"
)

func BenchmarkCreateThing(b *testing.B) {
	r := New(Options{})
	req := CreateThingRequest{AttributePayload: attrs("model", "m1", "fw", "1.0.3")}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		req.ThingName = fmt.Sprintf("thing-%08d", n)
		n++
		if _, err := r.CreateThing(req, t0); err != nil {
			b.Fatal(err)
		}
		if n%1024 == 0 {
			r.DrainChanges()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "things/s")
}

func BenchmarkListThingsPage(b *testing.B) {
	r := New(Options{})
	for i := range 100_000 {
		if err := create(r, fmt.Sprintf("thing-%08d", i)); err != nil {
			b.Fatal(err)
		}
	}
	tok := ""
	b.ReportAllocs()
	for b.Loop() {
		resp, err := r.ListThings(ListThingsRequest{MaxResults: 250, NextToken: tok})
		if err != nil {
			b.Fatal(err)
		}
		tok = resp.NextToken
	}
}
