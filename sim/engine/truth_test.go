package engine

import (
	"fmt"
	"testing"
)

// TestTruthDynamicGroups: a thing in a dynamic group lists it in
// thingGroupNames, in fleetd's index and so in the truth. Every device
// reports fw 2 and churns to fw 1 at 5m, joining D (fw:1); the static
// group S holds them all. With an index lag L the membership, which the
// core sets when the change reaches the index, shows in thingGroupNames one
// lag later still: at 5m+2L.
func TestTruthDynamicGroups(t *testing.T) {
	for _, tc := range []struct {
		lag  string
		at   string
		want int64
	}{
		{"0s", "4m59s", 0},
		{"0s", "5m1s", 3},
		{"30s", "5m30s", 0},
		{"30s", "5m59s", 0},
		{"30s", "6m", 3},
		{"30s", "10m", 3},
	} {
		t.Run(tc.lag+"@"+tc.at, func(t *testing.T) {
			sc := parse(t, fmt.Sprintf(`
name: dynamic-truth
duration: 20m
indexing: {thingIndexingMode: REGISTRY_AND_SHADOW}
indexLag: %s
thingGroups:
  - {thingGroupName: S}
  - {thingGroupName: D, queryString: 'shadow.reported.fw:1'}
devices:
  - {name: d, count: 3, groups: [S], shadow: {reported: {fw: 2}}, churn: {every: 5m, reported: {fw: 1}}}
timeline:
  - {at: %s, query: {name: in-d, queryString: 'thingGroupNames:D'}}
  - {at: %s, query: {name: in-s-and-d, queryString: 'thingGroupNames:S AND thingGroupNames:D'}}
  - {at: %s, query: {name: in-s-not-d, queryString: 'thingGroupNames:S AND NOT thingGroupNames:D'}}
`, tc.lag, tc.at, tc.at, tc.at))
			rep := run(t, sc)
			for name, want := range map[string]int64{"in-d": tc.want, "in-s-and-d": tc.want, "in-s-not-d": 3 - tc.want} {
				q := rep.Queries[name]
				if q.Count != want || q.Truth != want || !q.SameThings {
					t.Errorf("%s: index %d, truth %d, same things %v (differences %v); want %d, the same things",
						name, q.Count, q.Truth, q.SameThings, q.Differences, want)
				}
			}
		})
	}
}
