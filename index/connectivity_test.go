package index_test

import (
	"reflect"
	"testing"

	"github.com/fleetlab/fleetlab/index"
)

// TestBuilderConnectivityMatchesFlatten holds FlatBuilder.Connectivity,
// which reuses the builder's memory, to Flatten.
func TestBuilderConnectivityMatchesFlatten(t *testing.T) {
	var b index.FlatBuilder
	for _, cfg := range []index.Config{index.AllOn(), {ThingIndexingMode: "REGISTRY"}} {
		for _, c := range []*index.Connectivity{
			{Connected: true, Timestamp: 1767225600000},
			{Connected: false, Timestamp: 1767225660000, DisconnectReason: "CONNECTION_LOST"},
			{},
			nil,
		} {
			want, err := index.Flatten(&index.Document{Connectivity: c}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Connectivity(c, cfg); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("mode %s, %+v: builder %v; Flatten %v", cfg.ThingConnectivityIndexingMode, c, got, want)
			}
		}
	}
}
