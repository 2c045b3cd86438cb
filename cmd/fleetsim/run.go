package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/engine"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// runScenario is `fleetsim run FILE [flags]`; flags may come before or
// after FILE.
func runScenario(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 0, "RNG seed (default: the scenario's seed:)")
	scale := fs.Float64("scale", 1, "multiply every cohort's count by `F`")
	reportDir := fs.String("report", "", "write report.json and report.md into `DIR`")
	quiet := fs.Bool("quiet", false, "no live progress and no summary table: only the verdict line")
	shardFlag := fs.String("shard", "", "run only shard `i/n` of the devices (0 ≤ i < n); combine with fleetsim merge")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile taken at the end of the run to `FILE`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fleetsim run FILE [--seed N] [--scale F] [--shard i/n] [--report DIR] [--quiet] [--cpuprofile FILE] [--memprofile FILE]")
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
	if len(files) != 1 {
		fmt.Fprintf(stderr, "fleetsim run: expected one scenario file, found %d\n", len(files))
		fs.Usage()
		return exitUsage
	}
	if !(*scale > 0) || math.IsInf(*scale, 0) {
		fmt.Fprintf(stderr, "fleetsim run: --scale must be a positive number, found %v\n", *scale)
		return exitUsage
	}
	var shard engine.Shard
	if *shardFlag != "" {
		if _, err := fmt.Sscanf(*shardFlag, "%d/%d", &shard.Index, &shard.Count); err != nil || shard.Count < 1 || shard.Index < 0 || shard.Index >= shard.Count {
			fmt.Fprintf(stderr, "fleetsim run: --shard must be i/n with 0 <= i < n, found %q\n", *shardFlag)
			return exitUsage
		}
	}
	sc, ok := loadScenario(files[0], stderr)
	if !ok {
		return exitUsage
	}
	if *scale != 1 {
		sc = sc.Scaled(*scale)
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
	if setFlags["seed"] {
		sc = sc.WithSeed(*seed)
	}
	if os.Getenv("GOGC") == "" {
		// The simulator's garbage is short-lived JSON; trading memory for
		// fewer collections speeds a run by about a quarter.
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// ... but not past the 8 GiB a big run may take: near the limit
		// the collector works harder instead.
		debug.SetMemoryLimit(6 << 30)
	}
	opts := engine.Options{Shard: shard}
	if f, ok := stderr.(*os.File); ok && !*quiet {
		if live := report.NewLive(f); live != nil {
			opts.Progress = live.Update
			defer live.Done()
		}
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintf(stderr, "fleetsim run: %v\n", err)
		return exitUsage
	}
	sim, err := engine.New(sc, opts)
	if err != nil {
		fmt.Fprintf(stderr, "fleetsim run: %s: %v\n", files[0], err)
		return exitUsage
	}
	rep := sim.Run()
	// The heap profile is written while the simulated fleet is still live.
	if perr := stopProfiles(); perr != nil {
		fmt.Fprintf(stderr, "fleetsim run: %v\n", perr)
	}
	runtime.KeepAlive(sim)
	return conclude(rep, *reportDir, *quiet, stdout, stderr)
}

// conclude writes the reports and the verdict of a run or a merge and
// returns the exit status.
func conclude(rep *report.Report, reportDir string, quiet bool, stdout, stderr io.Writer) int {
	if reportDir != "" {
		if err := writeReports(reportDir, rep); err != nil {
			fmt.Fprintf(stderr, "fleetsim: %v\n", err)
			return exitUsage
		}
	}
	if quiet {
		fmt.Fprintf(stdout, "%s: %s\n", rep.Scenario, map[bool]string{true: "PASSED", false: "FAILED"}[rep.Passed])
		for _, e := range rep.Expectations {
			if !e.Passed {
				fmt.Fprintf(stdout, "FAIL %s: %s\n", e.Expect, e.Detail)
			}
		}
	} else if err := report.WriteSummary(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "fleetsim: %v\n", err)
	}
	if !rep.Passed {
		return exitFailed
	}
	return exitOK
}

func writeReports(dir string, rep *report.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), js, 0o644); err != nil {
		return fmt.Errorf("writing report.json: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return fmt.Errorf("writing report.md: %w", err)
	}
	if err := report.WriteMarkdown(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("writing report.md: %w", err)
	}
	return f.Close()
}

// startProfiles starts a CPU profile into cpuFile (when set) and returns
// the function that stops it and writes a heap profile into memFile (when
// set); the heap profile is taken while the run's state is still live.
func startProfiles(cpuFile, memFile string) (stop func() error, err error) {
	var cpu *os.File
	if cpuFile != "" {
		if cpu, err = os.Create(cpuFile); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				errs = append(errs, fmt.Errorf("cpu profile: %w", err))
			}
		}
		if memFile != "" {
			// Without a collection first, the profile would count as live
			// whatever was allocated during the last one's mark phase.
			runtime.GC()
			f, err := os.Create(memFile)
			if err == nil {
				err = pprof.Lookup("heap").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("heap profile: %w", err))
			}
		}
		return errors.Join(errs...)
	}, nil
}

// loadScenario loads a scenario, printing its errors and warnings.
func loadScenario(file string, stderr io.Writer) (*scenario.Scenario, bool) {
	sc, err := scenario.Load(file)
	if err != nil {
		var el *scenario.ErrorList
		if !errors.As(err, &el) {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
			return nil, false
		}
		for _, e := range el.Errors {
			fmt.Fprintln(stderr, e.Error())
		}
		printWarnings(stderr, el.Warnings)
		return nil, false
	}
	printWarnings(stderr, sc.Warnings)
	return sc, true
}
