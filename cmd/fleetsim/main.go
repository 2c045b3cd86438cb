// Command fleetsim rehearses fleet operations: it runs scenario files on a
// simulated fleet (sim/engine driving the fleetd core on a virtual clock),
// checks them, and prints their JSON Schema. The format is documented in
// SCENARIOS.md at the repository root and implemented by sim/scenario; this
// command only wires flags, output and exit codes to the packages.
//
//	fleetsim run scenarios/x.yaml [--seed N] [--scale F] [--shard i/n] [--report DIR] [--quiet]
//	                                     # 0: expectations met; 1: one failed; 2: invalid or usage
//	fleetsim merge scenarios/x.yaml s0/report.json s1/report.json [--report DIR]
//	fleetsim validate scenarios/*.yaml   # 0: all valid (warnings allowed); 2: invalid or usage
//	fleetsim schema > scenario.schema.json
//
// Errors print as "file:line:col: message", one per line, on stderr;
// warnings likewise, prefixed "warning: ". run prints a summary table on
// stdout, live progress on stderr when it is a terminal, and with --report
// writes DIR/report.json and DIR/report.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // an expectation failed
	exitUsage  = 2 // invalid scenario or usage error
)

const usage = `usage: fleetsim COMMAND [ARGS]

Commands:
  validate FILE...  check scenario files without running them; print
                    file:line:col: errors and warnings to stderr
  schema            print the JSON Schema (draft 2020-12) of the scenario
                    format, for editors
  run FILE [--seed N] [--scale F] [--shard i/n] [--report DIR] [--quiet]
                    simulate the scenario and check its expectations;
                    --report writes DIR/report.json and DIR/report.md;
                    --shard runs one of n disjoint slices of the devices
  merge FILE SHARD/report.json... [--report DIR] [--quiet]
                    combine shard reports and check the expectations

Exit status: 0 on success (run: every expectation met), 1 when an
expectation failed, 2 for an invalid scenario or a usage error.
The scenario format is documented in SCENARIOS.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args (without the program name) and
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "validate":
		return validate(rest, stdout, stderr)
	case "schema":
		return schema(rest, stdout, stderr)
	case "run":
		return runScenario(rest, stdout, stderr)
	case "merge":
		return merge(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "fleetsim: unknown command %q; known commands: run, merge, validate, schema\n", cmd)
		return exitUsage
	}
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fleetsim validate FILE...")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "fleetsim validate: no scenario file given")
		fs.Usage()
		return exitUsage
	}
	status := exitOK
	for _, file := range fs.Args() {
		sc, err := scenario.Load(file)
		if err != nil {
			status = exitUsage
			var el *scenario.ErrorList
			if !errors.As(err, &el) {
				fmt.Fprintf(stderr, "%s: %v\n", file, err)
				continue
			}
			for _, e := range el.Errors {
				fmt.Fprintln(stderr, e.Error())
			}
			printWarnings(stderr, el.Warnings)
			continue
		}
		printWarnings(stderr, sc.Warnings)
		fmt.Fprintf(stdout, "%s: ok (%d devices, %d timeline actions, %d expectations)\n",
			file, sc.Devices(), len(sc.Timeline), len(sc.Expect))
	}
	return status
}

func printWarnings(w io.Writer, warns []scenario.Error) {
	for _, e := range warns {
		fmt.Fprintln(w, "warning: "+e.Error())
	}
}

func schema(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "fleetsim schema: takes no arguments, found %q\n", args[0])
		return exitUsage
	}
	if _, err := stdout.Write(scenario.JSONSchema()); err != nil {
		fmt.Fprintln(stderr, "fleetsim schema:", err)
		return 1
	}
	return exitOK
}
