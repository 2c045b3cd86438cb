package core

import (
	"encoding/base64"
	"slices"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
)

// thingGroupsIndex is the index name of thing-group indexing.
const thingGroupsIndex = "AWS_ThingGroups"

// defaultGroupResults is SearchIndex's page size on AWS_ThingGroups when
// maxResults is absent.
const defaultGroupResults = 100

// ThingGroupDocument is a SearchIndex result on AWS_ThingGroups.
type ThingGroupDocument struct {
	ThingGroupName        string            `json:"thingGroupName"`
	ThingGroupID          string            `json:"thingGroupId"`
	ThingGroupDescription string            `json:"thingGroupDescription,omitempty"`
	Attributes            map[string]string `json:"attributes,omitempty"`
	ParentGroupNames      []string          `json:"parentGroupNames,omitempty"`
}

// groupIndexOn reports whether thing-group indexing is on.
func (c *Core) groupIndexOn() bool { return c.idx.group.ThingGroupIndexingMode == "ON" }

// searchThingGroups answers SearchIndex on AWS_ThingGroups. Fleets have
// few groups (AWS allows thousands), so each query evaluates every group
// with the fleet index's single-document evaluator, in name order.
func (c *Core) searchThingGroups(req SearchIndexRequest) (SearchIndexResponse, error) {
	if !c.groupIndexOn() {
		return SearchIndexResponse{}, awserr.New(awserr.ResourceNotFound, "Index %s does not exist: thing group indexing is off (UpdateIndexingConfiguration thingGroupIndexingMode ON turns it on)", thingGroupsIndex)
	}
	if req.QueryString == "" {
		return SearchIndexResponse{}, awserr.New(awserr.InvalidRequest, "queryString is required")
	}
	if req.QueryVersion != "" && req.QueryVersion != "2017-09-30" {
		return SearchIndexResponse{}, awserr.New(awserr.InvalidRequest, "queryVersion %s is not supported; use 2017-09-30", req.QueryVersion)
	}
	pageSize := req.MaxResults
	if pageSize == 0 {
		pageSize = defaultGroupResults
	}
	if pageSize < 1 || pageSize > 500 {
		return SearchIndexResponse{}, awserr.New(awserr.InvalidRequest, "maxResults must be between 1 and 500, got %d", pageSize)
	}
	settings := c.idx.settings
	settings.WriteBehind = false // a throwaway evaluator: nothing to write
	evaluator := index.New(index.Config{ThingIndexingMode: "REGISTRY"}, settings)
	n, err := evaluator.Parse(req.QueryString)
	if err != nil {
		return SearchIndexResponse{}, indexErr(err)
	}
	names := c.reg.ThingGroupNames()
	start := 0
	if req.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(req.NextToken)
		if err != nil {
			return SearchIndexResponse{}, awserr.New(awserr.InvalidRequest, "The nextToken is not valid")
		}
		start, _ = slices.BinarySearch(names, string(after)+"\x00")
	}
	resp := SearchIndexResponse{Things: []ThingDocument{}, ThingGroups: []any{}}
	for _, name := range names[start:] {
		d, err := c.reg.DescribeThingGroup(registry.DescribeThingGroupRequest{ThingGroupName: name})
		if err != nil {
			continue
		}
		doc := groupDocument(d)
		if !evaluator.Match(n, groupFlat(doc)) {
			continue
		}
		if len(resp.ThingGroups) == pageSize {
			resp.NextToken = base64.RawURLEncoding.EncodeToString([]byte(resp.ThingGroups[pageSize-1].(ThingGroupDocument).ThingGroupName))
			break
		}
		resp.ThingGroups = append(resp.ThingGroups, doc)
	}
	return resp, nil
}

// groupDocument is a thing group as AWS_ThingGroups returns it; its
// parentGroupNames are its ancestors, root first.
func groupDocument(d registry.DescribeThingGroupResponse) ThingGroupDocument {
	doc := ThingGroupDocument{ThingGroupName: d.ThingGroupName, ThingGroupID: d.ThingGroupId}
	if desc := d.ThingGroupProperties.ThingGroupDescription; desc != nil {
		doc.ThingGroupDescription = *desc
	}
	if ap := d.ThingGroupProperties.AttributePayload; ap != nil && len(ap.Attributes) > 0 {
		doc.Attributes = ap.Attributes
	}
	for _, p := range d.ThingGroupMetadata.RootToParentThingGroups {
		doc.ParentGroupNames = append(doc.ParentGroupNames, p.GroupName)
	}
	return doc
}

// groupFlat is a thing group's searchable fields: thingGroupName,
// thingGroupId, thingGroupDescription, attributes.* and parentGroupNames.
func groupFlat(doc ThingGroupDocument) index.Flat {
	var b index.FlatBuilder
	b.Add("thingGroupName", index.StringValue(doc.ThingGroupName))
	b.Add("thingGroupId", index.StringValue(doc.ThingGroupID))
	if doc.ThingGroupDescription != "" {
		b.Add("thingGroupDescription", index.StringValue(doc.ThingGroupDescription))
	}
	for k, v := range doc.Attributes {
		b.Add("attributes."+k, index.AttributeValue(v))
	}
	for _, p := range doc.ParentGroupNames {
		b.Add("parentGroupNames", index.StringValue(p))
	}
	return b.Finish()
}
