package scan

import (
	"fmt"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// Fleet is a set of documents flattened once, ready to be scanned by any
// number of queries. It is immutable after NewFleet and safe for concurrent
// Search calls.
type Fleet struct {
	docs []fields
}

// NewFleet flattens docs under opts. It fails on the first document whose
// indexed shadow or Device Defender JSON does not decode into the expected
// shape; sources that opts leaves unindexed are not looked at.
func NewFleet(docs []index.Document, opts Options) (*Fleet, error) {
	f := &Fleet{docs: make([]fields, len(docs))}
	for i := range docs {
		fs, err := flatten(&docs[i], opts)
		if err != nil {
			return nil, fmt.Errorf("scan: document %d (thingName %q): %w", i, docs[i].ThingName, err)
		}
		f.docs[i] = fs
	}
	return f, nil
}

// Len is the number of documents in the fleet.
func (f *Fleet) Len() int { return len(f.docs) }

// Search returns the positions (in the slice given to NewFleet) of the
// documents matching q, in ascending order. It never returns nil.
func (f *Fleet) Search(q query.Node) []int {
	p := compile(q)
	out := []int{}
	for i, d := range f.docs {
		if p(d) {
			out = append(out, i)
		}
	}
	return out
}

// Match evaluates q against the single document d, as a fleet holding only
// d would. It fails when d's indexed JSON does not decode.
func Match(q query.Node, d *index.Document, opts Options) (bool, error) {
	fs, err := flatten(d, opts)
	if err != nil {
		return false, fmt.Errorf("scan: thingName %q: %w", d.ThingName, err)
	}
	return compile(q)(fs), nil
}
