package index

import "encoding/json"

// Document is a thing document in the shape SearchIndex returns it (and the
// shape of one line of a fleetbench --docs file).
type Document struct {
	ThingName       string            `json:"thingName"`
	ThingID         string            `json:"thingId,omitempty"`
	ThingTypeName   string            `json:"thingTypeName,omitempty"`
	ThingGroupNames []string          `json:"thingGroupNames,omitempty"`
	Attributes      map[string]string `json:"attributes,omitempty"`
	// Shadow is a JSON object, or a JSON string holding one (as AWS returns
	// it): {"reported":…,"desired":…,"delta"?:…,"metadata"?:…,"version"?:N,
	// "hasDelta"?:bool,"name"?:{"<shadow>":{same keys}}}. A missing delta is
	// computed from desired and reported.
	Shadow json.RawMessage `json:"shadow,omitempty"`
	// ShadowObject, when not nil, is the shadow already decoded (the same
	// keys as Shadow); Flatten reads it instead of decoding Shadow. The
	// fleetd core passes its live shadow maps this way, read-only.
	ShadowObject map[string]any `json:"-"`
	Connectivity *Connectivity  `json:"connectivity,omitempty"`
	// DeviceDefender is a JSON object or a JSON string holding one.
	DeviceDefender json.RawMessage `json:"deviceDefender,omitempty"`
	// RegistryVersion is the registry version (registry.version), not
	// searchable but aggregatable; 0 when unknown.
	RegistryVersion int64 `json:"registryVersion,omitempty"`
}

// Connectivity is the connectivity section of a thing document. Timestamp is
// epoch milliseconds.
type Connectivity struct {
	Connected        bool   `json:"connected"`
	Timestamp        int64  `json:"timestamp,omitempty"`
	DisconnectReason string `json:"disconnectReason,omitempty"`
}
