// Package fleetgen generates reproducible synthetic fleets of thing
// documents and random queries over them, for fleetbench and for the
// property tests that hold the index equal to the scan oracle.
//
// # Fleets
//
// A Spec (a seed and a few knobs whose zero values are the defaults) fixes a
// fleet. Doc(spec, i) is thing i, computed from its own PCG stream keyed by
// (seed, i): no global random source, no state between calls, so ten
// million things can be streamed (WriteJSONL) or generated in parallel in
// any order, and thing i is the same whatever the fleet size.
//
// The fleet is shaped like a real one so that dynamic-group queries
// behave realistically:
//
//   - thingName "sensor-0000123" (unique, zero-padded, so names sort like
//     indexes), thingId a version-4-shaped UUID, thingTypeName among four
//     types (absent on ~2%), registryVersion 1..5.
//   - thingGroupNames: 1–3 of 11 groups: an environment group, usually the
//     group of the thing's region, sometimes a billing or special group.
//   - attributes: region (weighted, us-east-1 most common), hw_rev A/B/C,
//     model (by type), serial (a number, or on ~20% a leading-zero string
//     that is not one), batch (numeric string 1..60).
//   - shadow (on ~97%, a JSON object): reported firmware_version (weighted
//     among "2.0.3", "2.1.0", "2.2.0" and "10.0.0", which sorts first as a
//     string), temperature (~60±8, one decimal), battery 0..100, net.rssi
//     (negative), tags (array of 0–3 words), metadata timestamps; on ~35% a
//     desired firmware_version, usually different, so delta and hasDelta
//     vary; on ~10% an explicit delta and hasDelta; on ~20% a named shadow
//     "config" with reported.mode and sometimes desired.mode.
//   - connectivity: connected on ~85%, timestamp (ms) in the week before
//     Spec.Epoch; disconnected things have a disconnectReason and, mostly,
//     a timestamp.
//
// # Queries
//
// QueryGen draws random query ASTs from the same vocabulary, in mixed case,
// including values and fields that nothing has, unsearchable fields
// (registry.version, shadow.version), bare terms, wildcards, numeric and
// lexicographic ranges and Exists, combined with Not, And and Or. It is
// deterministic in the *rand.Rand it is given.
package fleetgen
