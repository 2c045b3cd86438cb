// Package metrics is fleetd's Prometheus instrumentation: one Metrics value
// holding every collector on its own registry (no global default registry),
// handed to the adapters that count what passes through them — the HTTP
// API per operation, the MQTT gateway per connection and message kind,
// and the node's stream of core events (shadow updates, job executions by
// status). Labels are bounded sets (operation names, error codes, event
// kinds, statuses): never a device, thing or client id, so a million
// devices cost no more series than one.
//
// Every method is safe on a nil *Metrics and does nothing, so adapters and
// tests need no instrumentation to run.
package metrics
