package main

import (
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	var (
		keys       = flag.Int("keys", 1_000_000, "records to populate")
		writers    = flag.String("writers", "16,64,256", "comma-separated writer goroutine counts")
		duration   = flag.Duration("duration", 20*time.Second, "length of each write run")
		engines    = flag.String("engines", "bbolt,pebble,pebble-native", "engines to measure")
		dirFlag    = flag.String("dir", "", "parent directory for the stores (default: a temp dir, removed after)")
		dropCaches = flag.Bool("dropcaches", false, "also measure a cold load (writes /proc/sys/vm/drop_caches; needs root)")
		maxGroup   = flag.Int("maxgroup", 1024, "most commands per group")
		seed       = flag.Uint64("seed", 1, "random seed")
	)
	flag.IntVar(&tuning.memTableMB, "pebble-memtable-mb", 64, "pebble MemTableSize in MiB")
	flag.IntVar(&tuning.compactions, "pebble-compactions", 0, "pebble concurrent compactions, upper bound (0: pebble's default, 1)")
	flag.IntVar(&tuning.l0Stop, "pebble-l0-stop", 0, "pebble L0StopWritesThreshold (0: default, 12)")
	flag.IntVar(&tuning.l0Compact, "pebble-l0-compact", 0, "pebble L0CompactionThreshold (0: default, 4)")
	flag.IntVar(&tuning.memTableStop, "pebble-memtable-stop", 0, "pebble MemTableStopWritesThreshold (0: default, 2)")
	flag.BoolVar(&tuning.noCompression, "pebble-no-compression", false, "pebble: no block compression")
	flag.BoolVar(&tuning.valueSeparation, "pebble-value-separation", false, "pebble: separate values into blob files")
	flag.Parse()
	parent := *dirFlag
	if parent == "" {
		d, err := os.MkdirTemp("", "storechoice-")
		check(err)
		defer os.RemoveAll(d)
		parent = d
	}
	var ws []int
	for _, f := range strings.Split(*writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		ws = append(ws, n)
	}
	fmt.Printf("# storechoice: %d keys, writers %v, %s per run, GOMAXPROCS %d, %s, pebble %+v\n",
		*keys, ws, *duration, runtime.GOMAXPROCS(0), runtime.Version(), tuning)
	var rows []string
	for _, kind := range strings.Split(*engines, ",") {
		r := runEngine(kind, filepath.Join(parent, kind), *keys, ws, *duration, *dropCaches, *maxGroup, *seed)
		rows = append(rows, r...)
	}
	fmt.Println()
	fmt.Println("| engine | writers | cmds/s | mean group | p50 ms | p99 ms | p99.9 ms | max ms | CPU ms / 1k cmds |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		fmt.Println(r)
	}
}

func runEngine(kind, dir string, n int, ws []int, d time.Duration, drop bool, maxGroup int, seed uint64) []string {
	check(os.RemoveAll(dir))
	fmt.Printf("\n## %s\n", kind)

	// 1. Populate.
	e, err := openEngine(kind, dir)
	check(err)
	start := time.Now()
	rng := rand.New(rand.NewPCG(seed, 0))
	const chunk = 20_000
	batch := make([]kv, 0, chunk)
	var valueBytes int64
	for i := range n {
		v := shadowJSON(nil, rng, 1)
		valueBytes += int64(len(v))
		batch = append(batch, kv{key(i), v})
		if len(batch) == chunk || i == n-1 {
			check(e.apply([][]kv{batch}, false))
			batch = batch[:0]
		}
	}
	check(e.apply([][]kv{{{key(0), shadowJSON(nil, rng, 1)}}}, true))
	if p, ok := e.(*pebbleEngine); ok {
		check(p.flush())
	}
	fmt.Printf("populate: %d records (mean value %d B) in %s\n", n, valueBytes/int64(n), time.Since(start).Round(time.Millisecond))
	check(e.close())
	fmt.Printf("disk after populate: %s\n", diskUsage(dir, n))
	measureLoad(kind, dir, n, false)
	if drop {
		measureLoad(kind, dir, n, true)
	}

	// 2. Overwrite runs.
	var rows []string
	for _, w := range ws {
		e, err := openEngine(kind, dir)
		check(err)
		rows = append(rows, writeRun(kind, e, n, w, d, maxGroup, seed+uint64(w)))
		if p, ok := e.(*pebbleEngine); ok {
			fmt.Printf("pebble: %s\n", p.report())
		}
		check(e.close())
		fmt.Printf("disk after run: %s\n", diskUsage(dir, n))
	}

	// 3. Load after the overwrites (a restarted daemon).
	measureLoad(kind, dir, n, false)
	if drop {
		measureLoad(kind, dir, n, true)
	}
	return rows
}

