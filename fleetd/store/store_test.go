package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// record is one key-value pair as Load returns it.
type record struct {
	Key, Value string
}

func put(k, v string) Mutation { return Mutation{Key: k, Value: []byte(v)} }
func del(k string) Mutation    { return Mutation{Key: k} }

func open(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	return s
}

func scanAll(t testing.TB, s *Store, prefix string) []record {
	t.Helper()
	var got []record
	err := s.Scan(prefix, func(k string, v []byte) error {
		got = append(got, record{k, string(v)})
		return nil
	})
	if err != nil {
		t.Fatalf("Scan(%q) = %v", prefix, err)
	}
	return got
}

func loadAll(t testing.TB, s *Store) []record {
	t.Helper()
	var got []record
	if err := s.Load(func(k string, v []byte) error {
		got = append(got, record{k, string(v)})
		return nil
	}); err != nil {
		t.Fatalf("Load = %v", err)
	}
	return got
}

func TestCommitAndLoad(t *testing.T) {
	tests := []struct {
		name    string
		commits [][]Mutation
		want    []record
	}{
		{
			name:    "empty store",
			commits: nil,
			want:    nil,
		},
		{
			name:    "put",
			commits: [][]Mutation{{put("thing/a", `{"v":1}`)}},
			want:    []record{{"thing/a", `{"v":1}`}},
		},
		{
			name: "load is in key order",
			commits: [][]Mutation{
				{put("thing/c", "3"), put("shadow/a/", "s"), put("thing/a", "1")},
				{put("thing/b", "2")},
			},
			want: []record{{"shadow/a/", "s"}, {"thing/a", "1"}, {"thing/b", "2"}, {"thing/c", "3"}},
		},
		{
			name:    "overwrite in a later commit",
			commits: [][]Mutation{{put("k", "old")}, {put("k", "new")}},
			want:    []record{{"k", "new"}},
		},
		{
			name:    "later mutation of one commit wins",
			commits: [][]Mutation{{put("k", "1"), put("k", "2"), put("k", "3")}},
			want:    []record{{"k", "3"}},
		},
		{
			name:    "delete",
			commits: [][]Mutation{{put("a", "1"), put("b", "2")}, {del("a")}},
			want:    []record{{"b", "2"}},
		},
		{
			name:    "delete then put in one commit",
			commits: [][]Mutation{{put("a", "1")}, {del("a"), put("a", "2")}},
			want:    []record{{"a", "2"}},
		},
		{
			name:    "put then delete in one commit",
			commits: [][]Mutation{{put("a", "1"), del("a")}},
			want:    nil,
		},
		{
			name:    "delete of a missing key",
			commits: [][]Mutation{{del("nothing")}},
			want:    nil,
		},
		{
			name:    "empty value is a record",
			commits: [][]Mutation{{{Key: "e", Value: []byte{}}}},
			want:    []record{{"e", ""}},
		},
		{
			name:    "empty commit",
			commits: [][]Mutation{{}, nil},
			want:    nil,
		},
		{
			name:    "binary keys and values",
			commits: [][]Mutation{{put("k\xff\x00", "\x00\x01"), put("k\x00", "z")}},
			want:    []record{{"k\x00", "z"}, {"k\xff\x00", "\x00\x01"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, Options{})
			for i, c := range tt.commits {
				if err := s.Commit(c); err != nil {
					t.Fatalf("Commit #%d = %v", i, err)
				}
			}
			if diff := cmp.Diff(tt.want, loadAll(t, s)); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			s = open(t, dir, Options{})
			defer s.Close()
			if diff := cmp.Diff(tt.want, loadAll(t, s)); diff != "" {
				t.Errorf("Load after reopen (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanAndGet(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	err := s.Commit([]Mutation{
		put("shadow/a/", "sa"), put("shadow/a/config", "sac"), put("shadow/b/", "sb"),
		put("thing/a", "ta"), put("thing/b", "tb"), put("thingGroup/g", "g"),
		put("\xff\xff", "ff"), put("\xff\xff\x01", "ff1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	scans := []struct {
		prefix string
		want   []string
	}{
		{"thing/", []string{"thing/a", "thing/b"}},
		{"thing", []string{"thing/a", "thing/b", "thingGroup/g"}},
		{"shadow/a/", []string{"shadow/a/", "shadow/a/config"}},
		{"shadow/c/", nil},
		{"zzz", nil},
		{"\xff\xff", []string{"\xff\xff", "\xff\xff\x01"}},
		{"", []string{"shadow/a/", "shadow/a/config", "shadow/b/", "thing/a", "thing/b", "thingGroup/g", "\xff\xff", "\xff\xff\x01"}},
	}
	for _, sc := range scans {
		var got []string
		for _, r := range scanAll(t, s, sc.prefix) {
			got = append(got, r.Key)
		}
		if !slices.Equal(got, sc.want) {
			t.Errorf("Scan(%q) keys = %q; want %q", sc.prefix, got, sc.want)
		}
	}
	gets := []struct {
		key   string
		want  string
		found bool
	}{
		{"thing/a", "ta", true},
		{"thing/", "", false},
		{"shadow/a/config", "sac", true},
		{"missing", "", false},
	}
	for _, g := range gets {
		v, ok, err := s.Get(g.key)
		if err != nil || ok != g.found || string(v) != g.want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q, %v, nil", g.key, v, ok, err, g.want, g.found)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a", "b"},
		{"thing/", "thing0"},
		{"a\xff", "b"},
		{"a\xff\xff", "b"},
		{"\xff", ""},
	}
	for _, tt := range tests {
		if got := string(prefixEnd([]byte(tt.in))); got != tt.want {
			t.Errorf("prefixEnd(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	if err := s.Commit([]Mutation{put("a", "1"), put("b", "2"), put("c", "3")}); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var seen []string
	err := s.Load(func(k string, _ []byte) error {
		seen = append(seen, k)
		if k == "b" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("Load = %v; want an error wrapping %v", err, stop)
	}
	if !slices.Equal(seen, []string{"a", "b"}) {
		t.Errorf("Load visited %q; want [a b]", seen)
	}
}

func TestCommitRejectsEmptyKey(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	if err := s.Commit([]Mutation{put("a", "1"), put("", "x")}); err == nil {
		t.Fatal("Commit with an empty key = nil; want an error")
	}
	if got := loadAll(t, s); len(got) != 0 {
		t.Errorf("after a rejected Commit, Load = %v; want nothing", got)
	}
	// The store still works.
	if err := s.Commit([]Mutation{put("a", "1")}); err != nil {
		t.Errorf("Commit after a rejected one = %v", err)
	}
}

func TestClosed(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit([]Mutation{put("a", "1")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Close = %v; want ErrClosed", err)
	}
	if _, _, err := s.Get("a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v; want ErrClosed", err)
	}
	if err := s.Load(func(string, []byte) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close = %v; want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v; want ErrClosed", err)
	}
}

func TestOpenTwiceFails(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	defer s.Close()
	if s2, err := Open(dir, Options{}); err == nil {
		s2.Close()
		t.Fatal("second Open of the same dir succeeded; want a lock error")
	}
}

// TestConcurrentCommits runs many goroutines, each committing batches of
// its own keys and overwriting one key it shares with nobody, plus reads in
// between; then checks every acknowledged batch, and that commits were
// grouped.
func TestConcurrentCommits(t *testing.T) {
	const goroutines, perG = 32, 60
	dir := t.TempDir()
	s := open(t, dir, Options{MaxGroup: 16})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range perG {
				n := 1 + rng.IntN(5)
				batch := make([]Mutation, 0, n+1)
				for j := range n {
					batch = append(batch, put(fmt.Sprintf("b/%02d/%03d/%d", g, i, j), fmt.Sprint(n)))
				}
				batch = append(batch, put(fmt.Sprintf("last/%02d", g), fmt.Sprint(i)))
				if err := s.Commit(batch); err != nil {
					t.Errorf("Commit = %v", err)
					return
				}
				if v, ok, err := s.Get(fmt.Sprintf("last/%02d", g)); err != nil || !ok || string(v) != fmt.Sprint(i) {
					t.Errorf("Get(last/%02d) after commit %d = %q, %v, %v", g, i, v, ok, err)
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Commits != goroutines*perG {
		t.Errorf("Stats().Commits = %d; want %d", st.Commits, goroutines*perG)
	}
	if st.Groups <= 0 || st.Groups > st.Commits || st.MeanGroupSize < 1 {
		t.Errorf("Stats() = %+v: groups out of range", st)
	}
	if st.DiskBytes == 0 {
		t.Errorf("Stats().DiskBytes = 0")
	}
	t.Logf("%d commits in %d groups (mean %.1f), %d mutations, %d bytes on disk",
		st.Commits, st.Groups, st.MeanGroupSize, st.Mutations, st.DiskBytes)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir, Options{})
	defer s.Close()
	checkBatches(t, loadAll(t, s), goroutines, perG)
}

// checkBatches checks the records written by TestConcurrentCommits: every
// batch b/g/i has all its keys (their value is the batch size) and
// last/g is perG-1.
func checkBatches(t *testing.T, recs []record, goroutines, perG int) {
	t.Helper()
	count := map[string]int{}
	size := map[string]string{}
	last := map[string]string{}
	for _, r := range recs {
		switch {
		case strings.HasPrefix(r.Key, "b/"):
			batch := r.Key[:strings.LastIndexByte(r.Key, '/')]
			count[batch]++
			size[batch] = r.Value
		case strings.HasPrefix(r.Key, "last/"):
			last[r.Key] = r.Value
		default:
			t.Errorf("unexpected key %q", r.Key)
		}
	}
	for g := range goroutines {
		for i := range perG {
			b := fmt.Sprintf("b/%02d/%03d", g, i)
			if fmt.Sprint(count[b]) != size[b] {
				t.Errorf("batch %s: %d keys, want %s", b, count[b], size[b])
			}
		}
		if k := fmt.Sprintf("last/%02d", g); last[k] != fmt.Sprint(perG-1) {
			t.Errorf("%s = %q; want %d", k, last[k], perG-1)
		}
	}
	if len(count) != goroutines*perG {
		t.Errorf("%d batches stored; want %d", len(count), goroutines*perG)
	}
}

// TestCloseDuringCommits closes the store while goroutines are committing:
// every Commit returns nil or ErrClosed, and after reopening every Commit
// that returned nil is there.
func TestCloseDuringCommits(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{QueueLen: 4})
	const goroutines = 16
	acked := make([][]string, goroutines)
	started := make(chan struct{}, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := 0; ; i++ {
				k := fmt.Sprintf("k/%02d/%06d", g, i)
				err := s.Commit([]Mutation{put(k, "v")})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Commit = %v", err)
					return
				}
				acked[g] = append(acked[g], k)
				if i == 10 {
					started <- struct{}{}
				}
			}
		})
	}
	for range goroutines {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	wg.Wait()

	s = open(t, dir, Options{})
	defer s.Close()
	have := map[string]bool{}
	for _, r := range loadAll(t, s) {
		have[r.Key] = true
	}
	n := 0
	for _, keys := range acked {
		for _, k := range keys {
			n++
			if !have[k] {
				t.Errorf("acknowledged %s is missing after Close and reopen", k)
			}
		}
	}
	t.Logf("%d acknowledged commits, %d records", n, len(have))
}

func TestMaxWaitGroupsCommits(t *testing.T) {
	// With a long MaxWait and MaxGroup 8, eight concurrent Commits form one
	// group: the committer waits for the group to fill, not for the timer.
	s := open(t, t.TempDir(), Options{MaxGroup: 8, MaxWait: time.Hour})
	defer s.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := s.Commit([]Mutation{put(fmt.Sprint(i), "v")}); err != nil {
				t.Errorf("Commit = %v", err)
			}
		})
	}
	wg.Wait()
	if st := s.Stats(); st.Groups != 1 || st.Commits != 8 {
		t.Errorf("Stats() = %+v; want 8 commits in 1 group", st)
	}
}

func TestMaxGroupBytesSplitsGroups(t *testing.T) {
	// Each Commit is 1.5 KiB and a group may hold 2 KiB, so each group holds
	// one Commit, though MaxWait gives them time to queue together: the
	// second one queued is carried over to head the next group.
	s := open(t, t.TempDir(), Options{MaxGroupBytes: 2 << 10, MaxWait: 20 * time.Millisecond, MaxGroup: 8})
	defer s.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			v := strings.Repeat("x", 1536-2)
			if err := s.Commit([]Mutation{put(fmt.Sprintf("%02d", i), v)}); err != nil {
				t.Errorf("Commit = %v", err)
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Commits != 8 || st.Groups != 8 {
		t.Errorf("Stats() = %+v; want 8 commits in 8 groups", st)
	}
	if got := len(loadAll(t, s)); got != 8 {
		t.Errorf("Load found %d records; want 8", got)
	}
}

func TestNoSyncCloseKeepsCommits(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{NoSync: true})
	for i := range 100 {
		if err := s.Commit([]Mutation{put(fmt.Sprintf("%03d", i), "v")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	defer s.Close()
	if got := len(loadAll(t, s)); got != 100 {
		t.Errorf("after NoSync commits and Close, Load found %d records; want 100", got)
	}
}

func TestSubmitKeepsSubmissionOrder(t *testing.T) {
	s := open(t, t.TempDir(), Options{MaxGroup: 4})
	defer s.Close()
	var waits []func() error
	for i := range 100 {
		waits = append(waits, s.Submit([]Mutation{put("k", fmt.Sprint(i)), put(fmt.Sprintf("n/%03d", i), "")}))
	}
	for i, wait := range waits {
		if err := wait(); err != nil {
			t.Fatalf("wait #%d = %v", i, err)
		}
	}
	if v, ok, err := s.Get("k"); err != nil || !ok || string(v) != "99" {
		t.Errorf("Get(k) = %q, %v, %v; want 99, the last submitted", v, ok, err)
	}
	if got := len(scanAll(t, s, "n/")); got != 100 {
		t.Errorf("Scan(n/) found %d records; want 100", got)
	}
}

// TestSecondOpenSaysLocked: a second store on a directory in use says so.
func TestSecondOpenSaysLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "another fleetd") {
		t.Errorf("second Open = %v; want an error saying the directory is in use", err)
	}
}
