package index

import (
	"runtime"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
)

// Settings are the limits of the index. The defaults are AWS's; benchmarks
// may lift them.
type Settings struct {
	Query          query.Limits
	MaxResults     int // largest maxResults accepted by Search (AWS: 500)
	DefaultResults int // page size when maxResults is 0 (AWS: 100)
	// AggregateUndeclared lets aggregations use fields that are neither
	// managed nor declared as custom fields, with a type inferred from the
	// values. AWS refuses them; fleetbench on raw exports needs them.
	AggregateUndeclared bool
	// WriteBehind applies Put and Delete on a goroutine of the index's own
	// (reads still see every earlier write); Close stops it.
	WriteBehind bool
}

// DefaultSettings returns AWS's limits.
func DefaultSettings() Settings {
	return Settings{Query: query.DefaultLimits(), MaxResults: 500, DefaultResults: 100}
}

// Index is the fleet index: for every field, string terms as roaring
// bitmaps with a sorted dictionary, numbers in binned bitmaps over a value
// column, booleans as two bitmaps, and an exists bitmap. Things are dense
// uint32 ids chosen by the caller.
//
// One writer and any number of concurrent readers may use an Index.
type Index struct {
	mu       sync.RWMutex
	cfg      Config
	settings Settings
	declared map[string]FieldType
	fields   map[string]*field
	// nameOrd is the ordinal of each id's thingName in the thingName
	// field's dictionary (noID when unknown): names cost 4 bytes a thing
	// beyond the dictionary that indexes them anyway.
	nameOrd []uint32
	// nameExact holds the thingName of an id whose spelling differs from
	// the one its dictionary term shows: the dictionary folds case, and
	// thing names do not ("MixA" and "mixa" are two things).
	nameExact map[uint32]string
	live      *roaring.Bitmap
	wb        *writeBehind // nil: writes apply in the caller
	// builder and changes serve PutBuilt's builds, made under mu (on the
	// write-behind goroutine, or in the caller without it).
	builder FlatBuilder
	changes ChangePool
}

// field holds the postings of one field name.
type field struct {
	name       string
	searchable bool
	strs       *termDict
	// textOnly is set once the field holds a string that is not also a
	// number (any string outside registry attributes): only then can a
	// range with number bounds match strings, lexicographically.
	textOnly bool
	nums     *numericField
	trues    *roaring.Bitmap
	falses   *roaring.Bitmap
	exists   *roaring.Bitmap
}

// New returns an empty index for the configuration.
func New(cfg Config, s Settings) *Index {
	ix := &Index{
		cfg:      cfg,
		settings: s,
		declared: map[string]FieldType{},
		fields:   map[string]*field{},
		live:     roaring.New(),
	}
	for _, f := range cfg.CustomFields {
		ix.declared[canonicalField(f.Name)] = f.Type
	}
	if s.WriteBehind {
		ix.startWriteBehind()
	}
	return ix
}

// Config returns the configuration the index was built with.
func (ix *Index) Config() Config { return ix.cfg }

// Len returns the number of indexed things.
func (ix *Index) Len() int {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return int(ix.live.GetCardinality())
}

// Name returns the thingName of an id.
func (ix *Index) Name(id uint32) string {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.nameOf(id)
}

// nameOf returns the thingName of id; the caller holds a lock.
func (ix *Index) nameOf(id uint32) string {
	if int(id) >= len(ix.nameOrd) || ix.nameOrd[id] == noID {
		return ""
	}
	if name, ok := ix.nameExact[id]; ok {
		return name
	}
	return ix.nameDict().display(ix.nameOrd[id])
}

// setName records id's thingName, held by the dictionary's term ord; the
// caller holds the write lock.
func (ix *Index) setName(id, ord uint32, name string) {
	ix.nameOrd[id] = ord
	if name != ix.nameDict().display(ord) {
		if ix.nameExact == nil {
			ix.nameExact = map[uint32]string{}
		}
		ix.nameExact[id] = name
	} else {
		delete(ix.nameExact, id)
	}
}

// clearName forgets id's thingName; the caller holds the write lock.
func (ix *Index) clearName(id uint32) {
	ix.nameOrd[id] = noID
	delete(ix.nameExact, id)
}

