package registry

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// walk follows nextToken to the end and returns every item and the page
// count; it fails on a repeated token (botocore aborts on one).
func walk[T any](t *testing.T, list func(token string) ([]T, string, error)) ([]T, int) {
	t.Helper()
	var all []T
	seen := map[string]bool{}
	token := ""
	for pages := 1; ; pages++ {
		items, next, err := list(token)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		all = append(all, items...)
		if next == "" {
			return all, pages
		}
		if seen[next] {
			t.Fatalf("page %d repeats token %q", pages, next)
		}
		seen[next] = true
		token = next
	}
}

func bigFleet(t *testing.T, n int) *Registry {
	r := New(Options{Seed: 9})
	_, err := r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "even"}, t0)
	must(t, err)
	_, err = r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "all"}, t0)
	must(t, err)
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill"}, t0)
	must(t, err)
	// Created out of name order on purpose.
	for i := n - 1; i >= 0; i-- {
		req := CreateThingRequest{ThingName: fmt.Sprintf("thing-%04d", i), AttributePayload: attrs("mod", fmt.Sprint(i%3))}
		if i%2 == 0 {
			req.ThingTypeName = "even"
		}
		_, err := r.CreateThing(req, t0)
		must(t, err)
		must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "all", ThingName: req.ThingName}, t0))
		must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill", ThingName: req.ThingName}, t0))
	}
	return r
}

func TestPaginationWalks(t *testing.T) {
	const n = 503
	r := bigFleet(t, n)
	var want, wantEven, wantMod1 []string
	for i := range n {
		name := fmt.Sprintf("thing-%04d", i)
		want = append(want, name)
		if i%2 == 0 {
			wantEven = append(wantEven, name)
		}
		if i%3 == 1 {
			wantMod1 = append(wantMod1, name)
		}
	}
	for _, size := range []int{0, 1, 7, 50, 250} {
		pageSize := limit(size)
		things := func(req ListThingsRequest) ([]string, int) {
			items, pages := walk(t, func(tok string) ([]ThingAttribute, string, error) {
				req.NextToken, req.MaxResults = tok, size
				resp, err := r.ListThings(req)
				if len(resp.Things) > pageSize {
					t.Fatalf("page of %d things; maxResults %d", len(resp.Things), size)
				}
				return resp.Things, resp.NextToken, err
			})
			var names []string
			for _, it := range items {
				names = append(names, it.ThingName)
			}
			return names, pages
		}
		got, pages := things(ListThingsRequest{})
		if !slices.Equal(got, want) {
			t.Errorf("ListThings walk, maxResults %d: %d names, want %d in order", size, len(got), n)
		}
		if wantPages := (n + pageSize - 1) / pageSize; pages != wantPages {
			t.Errorf("ListThings walk, maxResults %d: %d pages; want %d", size, pages, wantPages)
		}
		if got, _ := things(ListThingsRequest{ThingTypeName: "even"}); !slices.Equal(got, wantEven) {
			t.Errorf("ListThings(even) walk, maxResults %d: %d names; want %d", size, len(got), len(wantEven))
		}
		if got, _ := things(ListThingsRequest{AttributeName: "mod", AttributeValue: "1"}); !slices.Equal(got, wantMod1) {
			t.Errorf("ListThings(mod=1) walk, maxResults %d: %d names; want %d", size, len(got), len(wantMod1))
		}
		inGroup, _ := walk(t, func(tok string) ([]string, string, error) {
			resp, err := r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "all", NextToken: tok, MaxResults: size})
			return resp.Things, resp.NextToken, err
		})
		if !slices.Equal(inGroup, want) {
			t.Errorf("ListThingsInThingGroup walk, maxResults %d: %d names", size, len(inGroup))
		}
		inBilling, _ := walk(t, func(tok string) ([]string, string, error) {
			resp, err := r.ListThingsInBillingGroup(ListThingsInBillingGroupRequest{BillingGroupName: "bill", NextToken: tok, MaxResults: size})
			return resp.Things, resp.NextToken, err
		})
		if !slices.Equal(inBilling, want) {
			t.Errorf("ListThingsInBillingGroup walk, maxResults %d: %d names", size, len(inBilling))
		}
	}
}

