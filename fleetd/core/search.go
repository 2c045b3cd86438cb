package core

import (
	"encoding/json"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
)

// SearchIndexRequest is the SearchIndex body.
type SearchIndexRequest struct {
	IndexName    string `json:"indexName,omitempty"`
	QueryString  string `json:"queryString"`
	NextToken    string `json:"nextToken,omitempty"`
	MaxResults   int    `json:"maxResults,omitempty"`
	QueryVersion string `json:"queryVersion,omitempty"`
}

// SearchIndexResponse is the SearchIndex response.
type SearchIndexResponse struct {
	NextToken   string          `json:"nextToken,omitempty"`
	Things      []ThingDocument `json:"things"`
	ThingGroups []any           `json:"thingGroups"`
}

// ThingDocument is a search result. Shadow and DeviceDefender are JSON
// strings, as AWS returns them.
type ThingDocument struct {
	ThingName       string              `json:"thingName"`
	ThingID         string              `json:"thingId,omitempty"`
	ThingTypeName   string              `json:"thingTypeName,omitempty"`
	ThingGroupNames []string            `json:"thingGroupNames,omitempty"`
	Attributes      map[string]string   `json:"attributes,omitempty"`
	Shadow          string              `json:"shadow,omitempty"`
	DeviceDefender  string              `json:"deviceDefender,omitempty"`
	Connectivity    *index.Connectivity `json:"connectivity,omitempty"`
}

// searchShadow is a shadow as SearchIndex shows it: each shadow (the
// classic one and every indexed named one under "name") with desired,
// reported, metadata, hasDelta and version, and no delta, as AWS returns
// it. obj is the index's object and is not changed.
func searchShadow(obj map[string]any) map[string]any {
	one := func(o map[string]any) map[string]any {
		out := make(map[string]any, len(o)+1)
		for k, v := range o {
			if k != "delta" && k != "name" {
				out[k] = v
			}
		}
		if _, ok := o["version"]; ok {
			_, hasDelta := o["delta"]
			out["hasDelta"] = hasDelta
		}
		return out
	}
	out := one(obj)
	if named, ok := obj["name"].(map[string]any); ok {
		shown := make(map[string]any, len(named))
		for n, o := range named {
			if m, ok := o.(map[string]any); ok {
				shown[n] = one(m)
			}
		}
		out["name"] = shown
	}
	return out
}

// SearchIndex answers a fleet-indexing query, a page at a time in
// ascending thingName order.
func (c *Core) SearchIndex(req SearchIndexRequest) (SearchIndexResponse, error) {
	if req.IndexName == thingGroupsIndex {
		return c.searchThingGroups(req)
	}
	n, err := c.queryOf(req.IndexName, req.QueryString, req.QueryVersion)
	if err != nil {
		return SearchIndexResponse{}, err
	}
	page, err := c.idx.ix.Search(n, req.MaxResults, req.NextToken)
	if err != nil {
		return SearchIndexResponse{}, indexErr(err)
	}
	resp := SearchIndexResponse{NextToken: page.NextToken, Things: []ThingDocument{}, ThingGroups: []any{}}
	for _, id := range page.IDs {
		if v := c.views.get(id); v != nil {
			resp.Things = append(resp.Things, c.thingDocument(v))
		}
	}
	return resp, nil
}

// thingDocument renders a thing as SearchIndex returns it, with the
// sections the indexing configuration covers.
func (c *Core) thingDocument(v *registry.ThingView) ThingDocument {
	d := ThingDocument{
		ThingName: v.Name, ThingID: v.ThingID.String(), ThingTypeName: v.ThingTypeName,
		ThingGroupNames: v.GroupNames, Attributes: v.Attributes.Map(),
	}
	if c.idx.icfg.ThingIndexingMode == "REGISTRY_AND_SHADOW" {
		if obj := c.shadowObject(v.Name); obj != nil {
			b, _ := json.Marshal(searchShadow(obj))
			d.Shadow = string(b)
		}
	}
	if c.idx.icfg.ThingConnectivityIndexingMode == "STATUS" {
		if cs := c.conns[v.Name]; cs != nil && cs.Version > 0 {
			d.Connectivity = cs.indexed()
		}
	}
	return d
}

// AggregationRequest is the body of GetStatistics, GetPercentiles,
// GetCardinality and GetBucketsAggregation.
type AggregationRequest struct {
	IndexName              string                  `json:"indexName,omitempty"`
	QueryString            string                  `json:"queryString"`
	AggregationField       string                  `json:"aggregationField,omitempty"`
	QueryVersion           string                  `json:"queryVersion,omitempty"`
	Percents               []float64               `json:"percents,omitempty"`
	BucketsAggregationType *BucketsAggregationType `json:"bucketsAggregationType,omitempty"`
}

// BucketsAggregationType selects a terms aggregation.
type BucketsAggregationType struct {
	TermsAggregation *struct {
		MaxBuckets int `json:"maxBuckets,omitempty"`
	} `json:"termsAggregation,omitempty"`
}

