package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The crash test runs its own test binary as a child process that commits
// batches from several goroutines and prints each acknowledged batch id;
// the parent kills it with SIGKILL after a random number of
// acknowledgements, reopens the store and checks that every acknowledged
// batch is wholly present and that no batch is partly present. It repeats
// this for several rounds on the same directory.
//
// Every batch <id> (id = round-goroutine-seq, fixed width, so ids of one
// goroutine sort in commit order) writes, in random order:
//
//	b/<id>/<i>     for i < n: the id plus random padding
//	m/<id>         n, the marker
//	g/<g>          id: the goroutine's latest batch (an overwrite)
//	t/<g>/<id>     id, and deletes t/<g>/<previous id> (a delete)
//
// so that after a crash b/<id>/* must be all there or none, with its
// marker; g/<g> names the newest batch of goroutine g and t/<g>/ holds
// exactly that one key.

const (
	crashDirEnv   = "FLEETLAB_STORE_CRASH_DIR"
	crashRoundEnv = "FLEETLAB_STORE_CRASH_ROUND"
	crashSeedEnv  = "FLEETLAB_STORE_CRASH_SEED"
	crashGEnv     = "FLEETLAB_STORE_CRASH_GOROUTINES"
)

// crashOptions is how both parent and child open the store: a small
// memtable so that flushes to sstables happen during the rounds too.
var crashOptions = Options{MemTableSize: 1 << 20, MaxGroup: 64}

type crashScale struct {
	rounds, goroutines, minAcks, maxAcks int
}

func crashScaleFromEnv(t *testing.T) crashScale {
	sc := crashScale{rounds: 4, goroutines: 8, minAcks: 20, maxAcks: 400}
	if os.Getenv("FLEETLAB_BENCH_THINGS") != "" {
		sc = crashScale{rounds: 20, goroutines: 32, minAcks: 100, maxAcks: 20000}
	}
	if v := os.Getenv("FLEETLAB_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FLEETLAB_CRASH_ROUNDS=%q: want a positive number", v)
		}
		sc.rounds = n
		sc.maxAcks = max(sc.maxAcks, 5000)
	}
	return sc
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in a crash child")
	}
	sc := crashScaleFromEnv(t)
	seed := rand.Uint64()
	t.Logf("seed %d, %+v", seed, sc)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	acked := map[string]int{} // batch id → number of b/ keys, over all rounds
	for round := range sc.rounds {
		kill := sc.minAcks + rng.IntN(sc.maxAcks-sc.minAcks+1)
		n := runCrashChild(t, dir, round, rng.Uint64(), sc.goroutines, kill, acked)
		s := open(t, dir, crashOptions)
		checkCrashState(t, round, loadAll(t, s), acked)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed after %d acks (%d read in all), %d batches acknowledged so far", round, kill, n, len(acked))
		if t.Failed() {
			return
		}
	}
}

// runCrashChild starts the child, reads its acknowledgements into acked,
// kills it with SIGKILL at the kill-th one, reads what it had printed
// before dying and waits for it. It returns the acknowledgements read.
func runCrashChild(t *testing.T, dir string, round int, seed uint64, goroutines, kill int, acked map[string]int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		crashDirEnv+"="+dir,
		crashRoundEnv+"="+strconv.Itoa(round),
		crashSeedEnv+"="+strconv.FormatUint(seed, 10),
		crashGEnv+"="+strconv.Itoa(goroutines),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := 0
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			continue // the test framework's own lines
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		acked[f[1]] = size
		n++
		if n == kill {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading child: %v", err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !killed || !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended with %v after %d acks (killed: %v); stderr:\n%s", round, err, n, killed, stderr.String())
	}
	return n
}

