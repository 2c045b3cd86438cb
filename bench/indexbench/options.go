package indexbench

import (
	"fmt"
	"strings"
)

// Options are the inputs of one fleetbench index run.
type Options struct {
	DocsFile    string // JSON lines of thing documents
	Synthetic   int    // or: a synthetic fleet of this many things
	Seed        uint64
	ConfigFile  string // indexing configuration JSON; default: everything on
	Queries     []string
	QueriesFile string // one query per line; blank lines and # comments skipped

	Agg        string // statistics | percentiles | cardinality | buckets
	Field      string
	Percents   []float64
	MaxBuckets int

	Names  bool
	Repeat int
	JSON   bool
	// ScanLimit is the largest fleet the naive scan runs on in full; above
	// it the scan runs on the first ScanLimit things and its time is scaled
	// to the fleet size (reported as an estimate). 0 means 2,000,000;
	// negative disables the scan.
	ScanLimit int
}

// Validate reports usage errors.
func (o *Options) Validate() error {
	if (o.DocsFile == "") == (o.Synthetic == 0) {
		return fmt.Errorf("exactly one of --docs FILE or --synthetic N is required")
	}
	if o.Synthetic < 0 {
		return fmt.Errorf("--synthetic must be positive")
	}
	if len(o.Queries) == 0 && o.QueriesFile == "" {
		return fmt.Errorf("at least one --query or --queries FILE is required")
	}
	switch o.Agg {
	case "", "statistics", "percentiles", "cardinality", "buckets":
	default:
		return fmt.Errorf("--agg must be statistics, percentiles, cardinality or buckets, not %q", o.Agg)
	}
	if o.Agg != "" && o.Agg != "statistics" && o.Field == "" {
		return fmt.Errorf("--agg %s needs --field", o.Agg)
	}
	if o.Repeat == 0 {
		o.Repeat = 10
	}
	if o.Repeat < 1 {
		return fmt.Errorf("--repeat must be at least 1")
	}
	if o.ScanLimit == 0 {
		o.ScanLimit = 2_000_000
	}
	return nil
}

// ParsePercents parses "1,50,99".
func ParsePercents(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		var p float64
		if _, err := fmt.Sscan(strings.TrimSpace(f), &p); err != nil {
			return nil, fmt.Errorf("--percents: %q is not a number", f)
		}
		out = append(out, p)
	}
	return out, nil
}
