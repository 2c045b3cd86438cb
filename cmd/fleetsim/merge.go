package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fleetlab/fleetlab/report"
)

// merge is `fleetsim merge FILE REPORT.json...`: the shard reports of one
// run (fleetsim run --shard i/n --report DIR) combined, and the scenario's
// expectations checked against the whole.
func merge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reportDir := fs.String("report", "", "write the merged report.json and report.md into `DIR`")
	quiet := fs.Bool("quiet", false, "no summary table: only the verdict line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fleetsim merge FILE SHARD/report.json... [--report DIR] [--quiet]")
		fs.PrintDefaults()
	}
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) < 2 {
		fmt.Fprintln(stderr, "fleetsim merge: expected the scenario file and at least one shard report")
		fs.Usage()
		return exitUsage
	}
	sc, ok := loadScenario(files[0], stderr)
	if !ok {
		return exitUsage
	}
	var shards []*report.Report
	for _, f := range files[1:] {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "fleetsim merge: %v\n", err)
			return exitUsage
		}
		r, err := report.Read(data)
		if err != nil {
			fmt.Fprintf(stderr, "fleetsim merge: %s: %v\n", f, err)
			return exitUsage
		}
		shards = append(shards, r)
	}
	rep, err := report.Merge(shards)
	if err != nil {
		fmt.Fprintf(stderr, "fleetsim merge: %v\n", err)
		return exitUsage
	}
	if rep.Scenario != sc.Name {
		fmt.Fprintf(stderr, "fleetsim merge: the reports are of scenario %q, %s is %q\n", rep.Scenario, files[0], sc.Name)
		return exitUsage
	}
	report.Evaluate(rep, sc.Expect)
	return conclude(rep, *reportDir, *quiet, stdout, stderr)
}
