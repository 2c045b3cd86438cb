package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is fleetd's collectors.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	mqttClients    prometheus.Gauge
	mqttMessages   *prometheus.CounterVec
	events         *prometheus.CounterVec
	jobExecutions  *prometheus.CounterVec
}

// New returns the collectors, registered with Go runtime and process
// metrics on a registry of their own.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fleetd", Name: "api_requests_total",
			Help: "AWS API requests by operation and outcome (the AWS error code, or OK).",
		}, []string{"plane", "operation", "code"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "fleetd", Name: "api_request_seconds",
			Help:    "AWS API request latency by operation, including the wait for durability.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"plane", "operation"}),
		mqttClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "fleetd", Name: "mqtt_connected_clients", Help: "MQTT clients connected now.",
		}),
		mqttMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fleetd", Name: "mqtt_messages_total",
			Help: "MQTT messages by direction (in, out) and kind (shadow, jobs, provisioning, other).",
		}, []string{"direction", "kind"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fleetd", Name: "core_events_total",
			Help: "Core events by kind: things created, shadow updates, group membership, connections, jobs.",
		}, []string{"kind"}),
		jobExecutions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fleetd", Name: "job_executions_total",
			Help: "Job executions queued and finished, by status.",
		}, []string{"status"}),
	}
	m.reg.MustRegister(m.requests, m.requestSeconds, m.mqttClients, m.mqttMessages, m.events, m.jobExecutions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Register adds a collector of the caller's (e.g. a gauge read from the
// core when scraped).
func (m *Metrics) Register(c prometheus.Collector) {
	if m != nil {
		m.reg.MustRegister(c)
	}
}

// Request counts one API request.
func (m *Metrics) Request(plane, operation, code string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(plane, operation, code).Inc()
	m.requestSeconds.WithLabelValues(plane, operation).Observe(took.Seconds())
}

// ClientConnected and ClientDisconnected follow the MQTT sessions.
func (m *Metrics) ClientConnected() {
	if m != nil {
		m.mqttClients.Inc()
	}
}

// ClientDisconnected counts a session's end.
func (m *Metrics) ClientDisconnected() {
	if m != nil {
		m.mqttClients.Dec()
	}
}

// Message counts an MQTT message in ("in") or out ("out") by kind.
func (m *Metrics) Message(direction, kind string) {
	if m != nil {
		m.mqttMessages.WithLabelValues(direction, kind).Inc()
	}
}

// Event counts a core event; job execution events also count by status.
func (m *Metrics) Event(kind, status string) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(kind).Inc()
	switch kind {
	case "ExecutionQueued":
		m.jobExecutions.WithLabelValues("QUEUED").Inc()
	case "ExecutionStarted":
		m.jobExecutions.WithLabelValues("IN_PROGRESS").Inc()
	case "ExecutionFinished":
		m.jobExecutions.WithLabelValues(status).Inc()
	}
}
