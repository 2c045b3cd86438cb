package indexbench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/index/scan"
)

// Exit statuses of Run.
const (
	ExitOK       = 0
	ExitMismatch = 1 // the index and the scan disagreed
	ExitInvalid  = 2 // usage error, unreadable input or an invalid query
)

// queryResult is one line of output.
type queryResult struct {
	Query       string          `json:"query"`
	Count       *uint64         `json:"count,omitempty"`
	Names       []string        `json:"names,omitempty"`
	P50         *float64        `json:"p50_us,omitempty"`
	P99         *float64        `json:"p99_us,omitempty"`
	ScanP50     *float64        `json:"scan_p50_us,omitempty"`
	Speedup     *float64        `json:"speedup,omitempty"`
	Aggregation string          `json:"aggregation,omitempty"`
	Field       string          `json:"field,omitempty"`
	Result      json.RawMessage `json:"result,omitempty"`
	Error       *queryError     `json:"error,omitempty"`

	scanEstimated bool
	mismatch      string
}

type queryError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Run executes a fleetbench index run and returns the exit status.
func Run(o Options, stdout, stderr io.Writer) int {
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "fleetbench index: %v\n", err)
		return ExitInvalid
	}
	queries, err := collectQueries(o)
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench index: %v\n", err)
		return ExitInvalid
	}
	f, err := loadFleet(o)
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench index: %v\n", err)
		return ExitInvalid
	}
	var sc *scan.Fleet
	scanSize := 0
	if o.ScanLimit > 0 && o.Agg == "" {
		docs, err := loadDocs(o, o.ScanLimit)
		if err == nil {
			sc, err = scan.NewFleet(docs, scanOptions(f.cfg))
		}
		if err != nil {
			fmt.Fprintf(stderr, "fleetbench index: %v\n", err)
			return ExitInvalid
		}
		scanSize = len(docs)
	}
	summary := fmt.Sprintf("fleet: %d things (%s), index built in %s (%.1f µs/thing), %.0f B/thing of index heap",
		f.size, f.source, f.build.Round(time.Millisecond), float64(f.build.Microseconds())/float64(max(f.size, 1)), f.bytesPer)
	if o.JSON {
		fmt.Fprintln(stderr, summary)
	} else {
		fmt.Fprintln(stdout, summary)
		if sc != nil && scanSize < f.size {
			fmt.Fprintf(stdout, "scan: on the first %d things, times scaled ×%.1f (marked ~)\n", scanSize, float64(f.size)/float64(scanSize))
		}
	}
	status := ExitOK
	var results []queryResult
	for _, q := range queries {
		r := runQuery(o, f, sc, scanSize, q)
		switch {
		case r.Error != nil:
			status = max(status, ExitInvalid)
		case r.mismatch != "":
			fmt.Fprintf(stderr, "fleetbench index: MISMATCH on %q: %s\n", q, r.mismatch)
			if status == ExitOK {
				status = ExitMismatch
			}
		}
		if o.JSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(r.jsonLine())
		}
		results = append(results, r)
	}
	if !o.JSON {
		writeTable(stdout, o, results)
	}
	return status
}

// jsonLine is the result as its --json line: latency fields belong to
// query lines only; an aggregation line is the AWS response under result.
func (r queryResult) jsonLine() queryResult {
	if r.Aggregation != "" {
		r.P50, r.P99 = nil, nil
	}
	return r
}

func collectQueries(o Options) ([]string, error) {
	qs := append([]string(nil), o.Queries...)
	if o.QueriesFile == "" {
		return qs, nil
	}
	file, err := os.Open(o.QueriesFile)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		qs = append(qs, line)
	}
	return qs, sc.Err()
}

func runQuery(o Options, f *fleet, sc *scan.Fleet, scanSize int, q string) queryResult {
	r := queryResult{Query: q}
	node, err := f.ix.Parse(q)
	if err != nil {
		r.Error = toQueryError(err)
		return r
	}
	if o.Agg != "" {
		return runAggregation(o, f, node, r)
	}
	var count uint64
	hist := timeIt(o.Repeat, func() { count = f.ix.Count(node) })
	r.Count = &count
	r.P50, r.P99 = micros(hist.ValueAtQuantile(50)), micros(hist.ValueAtQuantile(99))
	if o.Names {
		r.Names = allNames(f.ix, node)
	}
	if sc != nil {
		var hits []int
		scanHist := timeIt(min(o.Repeat, 3), func() { hits = sc.Search(node) })
		scale := float64(f.size) / float64(scanSize)
		p50 := float64(scanHist.ValueAtQuantile(50)) / 1e3 * scale
		r.ScanP50 = &p50
		r.scanEstimated = scanSize < f.size
		speedup := p50 / max(*r.P50, 0.001)
		r.Speedup = &speedup
		if scanSize == f.size && uint64(len(hits)) != count {
			r.mismatch = fmt.Sprintf("index counts %d, scan %d", count, len(hits))
		}
	}
	return r
}

func runAggregation(o Options, f *fleet, node query.Node, r queryResult) queryResult {
	r.Aggregation, r.Field = o.Agg, o.Field
	var body any
	var err error
	hist := timeIt(o.Repeat, func() {
		switch o.Agg {
		case "statistics":
			var s index.Statistics
			s, err = f.ix.Statistics(node, o.Field)
			body = map[string]any{"statistics": s}
		case "percentiles":
			var p []index.PercentPair
			p, err = f.ix.Percentiles(node, o.Field, o.Percents)
			body = map[string]any{"percentiles": p}
		case "cardinality":
			var c int64
			c, err = f.ix.Cardinality(node, o.Field)
			body = map[string]any{"cardinality": c}
		case "buckets":
			var total int64
			var b []index.Bucket
			total, b, err = f.ix.Buckets(node, o.Field, o.MaxBuckets)
			body = map[string]any{"totalCount": total, "buckets": b}
		}
	})
	if err != nil {
		r.Error = toQueryError(err)
		return r
	}
	r.Result, _ = json.Marshal(body)
	r.P50, r.P99 = micros(hist.ValueAtQuantile(50)), micros(hist.ValueAtQuantile(99))
	return r
}

// allNames pages through the whole result in thingName order.
func allNames(ix *index.Index, n query.Node) []string {
	names := []string{}
	token := ""
	for {
		p, err := ix.Search(n, 500, token)
		if err != nil {
			return names
		}
		names = append(names, p.Names...)
		if p.NextToken == "" {
			return names
		}
		token = p.NextToken
	}
}

func toQueryError(err error) *queryError {
	var ie *index.Error
	if errors.As(err, &ie) {
		return &queryError{Code: ie.Code, Message: ie.Message}
	}
	return &queryError{Code: index.CodeInvalidRequest, Message: err.Error()}
}

// timeIt runs fn n times and records each run in nanoseconds.
func timeIt(n int, fn func()) *hdrhistogram.Histogram {
	h := hdrhistogram.New(1, int64(10*time.Minute), 3)
	for range n {
		start := time.Now()
		fn()
		_ = h.RecordValue(max(time.Since(start).Nanoseconds(), 1))
	}
	return h
}

func micros(ns int64) *float64 {
	v := float64(ns) / 1e3
	return &v
}
