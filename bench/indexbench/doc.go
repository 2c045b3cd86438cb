// Package indexbench is the engine of `fleetbench index`: it loads a fleet
// (a JSON-lines export of thing documents or a synthetic fleet from
// package fleetgen), builds the fleet index, and for each query reports the
// count, the latency percentiles over repeated runs (HdrHistogram), the
// latency of the naive scan (package scan) on the same fleet and the
// speedup — or, with an aggregation, the AWS-shaped aggregation response.
//
// It also checks the index against the scan on every query it times and
// reports a mismatch as an error, so every benchmark is a correctness test.
package indexbench
