package index

import (
	"cmp"
	"container/heap"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/fleetlab/fleetlab/index/query"
)

// Parse parses a query string under the index's limits. Syntax errors and
// exceeded limits are *Error with code InvalidQueryException and a
// positioned message.
func (ix *Index) Parse(q string) (query.Node, error) {
	n, err := query.ParseWithLimits(q, ix.settings.Query)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return nil, &Error{Code: CodeInvalidQuery, Message: qe.Error()}
		}
		return nil, &Error{Code: CodeInvalidQuery, Message: err.Error()}
	}
	return n, nil
}

// Page is one page of search results in ascending thingName order.
type Page struct {
	IDs       []uint32
	Names     []string
	NextToken string // empty on the last page
}

// Search returns the things matching n, at most maxResults of them (0 means
// the default page size) after the position nextToken names. Results are in
// ascending thingName order, so tokens stay valid across index updates.
func (ix *Index) Search(n query.Node, maxResults int, nextToken string) (Page, error) {
	if maxResults == 0 {
		maxResults = ix.settings.DefaultResults
	}
	if maxResults < 1 || (ix.settings.MaxResults > 0 && maxResults > ix.settings.MaxResults) {
		return Page{}, errorf(CodeInvalidRequest, "maxResults must be between 1 and %d", ix.settings.MaxResults)
	}
	after, hasAfter := "", false
	if nextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return Page{}, errorf(CodeInvalidRequest, "invalid nextToken")
		}
		after, hasAfter = string(b), true
	}
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	bm := ix.eval(n).bm
	var items []named
	var more bool
	if names := ix.nameDict(); names != nil && len(names.origOf) == 0 && len(ix.nameExact) == 0 && bm.GetCardinality()*8 >= uint64(names.len()) {
		items, more = ix.pageByNameOrder(bm, names, after, hasAfter, maxResults)
	} else {
		items, more = ix.pageByHeap(bm, after, hasAfter, maxResults)
	}
	p := Page{IDs: make([]uint32, len(items)), Names: make([]string, len(items))}
	for i, it := range items {
		p.IDs[i], p.Names[i] = it.id, it.name
	}
	if more && len(items) > 0 {
		p.NextToken = base64.RawURLEncoding.EncodeToString([]byte(p.Names[len(p.Names)-1]))
	}
	return p, nil
}

// nameDict is the dictionary of the thingName field, or nil.
func (ix *Index) nameDict() *termDict {
	if f := ix.fields["thingName"]; f != nil {
		return f.strs
	}
	return nil
}

// pageByNameOrder walks the thingNames in dictionary order from the token
// and keeps those in the result: cheap when the result is a large part of
// the fleet, as about maxResults/density names are looked at. The
// dictionary holds folded names, so this is only used when no name has an
// upper-case letter (then folded order is thingName order).
func (ix *Index) pageByNameOrder(bm *roaring.Bitmap, names *termDict, after string, hasAfter bool, maxResults int) ([]named, bool) {
	var items []named
	more := false
	names.scanFrom(after, func(ord uint32, name string) bool {
		if hasAfter && name <= after {
			return true
		}
		p := names.post[ord]
		ids := []uint32{p.one}
		if p.bm != 0 {
			ids = names.bitmaps[p.bm-1].ToArray()
		}
		for _, id := range ids {
			if !bm.Contains(id) || ix.nameOrd[id] != ord {
				continue
			}
			if len(items) == maxResults {
				more = true
				return false
			}
			items = append(items, named{id, name})
		}
		return true
	})
	return items, more
}

// pageByHeap keeps the maxResults smallest names of the result in a
// bounded heap: one pass over a sparse result.
func (ix *Index) pageByHeap(bm *roaring.Bitmap, after string, hasAfter bool, maxResults int) ([]named, bool) {
	top := &nameHeap{}
	more := false
	it := bm.Iterator()
	for it.HasNext() {
		id := it.Next()
		name := ix.nameOf(id)
		if hasAfter && name <= after {
			continue
		}
		if top.Len() < maxResults {
			heap.Push(top, named{id, name})
			continue
		}
		more = true
		if name < top.items[0].name {
			top.items[0] = named{id, name}
			heap.Fix(top, 0)
		}
	}
	slices.SortFunc(top.items, compareNamed)
	return top.items, more
}

func compareNamed(a, b named) int {
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// Count returns the number of things matching n without materialising the
// final intersection.
func (ix *Index) Count(n query.Node) uint64 {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.count(n)
}

// Bitmap returns the ids matching n as a new bitmap the caller owns.
func (ix *Index) Bitmap(n query.Node) *roaring.Bitmap {
	ix.settle()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.eval(n).mutable()
}

type named struct {
	id   uint32
	name string
}

// nameHeap is a max-heap of things by thingName: the root is the largest
// name kept so far, the one a smaller name replaces.
type nameHeap struct {
	items []named
}

func (h *nameHeap) Len() int           { return len(h.items) }
func (h *nameHeap) Less(i, j int) bool { return h.items[i].name > h.items[j].name }
func (h *nameHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *nameHeap) Push(x any)         { h.items = append(h.items, x.(named)) }
func (h *nameHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
