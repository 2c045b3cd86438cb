package template

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/*.txt")

// The files in testdata/*.txt are blocks of a command line, its input
// lines, "----" and the output, ended by a blank line; "#" lines between
// blocks narrate. Commands:
//
//	template          parse the input as a template body; it becomes current
//	kind <KIND>       CheckKind on the current template
//	evaluate          evaluate the current template; input: params as a JSON object
//
// Outputs are "ok", the Result as indented JSON, or the error: its AWS code
// and one problem per line. Run go test ./fleetd/provision/template -rewrite
// to regenerate them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runGolden(t, file) })
	}
}

// goldenBlock is one command of a golden file.
type goldenBlock struct {
	line    int // of the command
	command string
	input   []string
	output  []string
}

// readGolden splits a golden file into blocks, keeping narration lines
// (comments and blank lines between blocks) as blocks without a command.
func readGolden(t testing.TB, file string) []goldenBlock {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []goldenBlock
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	for {
		l, ok := next()
		if !ok {
			return blocks
		}
		if l == "" || strings.HasPrefix(l, "#") {
			blocks = append(blocks, goldenBlock{command: l, line: -1})
			continue
		}
		b := goldenBlock{line: line, command: l}
		for {
			in, ok := next()
			if !ok {
				t.Fatalf("%s:%d: command without ----", file, b.line)
			}
			if in == "----" {
				break
			}
			b.input = append(b.input, in)
		}
		for {
			out, ok := next()
			if !ok || out == "" {
				break
			}
			b.output = append(b.output, out)
		}
		blocks = append(blocks, b)
	}
}

func runGolden(t *testing.T, file string) {
	var out bytes.Buffer
	var current *Template
	for _, b := range readGolden(t, file) {
		if b.line < 0 {
			out.WriteString(b.command + "\n")
			continue
		}
		got := runGoldenCommand(t, fmt.Sprintf("%s:%d", file, b.line), b, &current)
		if !*rewrite && strings.Join(got, "\n") != strings.Join(b.output, "\n") {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", file, b.line, b.command, strings.Join(got, "\n"), strings.Join(b.output, "\n"))
		}
		out.WriteString(b.command + "\n")
		for _, in := range b.input {
			out.WriteString(in + "\n")
		}
		out.WriteString("----\n")
		for _, g := range got {
			out.WriteString(g + "\n")
		}
		out.WriteString("\n")
	}
	if *rewrite {
		data := append(bytes.TrimRight(out.Bytes(), "\n"), '\n')
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runGoldenCommand(t *testing.T, pos string, b goldenBlock, current **Template) []string {
	cmd, arg, _ := strings.Cut(b.command, " ")
	input := strings.Join(b.input, "\n")
	switch cmd {
	case "template":
		tmpl, err := Parse([]byte(input))
		*current = tmpl
		if err != nil {
			return errorLines(t, pos, err)
		}
		return []string{"ok"}
	case "kind":
		if *current == nil {
			t.Fatalf("%s: kind without a parsed template", pos)
		}
		if err := (*current).CheckKind(Kind(arg)); err != nil {
			return errorLines(t, pos, err)
		}
		return []string{"ok"}
	case "evaluate":
		if *current == nil {
			t.Fatalf("%s: evaluate without a parsed template", pos)
		}
		params := map[string]string{}
		if strings.TrimSpace(input) != "" {
			if err := json.Unmarshal([]byte(input), &params); err != nil {
				t.Fatalf("%s: params: %v", pos, err)
			}
		}
		res, err := (*current).Evaluate(params)
		if err != nil {
			return errorLines(t, pos, err)
		}
		// Without HTML escaping, so documents print as the engine made them.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			t.Fatalf("%s: %v", pos, err)
		}
		return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	}
	t.Fatalf("%s: unknown command %q", pos, cmd)
	return nil
}

// errorLines prints an error as its AWS code, then one problem per line
// for an *InvalidTemplateError or the message otherwise.
func errorLines(t *testing.T, pos string, err error) []string {
	aws, ok := awserr.As(err)
	if !ok {
		t.Fatalf("%s: error %v is not an *awserr.Error", pos, err)
	}
	var invalid *InvalidTemplateError
	if errors.As(err, &invalid) {
		lines := []string{"error " + aws.Code}
		for _, p := range invalid.Problems {
			lines = append(lines, "  "+p.String())
		}
		return lines
	}
	return []string{"error " + aws.Code, "  " + aws.Message}
}