// checkCrashState checks the records after a crash against the batches
// acknowledged so far.
func checkCrashState(t *testing.T, round int, recs []record, acked map[string]int) {
	t.Helper()
	markers := map[string]int{}
	bkeys := map[string]int{}
	latest := map[string]string{}  // g → id
	tkeys := map[string][]string{} // g → ids
	for _, r := range recs {
		parts := strings.Split(r.Key, "/")
		switch {
		case parts[0] == "m" && len(parts) == 2:
			n, err := strconv.Atoi(r.Value)
			if err != nil {
				t.Errorf("round %d: %s = %q", round, r.Key, r.Value)
			}
			markers[parts[1]] = n
		case parts[0] == "b" && len(parts) == 3:
			if !strings.HasPrefix(r.Value, parts[1]) {
				t.Errorf("round %d: %s = %.40q…; want the batch id first", round, r.Key, r.Value)
			}
			bkeys[parts[1]]++
		case parts[0] == "g" && len(parts) == 2:
			latest[parts[1]] = r.Value
		case parts[0] == "t" && len(parts) == 3:
			if r.Value != parts[2] {
				t.Errorf("round %d: %s = %q", round, r.Key, r.Value)
			}
			tkeys[parts[1]] = append(tkeys[parts[1]], parts[2])
		default:
			t.Errorf("round %d: unexpected key %q", round, r.Key)
		}
	}
	for id, n := range bkeys {
		if want, ok := markers[id]; !ok || n != want {
			t.Errorf("round %d: batch %s partly present: %d b/ keys, marker %d (present: %v)", round, id, n, want, ok)
		}
	}
	for id, n := range markers {
		if bkeys[id] != n {
			t.Errorf("round %d: batch %s partly present: marker %d, %d b/ keys", round, id, n, bkeys[id])
		}
	}
	newestAcked := map[string]string{} // g → newest acknowledged id
	for id, n := range acked {
		if got, ok := markers[id]; !ok || got != n {
			t.Errorf("round %d: acknowledged batch %s (%d keys) lost: marker %d, present %v, %d b/ keys", round, id, n, got, ok, bkeys[id])
		}
		g := goroutineOf(id)
		newestAcked[g] = max(newestAcked[g], id)
	}
	for id := range markers {
		g := goroutineOf(id)
		if id > latest[g] {
			t.Errorf("round %d: batch %s present but g/%s = %q names an older one", round, id, g, latest[g])
		}
	}
	for g, id := range latest {
		if _, ok := markers[id]; !ok {
			t.Errorf("round %d: g/%s = %s, a batch that is not present", round, g, id)
		}
		if ts := tkeys[g]; len(ts) != 1 || ts[0] != id {
			t.Errorf("round %d: t/%s/ holds %q; want only %s", round, g, ts, id)
		}
		if id < newestAcked[g] {
			t.Errorf("round %d: g/%s = %s, older than acknowledged %s", round, g, id, newestAcked[g])
		}
	}
	for g := range newestAcked {
		if _, ok := latest[g]; !ok {
			t.Errorf("round %d: g/%s missing", round, g)
		}
	}
}

// goroutineOf returns the goroutine part of a batch id "rrr-gg-sssssss":
// the goroutine index, kept across rounds.
func goroutineOf(id string) string {
	_, rest, _ := strings.Cut(id, "-")
	g, _, _ := strings.Cut(rest, "-")
	return g
}

// TestCrashChild is the child of TestCrash; it does nothing unless run by
// it. It commits until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	goroutines, _ := strconv.Atoi(os.Getenv(crashGEnv))
	s, err := Open(dir, crashOptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			gk := fmt.Sprintf("%02d", g)
			prev, _, err := s.Get("g/" + gk)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			// Bounded, in case nobody kills us; the parent kills far sooner.
			for seq := range 1_000_000 {
				id := fmt.Sprintf("%03d-%s-%07d", round, gk, seq)
				n := 1 + rng.IntN(8)
				batch := make([]Mutation, 0, n+4)
				for i := range n {
					v := append([]byte(id), bytes.Repeat([]byte{'.'}, rng.IntN(1024))...)
					batch = append(batch, Mutation{Key: fmt.Sprintf("b/%s/%d", id, i), Value: v})
				}
				batch = append(batch,
					put("m/"+id, strconv.Itoa(n)),
					put("g/"+gk, id),
					put("t/"+gk+"/"+id, id))
				if prev != nil {
					batch = append(batch, del("t/"+gk+"/"+string(prev)))
				}
				rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
				if err := s.Commit(batch); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				// One write call per line: lines from several goroutines
				// never interleave.
				if _, err := fmt.Fprintf(os.Stdout, "ack %s %d\n", id, n); err != nil {
					os.Exit(1)
				}
				prev = []byte(id)
			}
		})
	}
	wg.Wait()
	s.Close()
}