func TestPaginationSurvivesChanges(t *testing.T) {
	r := bigFleet(t, 40)
	resp, err := r.ListThings(ListThingsRequest{MaxResults: 10})
	must(t, err)
	// Delete the last thing returned and one ahead; create one ahead and one behind.
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "thing-0009"}, t0))
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "thing-0015"}, t0))
	must(t, create(r, "thing-0012a"))
	must(t, create(r, "thing-0000a"))
	var got []string
	tok := resp.NextToken
	for tok != "" {
		resp, err = r.ListThings(ListThingsRequest{MaxResults: 10, NextToken: tok})
		must(t, err)
		for _, th := range resp.Things {
			got = append(got, th.ThingName)
		}
		tok = resp.NextToken
	}
	if len(got) != 30 || got[0] != "thing-0010" || !slices.Contains(got, "thing-0012a") || slices.Contains(got, "thing-0015") || slices.Contains(got, "thing-0000a") {
		t.Errorf("rest of walk = %v", got)
	}
}

func TestSmallListsPaginate(t *testing.T) {
	r := New(Options{})
	must(t, create(r, "x"))
	for i := range 5 {
		n := fmt.Sprintf("g%d", i)
		_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: n}, t0)
		must(t, err)
		must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: n, ThingName: "x"}, t0))
		_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "b" + n}, t0)
		must(t, err)
		_, err = r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "t" + n}, t0)
		must(t, err)
	}
	groups, pages := walk(t, func(tok string) ([]GroupNameAndArn, string, error) {
		resp, err := r.ListThingGroups(ListThingGroupsRequest{MaxResults: 2, NextToken: tok})
		return resp.ThingGroups, resp.NextToken, err
	})
	if len(groups) != 5 || pages != 3 {
		t.Errorf("ListThingGroups: %d groups in %d pages", len(groups), pages)
	}
	forThing, pages := walk(t, func(tok string) ([]GroupNameAndArn, string, error) {
		resp, err := r.ListThingGroupsForThing(ListThingGroupsForThingRequest{ThingName: "x", MaxResults: 2, NextToken: tok})
		return resp.ThingGroups, resp.NextToken, err
	})
	if len(forThing) != 5 || pages != 3 || forThing[4].GroupName != "g4" {
		t.Errorf("ListThingGroupsForThing: %v in %d pages", forThing, pages)
	}
	billing, pages := walk(t, func(tok string) ([]GroupNameAndArn, string, error) {
		resp, err := r.ListBillingGroups(ListBillingGroupsRequest{MaxResults: 4, NextToken: tok})
		return resp.BillingGroups, resp.NextToken, err
	})
	if len(billing) != 5 || pages != 2 {
		t.Errorf("ListBillingGroups: %d in %d pages", len(billing), pages)
	}
	types, pages := walk(t, func(tok string) ([]ThingTypeDefinition, string, error) {
		resp, err := r.ListThingTypes(ListThingTypesRequest{MaxResults: 5, NextToken: tok})
		return resp.ThingTypes, resp.NextToken, err
	})
	if len(types) != 5 || pages != 1 {
		t.Errorf("ListThingTypes: %d in %d pages (an exact last page has no token)", len(types), pages)
	}
	// A token belongs to its list.
	resp, _ := r.ListThingGroups(ListThingGroupsRequest{MaxResults: 1})
	for what, err := range map[string]error{
		"ListBillingGroups": func() error {
			_, err := r.ListBillingGroups(ListBillingGroupsRequest{NextToken: resp.NextToken})
			return err
		}(),
		"ListThingGroupsForThing": func() error {
			_, err := r.ListThingGroupsForThing(ListThingGroupsForThingRequest{ThingName: "x", NextToken: resp.NextToken})
			return err
		}(),
		"ListThingTypes": func() error {
			_, err := r.ListThingTypes(ListThingTypesRequest{NextToken: resp.NextToken})
			return err
		}(),
	} {
		checkErr(t, what+"(token of ListThingGroups)", err, awserr.InvalidRequest, "pagination token")
	}
	if resp.NextToken != encodeToken("thingGroups", "g0") {
		t.Errorf("token %q is not deterministic", resp.NextToken)
	}
}
