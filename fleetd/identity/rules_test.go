package identity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoClockOrGlobalRandomness keeps the package pure: time comes in as
// now and randomness from Options.Rand.
func TestNoClockOrGlobalRandomness(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, banned := range []string{"time.Now(", "time.Since(", "time.After(", `"math/rand`, `"crypto/rand"`, "go func"} {
			if strings.Contains(string(src), banned) {
				t.Errorf("%s uses %s", f, banned)
			}
		}
	}
}
