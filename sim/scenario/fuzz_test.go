package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Parse: it must never panic, and it
// returns either a scenario or an *ErrorList with at least one error.
// The corpus is seeded from the golden inputs and the library.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/errors/*.yaml", filepath.Join(libraryDir, "*.yaml")} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte(compiled))
	// File references resolve to the golden inputs' JSON files, held in
	// memory: a fuzzed path never reaches the disk.
	files := map[string]string{}
	for _, pattern := range []string{"testdata/errors/*/*.json"} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			b, _ := os.ReadFile(m)
			files[filepath.ToSlash(strings.TrimPrefix(m, "testdata/errors/"))] = string(b)
		}
	}
	read := memFiles(files)
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := Parse("fuzz.yaml", src, read)
		if err == nil {
			if sc == nil {
				t.Fatal("nil scenario without an error")
			}
			_ = sc.Scaled(0.5)
			return
		}
		var el *ErrorList
		if !errors.As(err, &el) || len(el.Errors) == 0 {
			t.Fatalf("error %T without errors: %v", err, err)
		}
		_ = el.Error()
	})
}
