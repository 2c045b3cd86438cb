// Command fleetsim checks scenario files for the FleetLab simulator and
// prints their JSON Schema. The format is documented in SCENARIOS.md at the
// repository root and implemented by sim/scenario; this command only wires
// flags, output and exit codes to it.
//
//	fleetsim validate scenarios/*.yaml   # 0: all valid (warnings allowed); 2: invalid or usage
//	fleetsim schema > scenario.schema.json
//
// Errors print as "file:line:col: message", one per line, on stderr;
// warnings likewise, prefixed "warning: ". The simulator itself (fleetsim
// run) is not available yet.
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
	exitOK    = 0
	exitUsage = 2 // invalid scenario or usage error
)

const usage = `usage: fleetsim COMMAND [ARGS]

Commands:
  validate FILE...  check scenario files without running them; print
                    file:line:col: errors and warnings to stderr
  schema            print the JSON Schema (draft 2020-12) of the scenario
                    format, for editors
  run: not available yet (the simulator does not exist yet)

Exit status: 0 on success, 2 for an invalid scenario or a usage error.
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
	default:
		fmt.Fprintf(stderr, "fleetsim: unknown command %q; known commands: validate, schema\n", cmd)
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
