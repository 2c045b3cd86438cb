// Package scan is the naive oracle of the fleet index: a deliberately simple
// brute-force evaluator of a query AST (package query) over raw thing
// documents (index.Document). The roaring-bitmap index is property-tested
// against it and fleetbench reports its speedups over it, so it aims to be
// obviously correct, not fast. It shares no code with the index beyond the
// AST and query.ParseNumber, the one definition of "numeric".
//
// # Use
//
//	f, err := scan.NewFleet(docs, scan.AllOn()) // flattens every document once
//	hits := f.Search(q)                         // ascending positions in docs
//	ok, err := scan.Match(q, &docs[i], opts)    // one document, same answer
//
// NewFleet fails only on shadow or Device Defender JSON it cannot decode (and
// only for the sources opts indexes). A Fleet is immutable and can be
// searched concurrently.
//
// # Fields
//
// A document is flattened into fields, each with one or more typed values
// (string, number, bool); a thing matches a leaf when any value matches.
//
//   - thingName, thingId, thingTypeName: strings, absent when empty.
//   - thingGroupNames: one string per group.
//   - attributes.<k>: the string; if query.ParseNumber accepts it, also a
//     number ("0012" stays a string only).
//   - With Options.Shadow: shadow.reported|desired|delta|metadata.<path>,
//     nested objects as dotted paths ({"a":{"b":1}} and {"a.b":1} are the
//     same field). JSON numbers are numbers, JSON strings strings (even "5"),
//     booleans bools; null and {} index nothing; an array of scalars gives
//     one value per element; an array holding an object or array is not
//     indexed at all. A missing (or null) delta is computed from desired and
//     reported as the shadow service does. shadow.hasDelta is the
//     "hasDelta" key if present, else whether the delta has any key.
//     Named shadows give the same fields under shadow.name.<n>., for the
//     names in Options.NamedShadows (nil = all). The classic shadow exists
//     when the shadow object has any key other than "name".
//   - With Options.Connectivity: connectivity.connected (bool),
//     connectivity.timestamp (number, when non-zero),
//     connectivity.disconnectReason (string, when non-empty).
//   - With Options.DeviceDefender: deviceDefender.<path>, flattened like a
//     shadow section, except its top-level "version".
//   - registry.version, shadow.version, shadow.name.<n>.version,
//     connectivity.version and deviceDefender.version are not searchable:
//     they match nothing, not even field:*.
//
// # Leaves
//
// Strings compare after fold (strings.ToLower).
//
//   - Term: a string value equal to the folded value; a number equal to it
//     when the value is a number literal (quoted or not); a bool when the
//     value is "true" or "false" in any case. Field "" searches every field.
//   - Wildcard: string values only; '*' any run of runes, '?' one rune,
//     '\' makes the next rune literal (a trailing '\' is literal itself).
//   - Exists: the field has any value. MatchAll: every document.
//   - Range: against bounds that are all number literals, a number value
//     compares numerically and a string value lexicographically (a
//     numeric-looking attribute's text excepted: it is its number);
//     against other bounds only strings compare, folded and bytewise, so
//     "10.0.0" < "2.1.0". Both ends open = Exists.
//   - Not is the complement within the fleet; And and Or as usual.
package scan
