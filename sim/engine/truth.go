package engine

import (
	"fmt"
	"slices"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// truthAnswer is the things a query matches in the simulator's own state,
// sorted by name.
type truthAnswer struct {
	names []string
	err   string
}

// takeTruth evaluates timeline query i against the devices' true state now.
func (s *Sim) takeTruth(i int) {
	q := s.sc.Timeline[i].Action.(*scenario.Query)
	s.truths[i] = s.truth(q.Node)
}

// truth evaluates a query against every provisioned device's document with
// the fleet index's single-document evaluator.
func (s *Sim) truth(n query.Node) truthAnswer {
	cfg := s.sc.Indexing.Config
	evaluator := index.New(cfg, index.DefaultSettings()) // Match reads only its configuration
	var names []string
	for d := range uint32(len(s.fleet.names)) {
		if !s.fleet.has(d, flagProvisioned) {
			continue
		}
		doc := s.document(d)
		flat, err := index.Flatten(&doc, cfg)
		if err != nil {
			return truthAnswer{err: fmt.Sprintf("flattening %s: %v", s.fleet.names[d], err)}
		}
		if evaluator.Match(n, flat) {
			names = append(names, s.fleet.names[d])
		}
	}
	slices.Sort(names)
	return truthAnswer{names: names}
}

// document is device d's true thing document.
func (s *Sim) document(d uint32) index.Document {
	c := s.cohort(d)
	doc := index.Document{ThingName: s.fleet.names[d], ThingTypeName: c.ThingType, ThingGroupNames: c.Groups, Attributes: s.attributes(d)}
	doc.ShadowObject = s.paths.object(s.fleet.shadow[d])
	if s.fleet.has(d, flagEverConnected) {
		conn := &index.Connectivity{Connected: s.fleet.has(d, flagConnected), Timestamp: Epoch.UnixMilli() + s.fleet.connMs[d]}
		if !conn.Connected {
			conn.DisconnectReason = core.ReasonConnectionLost
		}
		doc.Connectivity = conn
	}
	return doc
}

// query runs timeline query i: the index's answer, every page, and the
// truth (taken now, or at T−lag+1 when the index lags).
func (s *Sim) query(i int, q *scenario.Query) {
	out := report.Query{At: float64(s.nowMs) / 1000}
	var got []string
	next := ""
	for {
		resp, err := s.core.SearchIndex(core.SearchIndexRequest{QueryString: q.QueryString, MaxResults: 500, NextToken: next})
		if err != nil {
			out.Error = err.Error()
			break
		}
		for _, t := range resp.Things {
			got = append(got, t.ThingName)
		}
		if next = resp.NextToken; next == "" {
			break
		}
	}
	truth, ok := s.truths[i]
	if !ok {
		truth = s.truth(q.Node)
	}
	if truth.err != "" && out.Error == "" {
		out.Error = "truth: " + truth.err
	}
	slices.Sort(got)
	out.Count, out.Truth = int64(len(got)), int64(len(truth.names))
	out.Differences = differences(got, truth.names, 10)
	out.SameThings = len(out.Differences) == 0 && out.Count == out.Truth
	s.rep.Queries[q.Name] = out
}

// differences lists up to limit names in one sorted list only: "+name" in
// the index's answer alone, "-name" in the truth alone.
func differences(index, truth []string, limit int) []string {
	var out []string
	i, j := 0, 0
	for (i < len(index) || j < len(truth)) && len(out) < limit {
		switch {
		case j == len(truth) || (i < len(index) && index[i] < truth[j]):
			out = append(out, "+"+index[i])
			i++
		case i == len(index) || truth[j] < index[i]:
			out = append(out, "-"+truth[j])
			j++
		default:
			i++
			j++
		}
	}
	return out
}
