// Command fleetbench benchmarks FleetLab components on fleets of any size.
//
//	fleetbench index (--docs FILE.jsonl | --synthetic N [--seed S]) [--config indexing.json]
//	                 (--query Q ... | --queries FILE)
//	                 [--agg statistics|percentiles|cardinality|buckets --field F
//	                  [--percents 1,50,99] [--max-buckets N]]
//	                 [--names] [--repeat R] [--json] [--scan-limit N]
//
// Exit status: 0 on success, 1 when the index and the naive scan disagree,
// 2 on a usage error, unreadable input or an invalid query.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fleetlab/fleetlab/bench/indexbench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: fleetbench index [flags]   (fleetbench index -h for the flags)")
		return indexbench.ExitInvalid
	}
	switch args[0] {
	case "index":
		return runIndex(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: fleetbench index [flags]   (fleetbench index -h for the flags)")
		return 0
	}
	fmt.Fprintf(stderr, "fleetbench: unknown command %q (known: index)\n", args[0])
	return indexbench.ExitInvalid
}

// multi collects a repeatable string flag.
type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func runIndex(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleetbench index", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o indexbench.Options
	var queries multi
	var percents string
	fs.StringVar(&o.DocsFile, "docs", "", "thing documents, one JSON object per line (SearchIndex shape)")
	fs.IntVar(&o.Synthetic, "synthetic", 0, "build a synthetic fleet of `N` things instead")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the synthetic fleet")
	fs.StringVar(&o.ConfigFile, "config", "", "indexing configuration JSON (UpdateIndexingConfiguration body or ThingIndexingConfiguration); default: everything indexed")
	fs.Var(&queries, "query", "a query (repeatable)")
	fs.StringVar(&o.QueriesFile, "queries", "", "file of queries, one per line")
	fs.StringVar(&o.Agg, "agg", "", "aggregation: statistics, percentiles, cardinality or buckets")
	fs.StringVar(&o.Field, "field", "", "aggregation field")
	fs.StringVar(&percents, "percents", "", "percentiles to compute, e.g. 1,50,99 (default AWS's 1,5,25,50,75,95,99)")
	fs.IntVar(&o.MaxBuckets, "max-buckets", 0, "buckets aggregation maxBuckets (default 10)")
	fs.BoolVar(&o.Names, "names", false, "print the matching thingNames")
	fs.IntVar(&o.Repeat, "repeat", 10, "runs per query for the latency percentiles")
	fs.BoolVar(&o.JSON, "json", false, "one JSON object per query")
	fs.IntVar(&o.ScanLimit, "scan-limit", 0, "largest fleet scanned in full by the naive baseline (default 2000000; -1 disables the scan)")
	if err := fs.Parse(args); err != nil {
		return indexbench.ExitInvalid
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fleetbench index: unexpected argument %q\n", fs.Arg(0))
		return indexbench.ExitInvalid
	}
	o.Queries = queries
	if percents != "" {
		p, err := indexbench.ParsePercents(percents)
		if err != nil {
			fmt.Fprintf(stderr, "fleetbench index: %v\n", err)
			return indexbench.ExitInvalid
		}
		o.Percents = p
	}
	return indexbench.Run(o, stdout, stderr)
}
