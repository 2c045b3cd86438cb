package transcript

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAndCompare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(path, []byte("# upper-cases its input\nupper a=1 b\nhello\nworld\n----\nHELLO\nWORLD\n\nupper\n----\n\n"), 0o644)
	var seen []Case
	Run(t, path, func(t *testing.T, c Case) string {
		seen = append(seen, c)
		return strings.ToUpper(c.Input)
	})
	if len(seen) != 2 || seen[0].Arg("a", "") != "1" || !seen[0].Has("b") || seen[0].Input != "hello\nworld" || seen[1].Input != "" {
		t.Errorf("parsed cases = %+v", seen)
	}
}

func TestExpectedOutputParsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(path, []byte("echo\nx\n----\ny\n"), 0o644)
	blocks, _, err := parse(path)
	if err != nil || len(blocks) != 1 || blocks[0].want != "y" {
		t.Fatalf("parse = %+v, %v", blocks, err)
	}
}

func TestMissingSeparator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(path, []byte("echo\nx\n"), 0o644)
	if _, _, err := parse(path); err == nil || !strings.Contains(err.Error(), "t.txt:1") {
		t.Errorf("parse without ---- = %v; want a positioned error", err)
	}
}
