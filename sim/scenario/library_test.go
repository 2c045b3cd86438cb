package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// libraryDir is the scenario library, which every change must keep valid.
const libraryDir = "../../scenarios"

func libraryFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(libraryDir, "*.yaml"))
	if err != nil || len(files) < 2 {
		t.Fatalf("scenario library %s: %d files, %v", libraryDir, len(files), err)
	}
	return files
}

// TestLibraryLoads loads every scenario of the library with the decoder.
func TestLibraryLoads(t *testing.T) {
	for _, f := range libraryFiles(t) {
		sc, err := Load(f)
		if err != nil {
			var el *ErrorList
			errors.As(err, &el)
			t.Errorf("%s does not load:\n%v", f, err)
			continue
		}
		for _, w := range sc.Warnings {
			t.Logf("warning: %v", w)
		}
		if sc.Devices() == 0 || len(sc.Expect) == 0 {
			t.Errorf("%s: %d devices, %d expectations; a library scenario has both", f, sc.Devices(), len(sc.Expect))
		}
	}
}

// TestFlagship pins what the flagship scenario is about, so that an edit
// cannot quietly turn it into something else.
func TestFlagship(t *testing.T) {
	sc, err := Load(filepath.Join(libraryDir, "firmware-rollout-abort.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Cohorts) != 2 || sc.Cohorts[1].Name != "rev-b" || sc.Cohorts[1].Like != "rev-a" || sc.Devices() != 10000 {
		t.Fatalf("cohorts = %+v", sc.Cohorts)
	}
	a, b := sc.Cohorts[0], sc.Cohorts[1]
	failRate := func(c Cohort) float64 {
		i := slices.Index(c.Jobs.Outcome.Items, Failed)
		if i < 0 {
			return 0
		}
		return c.Jobs.Outcome.Weights[i]
	}
	if failRate(a) != 0.009 || failRate(b) != 0.12 || b.Provisioning.Method != Claim || b.Count != 2000 {
		t.Errorf("rev-a fails %g, rev-b fails %g (method %v, count %d)", failRate(a), failRate(b), b.Provisioning.Method, b.Count)
	}
	var job *CreateJob
	for _, ev := range sc.Timeline {
		if j, ok := ev.Action.(*CreateJob); ok {
			job = j
		}
	}
	if job == nil || job.File == "" || !strings.Contains(string(job.Body), `"abortConfig"`) || !strings.Contains(string(job.Body), `"exponentialRate"`) {
		t.Fatalf("flagship job = %+v", job)
	}
	if v, _ := lookupPath(job.Document, []string{"version"}); v != "2.2.0" {
		t.Errorf("job document version = %v", v)
	}
	var statuses []string
	for _, e := range sc.Expect {
		if e.Kind == JobStatus {
			statuses = append(statuses, e.Status)
		}
	}
	if !slices.Equal(statuses, []string{"CANCELED"}) {
		t.Errorf("flagship expects job statuses %v; want the abort: [CANCELED]", statuses)
	}
	// The queries compare versions lexically: validate warns.
	if len(sc.Warnings) != 2 {
		t.Errorf("flagship warnings = %v; want the two lexical version comparisons", sc.Warnings)
	}
	clean, err := Load(filepath.Join(libraryDir, "firmware-rollout-clean.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Warnings) != 0 || clean.Expect[0].Status != "COMPLETED" {
		t.Errorf("clean: warnings %v, first expectation %v", clean.Warnings, clean.Expect[0])
	}
}

// TestManualExample parses the annotated example of doc.go, so that the
// manual never shows a scenario the decoder refuses. Its file references
// resolve against the library.
func TestManualExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.Contains(line, "Keys, with what they default to:"):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			b.WriteString(strings.TrimPrefix(line, "//\t") + "\n")
		case in && b.Len() > 0:
			in = false
		}
	}
	if b.Len() == 0 {
		t.Fatal("no example found in doc.go")
	}
	// The example's allow-list file stands for the fleet's own.
	read := func(name string) ([]byte, error) {
		if filepath.Base(name) == "serials.txt" {
			return []byte("rev-a-000000\nrev-a-000001\n"), nil
		}
		return os.ReadFile(name)
	}
	sc, err := Parse(filepath.Join(libraryDir, "manual.yaml"), []byte(b.String()), read)
	if err != nil {
		t.Fatalf("the manual's example does not load:\n%v\n%s", err, b.String())
	}
	if len(sc.Cohorts) != 2 || len(sc.Timeline) != 3 || len(sc.Expect) != 6 || sc.Templates[0].Safeguards == nil {
		t.Errorf("example: %d cohorts, %d timeline entries, %d expectations", len(sc.Cohorts), len(sc.Timeline), len(sc.Expect))
	}
}
