package mqttgw

import (
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
)

// TestJobsOverMQTT takes a job through the device MQTT API with a real
// client: notify-next on creation, start-next, update, and the empty
// notify-next once nothing is pending. The start-next response reaches the
// device without a subscription to it, as on AWS.
func TestJobsOverMQTT(t *testing.T) {
	ctx := testContext(t)
	g, n := start(t)
	lamp := mustDial(ctx, t, g, "lamp", "lamp", "lamp-pw")
	prefix := "$aws/things/lamp/jobs/"
	lamp.subscribe(ctx, t, prefix+"notify-next", prefix+"fw/update/accepted", prefix+"fw/update/rejected")

	err := n.Do(func(c *core.Core, now time.Time) error {
		doc := `{"version":"2.2.0"}`
		_, err := c.Jobs().CreateJob(now, jobs.CreateJobRequest{JobID: "fw", Targets: []string{"arn:aws:iot:us-east-1:123456789012:thing/lamp"}, Document: &doc})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	next := decode(t, "notify-next", lamp.in.next(ctx, t, prefix+"notify-next"))
	if ex, _ := next["execution"].(map[string]any); ex["jobId"] != "fw" || ex["status"] != "QUEUED" {
		t.Fatalf("notify-next = %v", next)
	}

	lamp.publish(ctx, t, prefix+"start-next", `{"clientToken":"c1","stepTimeoutInMinutes":5}`)
	started := decode(t, "start-next/accepted", lamp.in.next(ctx, t, prefix+"start-next/accepted"))
	if ex, _ := started["execution"].(map[string]any); ex["status"] != "IN_PROGRESS" || started["clientToken"] != "c1" {
		t.Errorf("start-next/accepted = %v", started)
	}
	lamp.publish(ctx, t, prefix+"fw/update", `{"status":"SUCCEEDED","expectedVersion":2,"clientToken":"c2"}`)
	if acc := decode(t, "update/accepted", lamp.in.next(ctx, t, prefix+"fw/update/accepted")); acc["clientToken"] != "c2" {
		t.Errorf("update/accepted = %v", acc)
	}
	if empty := decode(t, "notify-next", lamp.in.next(ctx, t, prefix+"notify-next")); empty["execution"] != nil {
		t.Errorf("notify-next after success = %v; want no execution", empty)
	}
	lamp.publish(ctx, t, prefix+"fw/update", `{"status":"FAILED","clientToken":"c3"}`)
	if rej := decode(t, "update/rejected", lamp.in.next(ctx, t, prefix+"fw/update/rejected")); rej["code"] != "InvalidStateTransition" {
		t.Errorf("update/rejected = %v", rej)
	}
}
