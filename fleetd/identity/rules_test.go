package identity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
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

// TestMapValuesInline keeps the values of the maps that hold one entry per
// device within the 128 bytes a Go map stores in place: a larger value is
// a heap object of its own, one per device.
func TestMapValuesInline(t *testing.T) {
	for name, n := range map[string]uintptr{
		"certificate": unsafe.Sizeof(certificate{}),
		"nameSet":     unsafe.Sizeof(nameSet{}),
		"claim":       unsafe.Sizeof(claim{}),
	} {
		if n > 128 {
			t.Errorf("%s is %d bytes; want at most 128", name, n)
		}
	}
}
