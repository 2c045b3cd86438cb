package jobs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		topic string
		want  Topic
		ok    bool
	}{
		{"$aws/things/lamp/jobs/get", Topic{Thing: "lamp", Op: "get"}, true},
		{"$aws/things/lamp/jobs/start-next", Topic{Thing: "lamp", Op: "start-next"}, true},
		{"$aws/things/lamp/jobs/fw-1/get", Topic{Thing: "lamp", JobID: "fw-1", Op: "get"}, true},
		{"$aws/things/lamp/jobs/$next/get", Topic{Thing: "lamp", JobID: "$next", Op: "get"}, true},
		{"$aws/things/lamp/jobs/fw-1/update", Topic{Thing: "lamp", JobID: "fw-1", Op: "update"}, true},
		{"$aws/things/lamp/jobs/$next/update", Topic{}, false},
		{"$aws/things/lamp/jobs/notify", Topic{}, false},
		{"$aws/things/lamp/jobs/fw-1/update/accepted", Topic{}, false},
		{"$aws/things/lamp/jobs/bad job/get", Topic{}, false},
		{"$aws/things//jobs/get", Topic{}, false},
		{"$aws/things/lamp/shadow/get", Topic{}, false},
		{"things/lamp/jobs/get", Topic{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseTopic(tt.topic)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseTopic(%q) = %+v, %v; want %+v, %v", tt.topic, got, ok, tt.want, tt.ok)
		}
	}
	for topic, want := range map[string]bool{
		"$aws/things/lamp/jobs/get": true, "$aws/things/lamp/jobs/x/bogus": true,
		"$aws/things/lamp/jobs/notify": false, "$aws/things/lamp/jobs/get/accepted": false, "fleet/x": false,
	} {
		if got := IsJobsTopic(topic); got != want {
			t.Errorf("IsJobsTopic(%q) = %v; want %v", topic, got, want)
		}
	}
}

// FuzzHandleMQTT sends arbitrary topics and payloads to an engine with a
// pending execution: every request gets exactly one well-formed answer on
// the request topic's /accepted or /rejected, and nothing panics.
func FuzzHandleMQTT(f *testing.F) {
	for _, seed := range []struct{ topic, payload string }{
		{"$aws/things/t1/jobs/get", `{"clientToken":"a"}`},
		{"$aws/things/t1/jobs/start-next", `{"stepTimeoutInMinutes":5,"statusDetails":{"k":"v"}}`},
		{"$aws/things/t1/jobs/j/update", `{"status":"SUCCEEDED","expectedVersion":1}`},
		{"$aws/things/t1/jobs/j/update", `{"status":"IN_PROGRESS","stepTimeoutInMinutes":-1,"includeJobDocument":true}`},
		{"$aws/things/t1/jobs/$next/get", `{"executionNumber":1}`},
		{"$aws/things/t1/jobs/j/get", `not json`},
		{"$aws/things/t1/jobs/j/update", `{"status":"QUEUED","statusDetails":{"":""}}`},
	} {
		f.Add(seed.topic, []byte(seed.payload))
	}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		fleet := &fakeFleet{things: map[string]bool{"t1": true}, group: map[string]bool{"t1": true}}
		e := New(Options{}, fleet, &recorder{})
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		doc := `{"a":1}`
		if _, err := e.CreateJob(now, CreateJobRequest{JobID: "j", Targets: []string{"arn:aws:iot:us-east-1:1:thing/t1"}, Document: &doc}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			resp, body := e.HandleMQTT(now, topic, payload)
			if resp != topic+"/accepted" && resp != topic+"/rejected" {
				t.Fatalf("HandleMQTT(%q) answered on %q", topic, resp)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("HandleMQTT(%q) answered %q: %v", topic, body, err)
			}
			if strings.HasSuffix(resp, "/rejected") && m["code"] == nil {
				t.Fatalf("a rejection without a code: %s", body)
			}
		}
	})
}