func writeRun(kind string, e engine, n, writers int, d time.Duration, maxGroup int, seed uint64) string {
	var c *committer
	if kind != "pebble-native" {
		c = newCommitter(e, 4*maxGroup, maxGroup)
	}
	var (
		stop  atomic.Bool
		wg    sync.WaitGroup
		mu    sync.Mutex
		lat   []time.Duration
		total atomic.Int64
	)
	// Per-second completions, to see whether throughput holds up.
	secs := make([]atomic.Int64, int(d/time.Second)+2)
	cpu0 := cpuTime()
	load0 := loadAvg()
	begin := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			done := make(chan error, 1)
			local := make([]time.Duration, 0, 1<<16)
			for ver := 2; !stop.Load(); ver++ {
				k := key(rng.IntN(n))
				v := shadowJSON(make([]byte, 0, 384), rng, ver)
				t0 := time.Now()
				var err error
				if c != nil {
					err = c.commit([]kv{{k, v}}, done)
				} else {
					err = e.apply([][]kv{{{k, v}}}, true)
				}
				check(err)
				t1 := time.Now()
				local = append(local, t1.Sub(t0))
				total.Add(1)
				if s := int(t1.Sub(begin) / time.Second); s < len(secs) {
					secs[s].Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(begin)
	cpu := cpuTime() - cpu0
	meanGroup := "n/a"
	if c != nil {
		c.stop()
		meanGroup = fmt.Sprintf("%.1f", float64(c.cmds.Load())/float64(c.groups.Load()))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i]) / 1e6
	}
	rate := float64(total.Load()) / elapsed.Seconds()
	var perSec []string
	for i := range int(d / time.Second) {
		perSec = append(perSec, strconv.FormatInt(secs[i].Load(), 10))
	}
	cpuPerK := cpu.Seconds() * 1000 / float64(total.Load()) * 1000
	fmt.Printf("writers %d: %d cmds in %s = %.0f cmds/s, mean group %s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, CPU %.1f ms per 1k cmds, loadavg %s -> %s\n  per second: %s\n",
		writers, total.Load(), elapsed.Round(time.Millisecond), rate, meanGroup,
		pct(0.50), pct(0.99), pct(0.999), pct(1), cpuPerK, load0, loadAvg(), strings.Join(perSec, " "))
	return fmt.Sprintf("| %s | %d | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %.1f |",
		kind, writers, rate, meanGroup, pct(0.50), pct(0.99), pct(0.999), pct(1), cpuPerK)
}

// measureLoad opens the engine and scans every record, as fleetd does at
// start. The values are copied out, as a loader that keeps them must.
func measureLoad(kind, dir string, n int, cold bool) {
	label := "warm"
	if cold {
		label = "cold"
		syscall.Sync()
		check(os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0))
	}
	start := time.Now()
	e, err := openEngine(kind, dir)
	check(err)
	opened := time.Since(start)
	count, bytes := 0, 0
	arena := make([]byte, 0, 64<<20)
	check(e.scan(func(k, v []byte) {
		count++
		bytes += len(k) + len(v)
		if len(arena)+len(v) > cap(arena) {
			arena = make([]byte, 0, 64<<20)
		}
		arena = append(arena, v...)
	}))
	total := time.Since(start)
	check(e.close())
	if count != n {
		check(fmt.Errorf("%s: loaded %d records, want %d", kind, count, n))
	}
	fmt.Printf("load (%s): %d records, %d MB, open %s + scan %s = %s\n", label, count, bytes>>20,
		opened.Round(time.Millisecond), (total - opened).Round(time.Millisecond), total.Round(time.Millisecond))
}

func diskUsage(dir string, n int) string {
	var apparent, allocated int64
	check(filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		apparent += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512
		}
		return nil
	}))
	return fmt.Sprintf("%d MB apparent, %d MB allocated, %.0f B/record (allocated)",
		apparent>>20, allocated>>20, float64(allocated)/float64(n))
}

// cpuTime is the CPU time (user + system) this process has used, which
// says what a command costs even when other processes share the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the one-minute load average, to show whether the machine was
// shared during a run.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func key(i int) []byte {
	return fmt.Appendf(nil, "shadow/thing-%07d/", i)
}

var firmwares = []string{"1.9.4", "2.0.0", "2.0.1", "2.1.0", "2.1.1-rc1"}

// shadowJSON appends a ~300-byte shadow document with random readings, in
// the shape fleetd stores (state, metadata, version, timestamp).
func shadowJSON(b []byte, rng *rand.Rand, version int) []byte {
	ts := 1_760_000_000 + rng.IntN(10_000_000)
	temp := strconv.FormatFloat(15+rng.Float64()*70, 'f', 1, 64)
	bat := rng.IntN(101)
	fw := firmwares[rng.IntN(len(firmwares))]
	b = append(b, `{"state":{"desired":{"firmware_version":"`...)
	b = append(b, fw...)
	b = append(b, `","interval":60},"reported":{"temperature":`...)
	b = append(b, temp...)
	b = append(b, `,"battery":`...)
	b = strconv.AppendInt(b, int64(bat), 10)
	b = append(b, `,"firmware_version":"`...)
	b = append(b, fw...)
	b = append(b, `","rssi":-`...)
	b = strconv.AppendInt(b, int64(40+rng.IntN(60)), 10)
	b = append(b, `,"interval":60}},"metadata":{"reported":{"temperature":{"timestamp":`...)
	b = strconv.AppendInt(b, int64(ts), 10)
	b = append(b, `},"battery":{"timestamp":`...)
	b = strconv.AppendInt(b, int64(ts), 10)
	b = append(b, `},"firmware_version":{"timestamp":`...)
	b = strconv.AppendInt(b, int64(ts-rng.IntN(100_000)), 10)
	b = append(b, `}}},"version":`...)
	b = strconv.AppendInt(b, int64(version), 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, int64(ts), 10)
	b = append(b, '}')
	return b
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "storechoice:", err)
		os.Exit(1)
	}
}
