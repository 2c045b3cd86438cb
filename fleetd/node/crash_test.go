package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/internal/clock"
)

// The crash test: a child process runs random operations against a node
// and prints each one before it starts ("try") and once acknowledged
// ("ack"); the parent kills it with SIGKILL after a random number of
// acknowledgements, reopens the data directory and checks that every
// acknowledged operation is there, that at most the one operation in
// flight was added, and that the fleet index answers as the state says.

const childEnv = "FLEETLAB_NODE_CRASH_DIR"

type crashOp struct {
	ID    int    `json:"id"`
	Kind  string `json:"kind"` // create, shadow, delete
	Thing string `json:"thing"`
}

// model is what the acknowledged operations say the state is.
type model struct {
	things  map[string]bool
	shadows map[string]int // thing → seq of its last shadow update
}

func (m model) clone() model {
	return model{things: maps.Clone(m.things), shadows: maps.Clone(m.shadows)}
}

func (m model) apply(op crashOp) {
	switch op.Kind {
	case "create":
		m.things[op.Thing] = true
	case "delete":
		delete(m.things, op.Thing)
	case "shadow":
		m.shadows[op.Thing] = op.ID
	}
}

func openNode(t testing.TB, dir string) *Node {
	n, err := Open(Options{Dir: dir, Core: core.Options{Seed: 1}, Clock: clock.Real{}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashChild is the child's body; it runs only under the parent.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs as the child of TestCrashRecovery")
	}
	first, _ := strconv.Atoi(os.Getenv("FLEETLAB_NODE_CRASH_FIRST"))
	n := openNode(t, dir)
	out := bufio.NewWriter(os.Stdout)
	r := rand.New(rand.NewPCG(uint64(first), 9))
	if first == 0 {
		err := n.Do(func(c *core.Core, now time.Time) error {
			return c.UpdateIndexingConfiguration(now, core.IndexingConfiguration{ThingIndexingConfiguration: &core.ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for id := first; ; id++ {
		op := crashOp{ID: id, Thing: fmt.Sprintf("t%02d", r.IntN(40))}
		switch k := r.IntN(10); {
		case k < 3:
			op.Kind = "create"
		case k < 9:
			op.Kind = "shadow"
		default:
			op.Kind = "delete"
		}
		b, _ := json.Marshal(op)
		fmt.Fprintf(out, "try %s\n", b)
		out.Flush()
		err := n.Do(func(c *core.Core, now time.Time) error {
			switch op.Kind {
			case "create":
				_, err := core.Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: op.Thing})
				return err
			case "delete":
				return core.DoErr(c, now, (*registry.Registry).DeleteThing, registry.DeleteThingRequest{ThingName: op.Thing})
			}
			_, err := c.UpdateThingShadow(now, core.FromHTTP, op.Thing, "", []byte(fmt.Sprintf(`{"state":{"reported":{"seq":%d}}}`, op.ID)))
			return err
		})
		if err != nil {
			t.Fatalf("op %+v: %v", op, err)
		}
		fmt.Fprintf(out, "ack %d\n", op.ID)
		out.Flush()
	}
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	rounds := 3
	if s := os.Getenv("FLEETLAB_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	m := model{things: map[string]bool{}, shadows: map[string]int{}}
	r := rand.New(rand.NewPCG(1, 1))
	next := 0
	for round := range rounds {
		acked, inFlight := runChild(t, dir, next, 50+r.IntN(250))
		for _, op := range acked {
			m.apply(op)
		}
		// At most the operation in flight may have landed too.
		with := m.clone()
		if inFlight != nil {
			with.apply(*inFlight)
		}
		n := openNode(t, dir)
		got := observe(t, n)
		switch {
		case sameModel(got, m):
		case inFlight != nil && sameModel(got, with):
			m = with
		default:
			t.Fatalf("round %d: restored state %v differs from the acknowledged %v (in flight: %+v)", round, got, m, inFlight)
		}
		checkIndex(t, n, m)
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		if len(acked) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing", round)
		}
		next = acked[len(acked)-1].ID + 2
	}
}

// runChild runs the child until it acknowledged kill operations, kills it
// with SIGKILL and returns what it acknowledged and the operation it had in
// flight, if any.
func runChild(t *testing.T, dir string, first, kill int) (acked []crashOp, inFlight *crashOp) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, fmt.Sprintf("FLEETLAB_NODE_CRASH_FIRST=%d", first))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tried := map[int]crashOp{}
	var last *crashOp
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "try "):
			var op crashOp
			if err := json.Unmarshal([]byte(line[4:]), &op); err != nil {
				t.Fatalf("child wrote %q: %v", line, err)
			}
			tried[op.ID] = op
			last = &op
		case strings.HasPrefix(line, "ack "):
			id, _ := strconv.Atoi(line[4:])
			acked = append(acked, tried[id])
			last = nil
			if len(acked) == kill && !killed {
				cmd.Process.Kill() // SIGKILL
				killed = true
			}
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child ended before it was killed, after %d acknowledgements", len(acked))
	}
	return acked, last
}

func observe(t *testing.T, n *Node) model {
	m := model{things: map[string]bool{}, shadows: map[string]int{}}
	n.Read(func(c *core.Core, now time.Time) error {
		for _, name := range thingNames() {
			if _, ok := c.Registry().ThingID(name); ok {
				m.things[name] = true
			}
			if doc, err := c.GetThingShadow(now, core.FromHTTP, name, "", nil); err == nil {
				var s struct {
					State struct {
						Reported struct{ Seq int } `json:"reported"`
					} `json:"state"`
				}
				if err := json.Unmarshal(doc, &s); err != nil {
					t.Fatal(err)
				}
				m.shadows[name] = s.State.Reported.Seq
			}
		}
		return nil
	})
	return m
}

func thingNames() []string {
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("t%02d", i)
	}
	return names
}

func sameModel(a, b model) bool {
	return maps.Equal(a.things, b.things) && maps.Equal(a.shadows, b.shadows)
}

// checkIndex compares search answers with the state: every registered
// thing, and those with a shadow seq in a range.
func checkIndex(t *testing.T, n *Node, m model) {
	n.Read(func(c *core.Core, now time.Time) error {
		for _, q := range []struct {
			query string
			want  func(thing string) bool
		}{
			{"*", func(string) bool { return true }},
			{"shadow.reported.seq >= 100", func(th string) bool { s, ok := m.shadows[th]; return ok && s >= 100 }},
			{"NOT shadow.reported.seq:*", func(th string) bool { _, ok := m.shadows[th]; return !ok }},
		} {
			resp, err := c.SearchIndex(core.SearchIndexRequest{QueryString: q.query, MaxResults: 500})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, d := range resp.Things {
				got = append(got, d.ThingName)
			}
			for th := range m.things {
				if q.want(th) {
					want = append(want, th)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("after restart, %s = %v; want %v", q.query, got, want)
			}
		}
		return nil
	})
}
