package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// benchmarkRequests sends signed requests from parallel clients over
// loopback to a real HTTP server and reports requests/s: SigV4
// verification, routing, the node and the JSON response included.
func benchmarkRequests(b *testing.B, method, path string, body []byte) {
	srv, n := startServerIn(b, b.TempDir())
	err := n.Do(func(c *core.Core, now time.Time) error {
		if err := c.UpdateIndexingConfiguration(now, core.IndexingConfiguration{ThingIndexingConfiguration: &core.ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY"}}); err != nil {
			return err
		}
		for i := range 1000 {
			req := registry.CreateThingRequest{ThingName: fmt.Sprintf("sensor-%04d", i), AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"batch": fmt.Sprint(i % 10)}}}
			if _, err := core.Do(c, now, (*registry.Registry).CreateThing, req); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	creds := sigv4.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
			sigv4.Sign(r, body, creds, "us-east-1", "iot", time.Now())
			resp, err := client.Do(r)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s %s: %s", method, path, resp.Status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func BenchmarkDescribeThing(b *testing.B) { benchmarkRequests(b, "GET", "/things/sensor-0042", nil) }

func BenchmarkSearchIndex(b *testing.B) {
	benchmarkRequests(b, "POST", "/indices/search", []byte(`{"queryString":"attributes.batch:7","maxResults":10}`))
}
