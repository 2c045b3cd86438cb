package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	m := New()
	m.Request("control", "CreateJob", "OK", 3*time.Millisecond)
	m.Request("control", "CreateJob", "InvalidRequestException", time.Millisecond)
	m.ClientConnected()
	m.Message("in", "jobs")
	m.Event("ExecutionFinished", "FAILED")
	m.Event("ExecutionStarted", "")
	m.Event("ShadowUpdated", "")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`fleetd_api_requests_total{code="OK",operation="CreateJob",plane="control"} 1`,
		`fleetd_api_requests_total{code="InvalidRequestException",operation="CreateJob",plane="control"} 1`,
		`fleetd_api_request_seconds_count{operation="CreateJob",plane="control"} 2`,
		`fleetd_mqtt_connected_clients 1`,
		`fleetd_mqtt_messages_total{direction="in",kind="jobs"} 1`,
		`fleetd_job_executions_total{status="FAILED"} 1`,
		`fleetd_job_executions_total{status="IN_PROGRESS"} 1`,
		`fleetd_core_events_total{kind="ShadowUpdated"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the exposition lacks %s", want)
		}
	}
}

func TestNilIsQuiet(t *testing.T) {
	var m *Metrics
	m.Request("control", "X", "OK", time.Second)
	m.ClientConnected()
	m.ClientDisconnected()
	m.Message("out", "other")
	m.Event("ExecutionQueued", "")
	m.Register(nil)
}

func BenchmarkEvent(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.Event("ExecutionFinished", "SUCCEEDED")
	}
}
