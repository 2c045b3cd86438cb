package index_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
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

// TestFinishChangeMatchesFinish holds FinishChange to an oracle: both
// sides finished on their own, then every field equal on both dropped.
func TestFinishChangeMatchesFinish(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	fields := []string{"a", "b", "c", "shadow.version", "shadow.hasDelta"}
	values := []index.Value{index.NumberValue(1), index.NumberValue(2), index.StringValue("x"), index.BoolValue(true), index.BoolValue(false)}
	add := func(b *index.FlatBuilder) {
		for range r.IntN(6) {
			b.Add(fields[r.IntN(len(fields))], values[r.IntN(len(values))])
		}
	}
	var b, sep index.FlatBuilder
	for trial := range 2000 {
		state := r.Uint64()
		r = rand.New(rand.NewPCG(state, 1))
		add(&b)
		mark := b.Mark()
		add(&b)
		ch := b.FinishChange(mark, nil)
		gotOld, gotNew := ch.Old, ch.New

		r = rand.New(rand.NewPCG(state, 1)) // the same values again, finished apart
		add(&sep)
		fullOld := sep.Finish()
		add(&sep)
		fullNew := sep.Finish()
		var wantOld, wantNew index.Flat
		for _, fv := range fullOld {
			if !slices.Equal(fv.Values, fullNew.Get(fv.Field)) {
				wantOld = append(wantOld, fv)
			}
		}
		for _, fv := range fullNew {
			if !slices.Equal(fv.Values, fullOld.Get(fv.Field)) {
				wantNew = append(wantNew, fv)
			}
		}
		if (gotOld == nil) != (len(wantOld) == 0 && len(wantNew) == 0) || (gotOld == nil) != (gotNew == nil) {
			t.Fatalf("trial %d: nil-ness old %v new %v; want %v %v", trial, gotOld == nil, gotNew == nil, wantOld, wantNew)
		}
		if !equalFlats(gotOld, wantOld) || !equalFlats(gotNew, wantNew) {
			t.Fatalf("trial %d:\n got  %v / %v\n want %v / %v", trial, gotOld, gotNew, wantOld, wantNew)
		}
	}
}

func equalFlats(a, b index.Flat) bool {
	return slices.EqualFunc(a, b, func(x, y index.FieldValues) bool {
		return x.Field == y.Field && slices.Equal(x.Values, y.Values)
	})
}
