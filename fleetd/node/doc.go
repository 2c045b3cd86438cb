// Package node runs the fleetd core for real: on the wall clock, with its
// records in the store, serving many goroutines (HTTP handlers, MQTT hooks)
// one operation at a time.
//
// # Contract
//
// Do runs an operation under the node's lock with the current time, takes
// what the core produced (Ready), submits its records to the store in the
// same order as the operations ran, and returns only once they are durable:
// a nil (or AWS-error) return is an acknowledgement that survives kill -9.
// Submit is Do for requests nobody acknowledges (MQTT QoS 0): the same
// order and the same delivery after durability, without making the caller
// wait for the disk; a Do that returns covers every Submit before it.
// The MQTT messages and events an operation produced are delivered after
// its records are durable and in operation order, by one delivery
// goroutine, so no subscriber sees a state a crash could take back.
//
// Time-driven work (the core's NextDeadline) runs on a timer armed after
// every operation. Open restores the core from every record (and so
// rebuilds the fleet index and dynamic groups); Close stops the timer,
// waits for deliveries and closes the store.
package node
