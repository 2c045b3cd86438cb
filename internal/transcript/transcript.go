package transcript

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite transcript files with the actual outputs")

// Case is one command of a transcript.
type Case struct {
	Pos   string // file:line of the command
	Cmd   string
	Args  map[string]string // key=value arguments; bare words map to ""
	Words []string          // the arguments in order, as written
	Input string            // lines between the command and "----"
}

// Arg returns a key=value argument, or def.
func (c Case) Arg(key, def string) string {
	if v, ok := c.Args[key]; ok {
		return v
	}
	return def
}

// Has reports whether the argument was given.
func (c Case) Has(key string) bool {
	_, ok := c.Args[key]
	return ok
}

type block struct {
	c        Case
	comments []string
	want     string
}

// Run executes every case of the file in order through fn and compares
// its output with the expected one.
func Run(t *testing.T, path string, fn func(t *testing.T, c Case) string) {
	t.Helper()
	blocks, trailing, err := parse(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, b := range blocks {
		got := strings.TrimRight(fn(t, b.c), "\n")
		got = strings.ReplaceAll(got, "\n\n", "\n.\n")
		if !*rewrite && got != b.want {
			t.Errorf("%s: %s\n got:\n%s\nwant:\n%s", b.c.Pos, b.c.Cmd, got, b.want)
		}
		for _, c := range b.comments {
			out.WriteString(c + "\n")
		}
		out.WriteString(strings.Join(append([]string{b.c.Cmd}, b.c.Words...), " ") + "\n")
		if b.c.Input != "" {
			out.WriteString(b.c.Input + "\n")
		}
		out.WriteString("----\n" + got + "\n\n")
	}
	for _, c := range trailing {
		out.WriteString(c + "\n")
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func parse(path string) (blocks []block, trailing []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	var comments []string
	for {
		l, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if strings.HasPrefix(l, "#") {
			comments = append(comments, l)
			continue
		}
		b := block{comments: comments}
		comments = nil
		words := strings.Fields(l)
		b.c = Case{Pos: fmt.Sprintf("%s:%d", path, line), Cmd: words[0], Words: words[1:], Args: map[string]string{}}
		for _, w := range words[1:] {
			k, v, _ := strings.Cut(w, "=")
			b.c.Args[k] = v
		}
		var input []string
		sep := false
		for {
			l, ok := next()
			if !ok {
				break
			}
			if l == "----" {
				sep = true
				break
			}
			input = append(input, l)
		}
		if !sep {
			return nil, nil, fmt.Errorf("%s: %s has no ---- separator", b.c.Pos, b.c.Cmd)
		}
		b.c.Input = strings.Join(input, "\n")
		var want []string
		for {
			l, ok := next()
			if !ok || l == "" {
				break
			}
			want = append(want, l)
		}
		b.want = strings.Join(want, "\n")
		blocks = append(blocks, b)
	}
	return blocks, comments, sc.Err()
}
