package scan

// Options says which data sources are indexed, mirroring the indexing
// configuration of AWS IoT fleet indexing. The registry (thingName, thingId,
// thingTypeName, thingGroupNames, attributes.*) is always indexed.
type Options struct {
	// Shadow indexes the classic shadow (shadow.reported.*, …,
	// shadow.hasDelta) and is also the switch for named shadows: with Shadow
	// false no shadow.* field exists at all.
	Shadow bool
	// Connectivity indexes connectivity.connected, .timestamp and
	// .disconnectReason.
	Connectivity bool
	// DeviceDefender indexes deviceDefender.*.
	DeviceDefender bool
	// NamedShadows lists the named shadows indexed under shadow.name.<n>.*
	// (AWS's filter.namedShadowNames). Nil means every named shadow; an
	// empty non-nil slice means none.
	NamedShadows []string
}

// AllOn indexes every data source and every named shadow.
func AllOn() Options {
	return Options{Shadow: true, Connectivity: true, DeviceDefender: true}
}

// namedShadowIndexed reports whether the named shadow n is indexed.
func (o Options) namedShadowIndexed(n string) bool {
	if o.NamedShadows == nil {
		return true
	}
	for _, s := range o.NamedShadows {
		if s == n {
			return true
		}
	}
	return false
}