// Put indexes a thing under id. old is the document previously indexed
// under id (nil for a new thing); only fields whose values differ between
// old and new are touched, so a shadow update that changes one value costs
// one posting move. Fields in neither are left alone, so old and new may
// be just the section that changed (the shadow fields of an update).
func (ix *Index) Put(id uint32, old, new Flat) {
	if ix.enqueue(writeOp{id: id, old: old, new: new}) {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.putLocked(id, old, new)
}

// PutChange is Put for a Change; its storage goes back to its pool once
// the change is applied, so the caller must not read it afterwards.
func (ix *Index) PutChange(id uint32, ch Change) {
	if ix.enqueue(writeOp{id: id, old: ch.Old, new: ch.New, storage: ch.storage}) {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.putLocked(id, ch.Old, ch.New)
	ch.storage.release()
}

// PutBuilt is PutChange for a change that b builds when the index applies
// it: with write-behind, on the index's goroutine, in order with every
// other write.
func (ix *Index) PutBuilt(id uint32, b ChangeBuilder) {
	if ix.enqueue(writeOp{id: id, build: b}) {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.putBuiltLocked(id, b)
}

func (ix *Index) putBuiltLocked(id uint32, b ChangeBuilder) {
	ch := b.BuildChange(&ix.builder, &ix.changes)
	if ch.Old != nil {
		ix.putLocked(id, ch.Old, ch.New)
	}
	ch.storage.release()
}

func (ix *Index) putLocked(id uint32, old, new Flat) {
	for int(id) >= len(ix.nameOrd) {
		ix.nameOrd = append(ix.nameOrd, noID)
	}
	ix.live.Add(id)
	ix.diff(id, old, new)
	// Callers may pass only the section that changed (say the shadow
	// fields): the name is touched only when thingName is in play.
	if vs := new.Get("thingName"); len(vs) > 0 {
		if ord, ok := ix.fields["thingName"].strs.lookup(vs[0].Str); ok {
			ix.setName(id, ord, vs[0].Str)
		}
	} else if old.Get("thingName") != nil {
		ix.clearName(id)
	}
}

// Delete removes a thing; old must be the document indexed under id.
func (ix *Index) Delete(id uint32, old Flat) {
	if ix.enqueue(writeOp{id: id, old: old, delete: true}) {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.deleteLocked(id, old)
}

func (ix *Index) deleteLocked(id uint32, old Flat) {
	ix.diff(id, old, nil)
	ix.live.Remove(id)
	if int(id) < len(ix.nameOrd) {
		ix.clearName(id)
	}
}

// diff walks two sorted flats and applies the changed fields.
func (ix *Index) diff(id uint32, old, new Flat) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].Field < new[j].Field):
			ix.setField(id, old[i].Field, old[i].Values, nil)
			i++
		case i == len(old) || new[j].Field < old[i].Field:
			ix.setField(id, new[j].Field, nil, new[j].Values)
			j++
		default:
			if !slices.Equal(old[i].Values, new[j].Values) {
				ix.setField(id, new[j].Field, old[i].Values, new[j].Values)
			}
			i++
			j++
		}
	}
}

func (ix *Index) field(name string) *field {
	f := ix.fields[name]
	if f == nil {
		f = &field{name: name, searchable: !unsearchable(name), exists: roaring.New()}
		ix.fields[name] = f
	}
	return f
}

// setField replaces the values of one field of id.
func (ix *Index) setField(id uint32, name string, old, new []Value) {
	f := ix.field(name)
	for _, v := range old {
		switch v.Kind {
		case KindString:
			if !slices.Contains(new, v) {
				f.strs.remove(v.Str, id)
			}
		case KindBool:
			if v.Bool {
				f.trues.Remove(id)
			} else {
				f.falses.Remove(id)
			}
		}
	}
	var nums []float64
	oldHadNums := false
	for _, v := range old {
		oldHadNums = oldHadNums || v.Kind == KindNumber || v.Numeric
	}
	for _, v := range new {
		switch v.Kind {
		case KindString:
			if f.strs == nil {
				f.strs = newTermDict()
			}
			f.strs.add(v.Str, id)
			if v.Numeric {
				nums = append(nums, v.Num)
			} else {
				f.textOnly = true
			}
		case KindNumber:
			nums = append(nums, v.Num)
		case KindBool:
			if f.trues == nil {
				f.trues, f.falses = roaring.New(), roaring.New()
			}
			if v.Bool {
				f.trues.Add(id)
			} else {
				f.falses.Add(id)
			}
		}
	}
	if len(nums) > 0 || oldHadNums {
		if f.nums == nil {
			f.nums = newNumericField(!f.searchable)
		}
		f.nums.set(id, nums)
	}
	if len(new) > 0 {
		f.exists.Add(id)
	} else {
		f.exists.Remove(id)
	}
}

// Item is one new document for PutNew.
type Item struct {
	ID   uint32
	Flat Flat
}

// PutNew indexes things that are not in the index yet (a bulk load, a
// rebuild at start-up). Fields are independent, so the work is split by
// field across one goroutine per core; the result is what Put(id, nil,
// flat) for each item would give.
func (ix *Index) PutNew(items []Item) {
	ix.settle()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// Create every field first: the map is shared, the postings not.
	for _, it := range items {
		for _, fv := range it.Flat {
			ix.field(fv.Field)
		}
		for int(it.ID) >= len(ix.nameOrd) {
			ix.nameOrd = append(ix.nameOrd, noID)
		}
		ix.live.Add(it.ID)
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	owner := func(field string) int { return int(fnv(field) % uint64(workers)) }
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, it := range items {
				for _, fv := range it.Flat {
					if owner(fv.Field) == w {
						ix.setField(it.ID, fv.Field, nil, fv.Values)
					}
				}
			}
		}()
	}
	wg.Wait()
	if names := ix.fields["thingName"]; names != nil {
		for _, it := range items {
			if vs := it.Flat.Get("thingName"); len(vs) > 0 {
				if ord, ok := names.strs.lookup(vs[0].Str); ok {
					ix.setName(it.ID, ord, vs[0].Str)
				}
			}
		}
	}
}
