package jobs

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestReleaseOrderIsAFairShuffle checks that a rollout's first targets are
// a fair sample of the fleet even when names carry the cohort and differ
// only in their last characters (rev-a-000123, rev-b-000045), and that the
// seed changes the order.
func TestReleaseOrderIsAFairShuffle(t *testing.T) {
	var things []string
	for i := range 9000 {
		things = append(things, fmt.Sprintf("rev-a-%06d", i))
	}
	for i := range 1000 {
		things = append(things, fmt.Sprintf("rev-b-%06d", i))
	}
	for _, tc := range []struct {
		seed  uint64
		jobID string
	}{{1, "firmware-2-2-0-rollout"}, {42, "firmware-2-2-0-rollout"}, {7, "j1"}} {
		order := releaseOrder(tc.seed, tc.jobID, things)
		// The first 1000: 100 of cohort b expected, binomial sd 9.5.
		b := 0
		for _, name := range order[:1000] {
			if strings.HasPrefix(name, "rev-b") {
				b++
			}
		}
		if b < 62 || b > 138 {
			t.Errorf("seed %d job %s: %d rev-b devices among the first 1000 released; want about 100", tc.seed, tc.jobID, b)
		}
		// Consecutive names must not stay together: count neighbours in
		// the order that are neighbours by name.
		adjacent := 0
		for i := 1; i < 1000; i++ {
			if order[i][:len(order[i])-1] == order[i-1][:len(order[i-1])-1] {
				adjacent++
			}
		}
		if adjacent > 20 {
			t.Errorf("seed %d job %s: %d of the first 1000 released follow a name differing only in its last digit", tc.seed, tc.jobID, adjacent)
		}
		sorted := slices.Clone(order)
		slices.Sort(sorted)
		want := slices.Clone(things)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Fatalf("seed %d: the order is not a permutation of the targets", tc.seed)
		}
	}
	if a, b := releaseOrder(1, "j", things), releaseOrder(2, "j", things); slices.Equal(a[:100], b[:100]) {
		t.Error("seeds 1 and 2 release the same first 100 things")
	}
	if a, b := releaseOrder(1, "j", things), releaseOrder(1, "j", things); !slices.Equal(a, b) {
		t.Error("the same seed gave two orders")
	}
}
