package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPure keeps the engine pure: time comes in as now, effects go to the
// Sink, hooks to the HookCaller; no clock, randomness, goroutines or I/O.
func TestPure(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, banned := range []string{"time.Now(", "time.Since(", "time.After(", "time.Sleep(", `"math/rand`,
			`"crypto/rand"`, "go func", `"os"`, `"net/http"`, "sync."} {
			if strings.Contains(string(src), banned) {
				t.Errorf("%s uses %s", f, banned)
			}
		}
	}
}
