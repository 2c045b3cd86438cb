package engine

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The true shadow of each device is kept compact, because there is one per
// device and churn rewrites it constantly: a byte string of entries
// (leaf path id, JSON value), sorted by path id. A path is a section
// ("reported", "desired") and the keys down to a leaf, interned once for
// the whole fleet. Merging an update rewrites the entries without decoding
// any JSON; only a truth query rebuilds the document (pathTable.object).

// pathSep joins the keys of a path; shadow keys may hold dots.
const pathSep = "\x00"

// pathTable interns leaf paths.
type pathTable struct {
	ids   map[string]uint32
	paths []string
	kept  []truthEntry // merge's working list, reused
}

// truthEntry is one leaf of a device's truth: its path id and JSON value.
type truthEntry struct {
	id    uint32
	value []byte
}

func newPathTable() *pathTable { return &pathTable{ids: map[string]uint32{}} }

func (t *pathTable) id(path string) uint32 {
	if id, ok := t.ids[path]; ok {
		return id
	}
	id := uint32(len(t.paths))
	t.ids[path] = id
	t.paths = append(t.paths, path)
	return id
}

// leaf is one value of an update, flattened: a null value deletes.
type leaf struct {
	path string
	id   uint32
	json []byte // nil: delete
}

// flattenUpdate turns a section's patch into leaves, appending to out.
func (t *pathTable) flattenUpdate(out []leaf, prefix string, patch map[string]any) []leaf {
	for k, v := range patch {
		p := prefix + pathSep + k
		switch v := v.(type) {
		case nil:
			out = append(out, leaf{path: p, id: t.id(p)})
		case map[string]any:
			if len(v) == 0 {
				continue
			}
			out = t.flattenUpdate(out, p, v)
		default:
			out = append(out, leaf{path: p, id: t.id(p), json: appendJSON(nil, v)})
		}
	}
	return out
}

// appendJSON encodes a sampled value, without reflection for the common
// kinds.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case json.Number:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		if plainString(v) {
			b = append(b, '"')
			b = append(b, v...)
			return append(b, '"')
		}
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

// appendObject encodes a sampled object with its keys sorted, so that a
// device's payload is the same bytes on every run.
func appendObject(b []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, k)
		b = append(b, ':')
		if sub, ok := m[k].(map[string]any); ok {
			b = appendObject(b, sub)
		} else {
			b = appendJSON(b, m[k])
		}
	}
	return append(b, '}')
}

func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// related reports whether one path is the other or lies under it: setting
// either replaces the other.
func related(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a) && (len(a) == len(b) || strings.HasPrefix(b[len(a):], pathSep))
}

// entries decodes a device's truth.
func forEntries(doc []byte, fn func(id uint32, value []byte)) {
	for len(doc) > 0 {
		id, n := binary.Uvarint(doc)
		doc = doc[n:]
		l, n := binary.Uvarint(doc)
		doc = doc[n:]
		fn(uint32(id), doc[:l])
		doc = doc[l:]
	}
}

// merge applies leaves to a device's truth and returns the new truth, in
// doc's storage when it fits.
func (t *pathTable) merge(doc []byte, leaves []leaf, scratch []byte) ([]byte, []byte) {
	kept := t.kept[:0]
	forEntries(doc, func(id uint32, value []byte) {
		for _, l := range leaves {
			if related(t.paths[id], l.path) {
				return
			}
		}
		kept = append(kept, truthEntry{id, value})
	})
	for _, l := range leaves {
		if l.json != nil {
			kept = append(kept, truthEntry{l.id, l.json})
		}
	}
	// Sort by id (insertion sort: a shadow has a handful of leaves).
	for i := 1; i < len(kept); i++ {
		for j := i; j > 0 && kept[j].id < kept[j-1].id; j-- {
			kept[j], kept[j-1] = kept[j-1], kept[j]
		}
	}
	scratch = scratch[:0]
	for _, e := range kept {
		scratch = binary.AppendUvarint(scratch, uint64(e.id))
		scratch = binary.AppendUvarint(scratch, uint64(len(e.value)))
		scratch = append(scratch, e.value...)
	}
	clear(kept) // the values point into doc and the caller's payload
	t.kept = kept[:0]
	if len(scratch) == 0 {
		return nil, scratch
	}
	if cap(doc) >= len(scratch) {
		return append(doc[:0], scratch...), scratch
	}
	return append([]byte(nil), scratch...), scratch
}

// object rebuilds a device's shadow document ({"reported": …, "desired": …})
// from its truth.
func (t *pathTable) object(doc []byte) map[string]any {
	if len(doc) == 0 {
		return nil
	}
	obj := map[string]any{}
	forEntries(doc, func(id uint32, value []byte) {
		keys := strings.Split(t.paths[id], pathSep)
		m := obj
		for _, k := range keys[:len(keys)-1] {
			sub, _ := m[k].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				m[k] = sub
			}
			m = sub
		}
		var v any
		if err := json.Unmarshal(value, &v); err == nil {
			m[keys[len(keys)-1]] = v
		}
	})
	return obj
}
