package policy

import "testing"

func benchSet(b *testing.B) *Set {
	d, err := Parse([]byte(devicePolicy))
	if err != nil {
		b.Fatal(err)
	}
	d.Name = "device-policy@1"
	return Compile(d)
}

func benchEvaluate(b *testing.B, req Request, wantAllowed bool) {
	set := benchSet(b)
	if got := set.Evaluate(&req); got.Allowed != wantAllowed {
		b.Fatalf("Evaluate(%s %s) = %v; want allowed=%v", req.Action, req.Resource, got, wantAllowed)
	}
	b.ReportAllocs()
	for b.Loop() {
		set.Evaluate(&req)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}

// BenchmarkEvaluatePublish is the gateway's hot path: a shadow update
// publish checked against the typical device policy (the Deny is tried
// first and misses, then the Connect Allow, then the publish Allow).
func BenchmarkEvaluatePublish(b *testing.B) {
	benchEvaluate(b, Request{
		Action:   ActionPublish,
		Resource: arnPrefix + "topic/$aws/things/sensor-1/shadow/update",
		Context:  attachedCtx(),
	}, true)
}

// BenchmarkEvaluatePublishDenied hits the explicit Deny.
func BenchmarkEvaluatePublishDenied(b *testing.B) {
	benchEvaluate(b, Request{
		Action:   ActionPublish,
		Resource: arnPrefix + "topic/$aws/things/sensor-1/shadow/delete",
		Context:  attachedCtx(),
	}, false)
}

// BenchmarkEvaluateReceiveImplicitDeny walks every statement and matches none.
func BenchmarkEvaluateReceiveImplicitDeny(b *testing.B) {
	benchEvaluate(b, Request{
		Action:   ActionReceive,
		Resource: arnPrefix + "topic/$aws/things/sensor-2/shadow/update/accepted",
		Context:  attachedCtx(),
	}, false)
}

// BenchmarkEvaluateConnect checks the Connect statement and its condition.
func BenchmarkEvaluateConnect(b *testing.B) {
	benchEvaluate(b, Request{Action: ActionConnect, Resource: arnPrefix + "client/sensor-1", Context: attachedCtx()}, true)
}

// BenchmarkParseCompile is the per-certificate cost paid on a cache miss.
func BenchmarkParseCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse([]byte(devicePolicy))
		if err != nil {
			b.Fatal(err)
		}
		Compile(d)
	}
}
