// Package index is the fleet index: it answers AWS IoT fleet-indexing
// queries (package query) over millions of thing documents in milliseconds,
// and computes the AWS aggregations (statistics, percentiles, cardinality,
// terms buckets).
//
// # Layout
//
// Things are dense uint32 ids chosen by the caller. A document is flattened
// (Flatten) into dotted fields — thingName, attributes.x,
// shadow.reported.a.b, shadow.delta.*, shadow.hasDelta, shadow.name.<n>.*,
// connectivity.*, deviceDefender.* — and for every field the index keeps:
//
//   - string values, case-folded, as roaring bitmaps behind a term
//     dictionary with a lazily sorted view (prefix, wildcard and
//     lexicographic ranges); a term held by one thing costs no bitmap;
//   - number values in a paged column by id plus value bins, each bin a
//     bitmap (ranges OR whole bins and check only the two cut bins);
//   - booleans as two bitmaps, and one exists bitmap.
//
// A registry attribute that parses as a JSON number is indexed both as a
// string and as a number, so attributes.x:5, attributes.x:[1 TO 9] and
// attributes.x:0* all work on "5"-like attributes.
//
// # Updates
//
// Put(id, old, new) diffs two flattened documents and touches only the
// fields that changed, so a shadow update moves one posting instead of
// rebuilding the document. The caller owns the documents (the fleetd core
// keeps them anyway); the index stores only postings and names, which keeps
// it small.
//
// # Evaluation
//
// One AST, two evaluators: Search/Count/aggregations evaluate over bitmaps;
// Match evaluates against one flattened document (dynamic thing groups
// re-check a changed thing with it). Property tests hold both equal to
// package scan, an independent brute-force oracle.
//
// # Concurrency
//
// One writer and any number of readers: writers take the write lock, every
// query the read lock.
//
// # Semantics (DECISIONS.md, "Fleet index and query language")
//
// Field names are case-sensitive, values case-insensitive. f:v matches a
// string value equal after folding, a number equal numerically when v is a
// number, a boolean when v is true/false. A range compares numerically
// when the value and every present bound are numbers, else
// lexicographically on folded strings (firmware_version < "2.1.0" is a
// string comparison, as on AWS, and so is fw > "2" against the string
// "2.1.0"); a numeric-looking registry attribute is its number against
// number bounds. A custom field declared with type Version compares its
// strings as versions.
// registry.version, shadow.version and connectivity.version are returned
// and aggregatable but not searchable.
package index
