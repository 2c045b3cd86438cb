package index

import (
	"cmp"
	"slices"
	"unsafe"
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
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []FieldStats
	for name, f := range ix.fields {
		s := FieldStats{Field: name, Things: f.exists.GetCardinality(), Bytes: f.exists.GetSizeInBytes()}
		if d := f.strs; d != nil {
			s.Terms = len(d.terms)
			const mapEntry = 16 + 4 + 12 // key header, value, table overhead
			s.Bytes += uint64(len(d.terms)) * (mapEntry + 16 + uint64(unsafe.Sizeof(posting{})) + 4)
			for i, t := range d.terms {
				s.Bytes += uint64(len(t))
				if d.post[i].bm != nil {
					s.Bytes += d.post[i].bm.GetSizeInBytes() + 64
				}
			}
		}
		if n := f.nums; n != nil {
			s.Numeric = true
			for _, p := range n.col.pages {
				s.Bytes += uint64(len(p)) * 8
			}
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
