package archtest

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/fleetlab/fleetlab"

type pkg struct {
	ImportPath string
	Dir        string
	Name       string
	Doc        string
	GoFiles    []string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// allowed lists, for packages whose dependencies are constrained, the
// project packages they may import.
var allowed = map[string][]string{
	"index/query": {},
	"index":       {"index/query"},
}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		may, constrained := allowed[rel]
		if !constrained {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			impRel := strings.TrimPrefix(imp, module+"/")
			ok := false
			for _, a := range may {
				ok = ok || a == impRel
			}
			if !ok {
				t.Errorf("%s imports %s; it may import only %v from the project", rel, impRel, may)
			}
		}
	}
}

func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil {
			t.Errorf("%s has no doc.go", p.ImportPath)
		}
		if base := filepath.Base(p.Dir); p.Name != base && p.Name != strings.ReplaceAll(base, "-", "") {
			t.Errorf("%s: package name %q differs from its folder %q", p.ImportPath, p.Name, base)
		}
	}
}

// pure packages take time as an argument: no wall clock, no sleeping, no
// global randomness in their non-test files.
var purePrefixes = []string{"index", "fleetd/registry", "fleetd/jobs", "fleetd/shadow", "fleetd/provision", "fleetd/security", "fleetd/core"}

var impure = regexp.MustCompile(`\btime\.(Now|Sleep|After|Since|Tick|NewTimer|NewTicker)\(|\brand\.(Int|Intn|Float64|Perm|Shuffle|Uint64)\(`)

func TestPurePackagesHaveNoClock(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		pure := false
		for _, pre := range purePrefixes {
			pure = pure || rel == pre || strings.HasPrefix(rel, pre+"/")
		}
		if !pure {
			continue
		}
		for _, f := range p.GoFiles {
			checkFile(t, filepath.Join(p.Dir, f))
		}
	}
}

// The state machine and its domain packages start no goroutine either:
// concurrency belongs to the caller (fleetd/node, the simulator).
var noGoroutinePrefixes = []string{"fleetd/core", "fleetd/registry", "fleetd/shadow", "fleetd/jobs"}

var goStatement = regexp.MustCompile(`^\s*go\s+(func\b|[A-Za-z_][A-Za-z0-9_.]*\()`)

func TestStateMachineStartsNoGoroutine(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if !slices.ContainsFunc(noGoroutinePrefixes, func(pre string) bool { return rel == pre || strings.HasPrefix(rel, pre+"/") }) {
			continue
		}
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				if goStatement.MatchString(line) {
					t.Errorf("%s:%d: a goroutine in the state machine: %s", path, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}

func checkFile(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for line := 1; s.Scan(); line++ {
		if impure.MatchString(s.Text()) {
			t.Errorf("%s:%d: wall clock or global randomness in a pure package: %s", path, line, strings.TrimSpace(s.Text()))
		}
	}
}
