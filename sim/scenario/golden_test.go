package scenario

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/errors/*.golden with the actual output")

// readIn reads files relative to dir, the way Load reads them relative to
// the scenario; golden files then show paths relative to testdata/errors.
func readIn(dir string) ReadFile {
	return func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
}

// render prints what Parse says about a file: every error, then every
// warning, one per line.
func render(sc *Scenario, err error) string {
	var b strings.Builder
	var warns []Error
	if err != nil {
		var el *ErrorList
		if !errors.As(err, &el) {
			return "not an *ErrorList: " + err.Error() + "\n"
		}
		for _, e := range el.Errors {
			b.WriteString(e.Error() + "\n")
		}
		warns = el.Warnings
	} else {
		b.WriteString("ok\n")
		warns = sc.Warnings
	}
	for _, w := range warns {
		b.WriteString("warning: " + w.Error() + "\n")
	}
	return b.String()
}

// TestGoldenErrors loads every testdata/errors/*.yaml and compares the
// errors and warnings with the .golden file beside it. Regenerate with
// go test ./sim/scenario -run TestGoldenErrors -rewrite and review the diff.
func TestGoldenErrors(t *testing.T) {
	const dir = "testdata/errors"
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs in %s: %v", dir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := render(Parse(name, src, readIn(dir)))
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *rewrite {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s: output differs from %s (-want +got):\n%s", name, golden, diff)
			}
		})
	}
}