// GetStatistics computes the statistics of a field over matching things.
func (c *Core) GetStatistics(req AggregationRequest) (map[string]index.Statistics, error) {
	n, err := c.queryOf(req.IndexName, req.QueryString, req.QueryVersion)
	if err != nil {
		return nil, err
	}
	s, err := c.idx.ix.Statistics(n, req.AggregationField)
	if err != nil {
		return nil, indexErr(err)
	}
	return map[string]index.Statistics{"statistics": s}, nil
}

// GetPercentiles computes percentiles of a number field.
func (c *Core) GetPercentiles(req AggregationRequest) (map[string][]index.PercentPair, error) {
	if req.AggregationField == "" {
		return nil, awserr.New(awserr.InvalidRequest, "aggregationField is required")
	}
	n, err := c.queryOf(req.IndexName, req.QueryString, req.QueryVersion)
	if err != nil {
		return nil, err
	}
	p, err := c.idx.ix.Percentiles(n, req.AggregationField, req.Percents)
	if err != nil {
		return nil, indexErr(err)
	}
	return map[string][]index.PercentPair{"percentiles": p}, nil
}

// GetCardinality counts the distinct values of a field.
func (c *Core) GetCardinality(req AggregationRequest) (map[string]int64, error) {
	if req.AggregationField == "" {
		return nil, awserr.New(awserr.InvalidRequest, "aggregationField is required")
	}
	n, err := c.queryOf(req.IndexName, req.QueryString, req.QueryVersion)
	if err != nil {
		return nil, err
	}
	card, err := c.idx.ix.Cardinality(n, req.AggregationField)
	if err != nil {
		return nil, indexErr(err)
	}
	return map[string]int64{"cardinality": card}, nil
}

// BucketsResponse is the GetBucketsAggregation response.
type BucketsResponse struct {
	TotalCount int64          `json:"totalCount"`
	Buckets    []index.Bucket `json:"buckets"`
}

// GetBucketsAggregation groups matching things by the values of a field.
func (c *Core) GetBucketsAggregation(req AggregationRequest) (BucketsResponse, error) {
	if req.AggregationField == "" {
		return BucketsResponse{}, awserr.New(awserr.InvalidRequest, "aggregationField is required")
	}
	if req.BucketsAggregationType == nil || req.BucketsAggregationType.TermsAggregation == nil {
		return BucketsResponse{}, awserr.New(awserr.InvalidRequest, "bucketsAggregationType.termsAggregation is required")
	}
	n, err := c.queryOf(req.IndexName, req.QueryString, req.QueryVersion)
	if err != nil {
		return BucketsResponse{}, err
	}
	total, b, err := c.idx.ix.Buckets(n, req.AggregationField, req.BucketsAggregationType.TermsAggregation.MaxBuckets)
	if err != nil {
		return BucketsResponse{}, indexErr(err)
	}
	return BucketsResponse{TotalCount: total, Buckets: b}, nil
}

// DescribeIndexResponse is the DescribeIndex response.
type DescribeIndexResponse struct {
	IndexName   string `json:"indexName"`
	IndexStatus string `json:"indexStatus"`
	Schema      string `json:"schema"`
}

// DescribeIndex reports the AWS_Things index and its schema.
func (c *Core) DescribeIndex(name string) (DescribeIndexResponse, error) {
	if name == thingGroupsIndex && c.groupIndexOn() {
		return DescribeIndexResponse{IndexName: name, IndexStatus: "ACTIVE", Schema: "REGISTRY"}, nil
	}
	if name != "AWS_Things" || !c.idx.on() {
		return DescribeIndexResponse{}, awserr.New(awserr.ResourceNotFound, "Index %s does not exist", name)
	}
	t := c.idx.cfg
	schema := t.ThingIndexingMode
	switch {
	case orOff(t.NamedShadowIndexingMode) == "ON" || orOff(t.DeviceDefenderIndexingMode) == "VIOLATIONS":
		schema = "MULTI_INDEXING_MODE"
	case t.ThingConnectivityIndexingMode == "STATUS" && t.ThingIndexingMode == "REGISTRY_AND_SHADOW":
		schema = "REGISTRY_AND_SHADOW_AND_CONNECTIVITY_STATUS"
	case t.ThingConnectivityIndexingMode == "STATUS":
		schema = "REGISTRY_AND_CONNECTIVITY"
	}
	return DescribeIndexResponse{IndexName: name, IndexStatus: "ACTIVE", Schema: schema}, nil
}

// Sizes are counts for monitoring: things registered and things in the
// fleet index (0 while indexing is off).
type Sizes struct {
	Things, Indexed int
}

// Sizes returns the registry's and the index's sizes now.
func (c *Core) Sizes() Sizes {
	s := Sizes{Things: c.reg.ThingCount()}
	if c.idx.ix != nil {
		s.Indexed = c.idx.ix.Len()
	}
	return s
}
