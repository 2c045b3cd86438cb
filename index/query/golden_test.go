package query

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/parse/*.txt with the current output")

// The golden files hold cases of the form
//
//	# why this case exists
//	parse [quoted] [max-terms=N] [max-bytes=N] [max-leading=N] [max-leading-chars=N] [no-limits]
//	<query, one or more lines; with "quoted", one Go string literal>
//	----
//	<Dump of the AST, then "string: " and String(ast); or "error: " and the error>
//
// separated by blank lines. Limits start from DefaultLimits; no-limits
// starts from the zero Limits.

type goldenCase struct {
	line   int      // of the directive, for messages
	pre    []string // comments and blank lines before the case, kept on rewrite
	cmd    string
	input  []string
	output []string
}

type goldenFile struct {
	cases []*goldenCase
	tail  []string
}

func readGolden(t testing.TB, path string) *goldenFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	gf := &goldenFile{}
	var pre []string
	for i := 0; i < len(lines); {
		l := lines[i]
		if !strings.HasPrefix(l, "parse") {
			if l != "" && !strings.HasPrefix(l, "#") {
				t.Fatalf("%s:%d: expected a comment, a blank line or a parse directive, found %q", path, i+1, l)
			}
			pre = append(pre, l)
			i++
			continue
		}
		c := &goldenCase{line: i + 1, pre: pre, cmd: l}
		pre = nil
		for i++; i < len(lines) && lines[i] != "----"; i++ {
			c.input = append(c.input, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: case without ----", path, c.line)
		}
		for i++; i < len(lines) && lines[i] != ""; i++ {
			c.output = append(c.output, lines[i])
		}
		i++ // the blank line that ends the case
		gf.cases = append(gf.cases, c)
	}
	gf.tail = pre
	return gf
}

func (gf *goldenFile) write(path string) error {
	var b strings.Builder
	for _, c := range gf.cases {
		for _, l := range c.pre {
			b.WriteString(l + "\n")
		}
		b.WriteString(c.cmd + "\n")
		for _, l := range c.input {
			b.WriteString(l + "\n")
		}
		b.WriteString("----\n")
		for _, l := range c.output {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
	}
	for _, l := range gf.tail {
		b.WriteString(l + "\n")
	}
	return os.WriteFile(path, []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644)
}

// query returns the case's query and limits.
func (c *goldenCase) query() (string, Limits, error) {
	lim := DefaultLimits()
	quoted := false
	for _, arg := range strings.Fields(c.cmd)[1:] {
		key, val, _ := strings.Cut(arg, "=")
		n, _ := strconv.Atoi(val)
		switch key {
		case "quoted":
			quoted = true
		case "no-limits":
			lim = Limits{}
		case "max-terms":
			lim.MaxTerms = n
		case "max-bytes":
			lim.MaxQueryBytes = n
		case "max-leading":
			lim.MaxLeadingWildcards = n
		case "max-leading-chars":
			lim.MaxLeadingWildcardQueryChars = n
		default:
			return "", lim, fmt.Errorf("unknown argument %q", arg)
		}
	}
	q := strings.Join(c.input, "\n")
	if quoted {
		var err error
		if q, err = strconv.Unquote(q); err != nil {
			return "", lim, fmt.Errorf("quoted input: %v", err)
		}
	}
	return q, lim, nil
}

// goldenOutput is what a case prints: the tree and the canonical string,
// or the error.
func goldenOutput(q string, lim Limits) []string {
	n, err := ParseWithLimits(q, lim)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	out := strings.Split(strings.TrimSuffix(Dump(n), "\n"), "\n")
	return append(out, "string: "+printable(String(n)))
}

// printable keeps golden files readable text: a string with invalid UTF-8
// or invalid or invisible characters is shown Go-quoted, marked by "(quoted)".
func printable(s string) string {
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "(quoted) " + strconv.Quote(s)
	}
	return s
}

func goldenFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, path := range goldenFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gf := readGolden(t, path)
			for _, c := range gf.cases {
				q, lim, err := c.query()
				if err != nil {
					t.Fatalf("%s:%d: %v", path, c.line, err)
				}
				got := goldenOutput(q, lim)
				if *rewrite {
					c.output = got
				} else if diff := cmp.Diff(c.output, got); diff != "" {
					t.Errorf("%s:%d: Parse(%q) output differs (-want +got):\n%s", path, c.line, q, diff)
				}
				if n, err := ParseWithLimits(q, lim); err == nil {
					checkRoundTrip(t, q, n)
				}
			}
			if *rewrite {
				if err := gf.write(path); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// ignorePos compares ASTs without their positions: a printed query puts
// things at different offsets.
var ignorePos = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "At"
}, cmp.Ignore())

// checkRoundTrip asserts that String(n) parses back to n and that String is
// a fixed point. It parses without limits: the canonical form may be longer
// than the input (explicit AND, NOT for '-', escapes).
func checkRoundTrip(t testing.TB, q string, n Node) {
	t.Helper()
	s := String(n)
	n2, err := ParseWithLimits(s, Limits{})
	if err != nil {
		t.Errorf("Parse(%q): String = %q, which does not parse: %v", q, s, err)
		return
	}
	if diff := cmp.Diff(n, n2, ignorePos); diff != "" {
		t.Errorf("Parse(%q): String = %q parses to a different AST (-first +reparsed):\n%s", q, s, diff)
	}
	if s2 := String(n2); s2 != s {
		t.Errorf("Parse(%q): String is not a fixed point: %q then %q", q, s, s2)
	}
}
