// Package shadow is the logic of AWS IoT Device Shadows: it applies update,
// get and delete requests to a stored document and returns the new document
// and the payloads the service publishes. Classic and named shadows are the
// same logic; the caller keys them (thing, or thing and shadow name).
//
// The package does no I/O, starts no goroutines and never reads the clock:
// every operation takes now, and timestamps in payloads and metadata are
// now.Unix() (epoch seconds). Errors are *awserr.Error with AWS's HTTP
// status and message (spec §3.1).
//
// # Use
//
//	u, err := shadow.ApplyUpdate(store[key], payload, now, opts)
//	if err != nil {
//		publish(prefix+"/update/rejected", shadow.RejectedPayload(err, shadow.ClientToken(payload), now))
//		return
//	}
//	store[key] = u.Doc                         // persisted with u.Doc.MarshalJSON
//	publish(prefix+"/update/accepted", u.Accepted)
//	if u.Delta != nil {
//		publish(prefix+"/update/delta", u.Delta)
//	}
//	publish(prefix+"/update/documents", u.Documents)
//	reindex(thing, u.Doc.IndexJSON())          // the fleet index's shadow JSON
//
// Get and Delete take the shadow name for the 404 message ("No shadow exists
// with name: '<name>'"; for the classic shadow the thing name). The REST API
// answers with the same payloads: UpdateThingShadow returns Accepted,
// GetThingShadow Get's payload, DeleteThingShadow Delete's.
//
// # Documents
//
// A Doc is an immutable value: ApplyUpdate returns a new one sharing the
// sections the update left alone with the old, so the caller may keep the
// previous Doc (to diff the index, say) and share Docs between goroutines.
// The zero Doc is a shadow never created; Delete returns a Doc that does not
// exist but keeps its version, so the next update continues at version+1
// (AWS restarts numbering 48 hours after a delete; a store that wants that
// drops the deleted Doc after 48 hours). A Doc keeps its encoded JSON beside
// the tree, so /update/documents reuses the previous encoding, an update
// re-encodes only the sections it touches, and MarshalJSON costs a copy.
// Each section is two allocations whatever its size, sharing memory with no
// payload: its encoding, and its tree, whose keys and scalars point into the
// encoding. A store of a million shadows costs the garbage collector two
// objects per section each. With a reused Scratch an update allocates four
// times for a section it touches: a copy of the request, the section's two
// and one buffer for its payloads.
//
// # Semantics
//
// A request is a JSON object with "state" and optionally "clientToken" (a
// string of at most 64 bytes) and "version" (an integer equal to the current
// version, else 409 Version conflict; a never created shadow is at version
// 0). Other top-level keys are ignored; state may hold only desired and
// reported, each an object or null. Update deep-merges: objects merge
// member by member, a member set to null is deleted, a section set to null
// is removed, arrays and scalars replace, and objects left empty are
// removed. Duplicate keys: the last one wins. Every accepted update,
// including {"state":{}}, increments the version.
//
// Metadata mirrors the state: each leaf is {"timestamp":T} of the update
// that last set it, an array is an array with the metadata of each element
// (all stamped with the array's time). /update/accepted echoes the request's
// state as sent (nulls included, re-encoded compactly) and metadata for
// exactly its leaves. The delta is every desired member that differs from
// reported, recursing into objects present on both sides; arrays compare
// whole, numbers by value (1 equals 1.0). /update/delta is published after
// an update with a non-null desired section that leaves a delta (also after
// other updates with Options.DeltaOnReportedOnly); it holds the whole delta
// and its desired metadata. /update/documents holds the previous (null when
// the shadow did not exist) and current state, metadata and version.
//
// Limits (Options): the request is at most MaxPayloadBytes (413); the state
// after the update, as compact {"desired":…,"reported":…} without metadata,
// is at most MaxStateBytes (413, AWS's 8 KB); desired and reported nest at
// most MaxDepth levels, the section object being level 1 and every object or
// array one more (400). Payloads must be UTF-8 (415). Where AWS documents no
// message, FleetLab answers: a null inside an array, or a number outside the
// float64 range, is 400 "Invalid JSON".
package shadow
