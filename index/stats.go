package index

import (
	"cmp"
	"slices"
)

// FieldStats estimates the memory one field costs.
type FieldStats struct {
	Field   string
	Terms   int    // distinct string terms
	Things  uint64 // things with a value
	Bytes   uint64 // estimated heap bytes
	Numeric bool
}

// Stats estimates the heap held by each field, largest first. The estimate
// counts bitmaps (roaring's own size), columns, dictionary strings and map
// entries; it is meant to show where memory goes, not to the byte.
func (ix *Index) Stats() []FieldStats {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []FieldStats
	for name, f := range ix.fields {
		s := FieldStats{Field: name, Things: f.exists.GetCardinality(), Bytes: f.exists.GetSizeInBytes()}
		if d := f.strs; d != nil {
			s.Terms = d.len()
			s.Bytes += d.bytes()
		}
		if n := f.nums; n != nil {
			s.Numeric = true
			s.Bytes += n.col.bytes()
			s.Bytes += n.has.GetSizeInBytes()
			for _, b := range n.bins {
				s.Bytes += b.ids.GetSizeInBytes() + 64
			}
			for _, m := range n.multi {
				s.Bytes += uint64(len(m))*8 + 48
			}
		}
		if f.trues != nil {
			s.Bytes += f.trues.GetSizeInBytes() + f.falses.GetSizeInBytes()
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b FieldStats) int { return cmp.Compare(b.Bytes, a.Bytes) })
	return out
}
