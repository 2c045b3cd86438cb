package shadow

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden transcripts in testdata")

// The transcripts in testdata/*.txt are blocks of one command, "----" and
// the payloads it produced, separated by blank lines; "#" lines narrate.
// Commands:
//
//	shadow <name>                  switch to another shadow (kept by name)
//	options k=v ...                delta-on-reported, max-state, max-payload, max-depth
//	update <t> <payload>           ApplyUpdate at epoch second t
//	get <t> [payload]              Get
//	delete <t> [payload]           Delete
//	doc                            the stored Doc JSON and IndexJSON
//
// A payload starting with q: is a Go-quoted string (for bytes that are not
// UTF-8). Run go test ./fleetd/shadow -rewrite to regenerate the outputs.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runTranscript(t, file) })
	}
}

type transcript struct {
	t       *testing.T
	docs    map[string]Doc
	current string
	opts    Options
}

func runTranscript(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{t: t, docs: map[string]Doc{}, current: "thing1", opts: DefaultOptions()}
	var out bytes.Buffer
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
			break
		}
		if l == "" || strings.HasPrefix(l, "#") {
			out.WriteString(l + "\n")
			continue
		}
		cmdLine := line
		if sep, ok := next(); !ok || sep != "----" {
			t.Fatalf("%s:%d: command without ----", file, cmdLine)
		}
		var want []string
		for {
			e, ok := next()
			if !ok || e == "" {
				break
			}
			want = append(want, e)
		}
		got := tr.run(fmt.Sprintf("%s:%d", file, cmdLine), l)
		if !*rewrite && strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", file, cmdLine, l, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		out.WriteString(l + "\n----\n")
		for _, g := range got {
			out.WriteString(g + "\n")
		}
		out.WriteString("\n")
	}
	if *rewrite {
		b := bytes.TrimRight(out.Bytes(), "\n")
		if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (tr *transcript) run(pos, l string) []string {
	t := tr.t
	cmd, rest, _ := strings.Cut(l, " ")
	switch cmd {
	case "shadow":
		tr.current = rest
		return []string{"ok"}
	case "options":
		for kv := range strings.FieldsSeq(rest) {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.Atoi(v)
			switch k {
			case "delta-on-reported":
				tr.opts.DeltaOnReportedOnly = v == "true"
			case "max-state":
				tr.opts.MaxStateBytes = n
			case "max-payload":
				tr.opts.MaxPayloadBytes = n
			case "max-depth":
				tr.opts.MaxDepth = n
			default:
				t.Fatalf("%s: unknown option %s", pos, k)
			}
		}
		return []string{"ok"}
	case "doc":
		d := tr.docs[tr.current]
		b, _ := d.MarshalJSON()
		ix := d.IndexJSON()
		if ix == nil {
			ix = []byte("null")
		}
		return []string{"doc " + string(b), "index " + string(ix)}
	}
	tsText, payloadText, _ := strings.Cut(rest, " ")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		t.Fatalf("%s: bad time %q", pos, tsText)
	}
	now := time.Unix(ts, 0)
	payload := []byte(payloadText)
	if q, ok := strings.CutPrefix(payloadText, "q:"); ok {
		s, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s: bad quoted payload: %v", pos, err)
		}
		payload = []byte(s)
	}
	prev := tr.docs[tr.current]
	switch cmd {
	case "update":
		u, err := ApplyUpdate(prev, payload, now, tr.opts)
		if err != nil {
			return []string{"update/rejected " + string(RejectedPayload(err, ClientToken(payload), now))}
		}
		checkUpdate(t, pos, prev, u)
		tr.docs[tr.current] = u.Doc
		lines := []string{"update/accepted " + string(u.Accepted)}
		if u.Delta != nil {
			lines = append(lines, "update/delta "+string(u.Delta))
		}
		return append(lines, "update/documents "+string(u.Documents))
	case "get":
		b, err := Get(prev, tr.current, payload, now)
		if err != nil {
			return []string{"get/rejected " + string(RejectedPayload(err, ClientToken(payload), now))}
		}
		return []string{"get/accepted " + string(b)}
	case "delete":
		d, b, err := Delete(prev, tr.current, payload, now)
		if err != nil {
			return []string{"delete/rejected " + string(RejectedPayload(err, ClientToken(payload), now))}
		}
		tr.docs[tr.current] = d
		return []string{"delete/accepted " + string(b)}
	}
	t.Fatalf("%s: unknown command %q", pos, cmd)
	return nil
}

// checkUpdate holds the invariants of every accepted update: the version
// grows by one, the payloads are JSON, and the Doc round-trips.
func checkUpdate(t testing.TB, pos string, prev Doc, u Update) {
	t.Helper()
	if u.Doc.Version() != prev.Version()+1 || !u.Doc.Exists() {
		t.Errorf("%s: version %d -> %d (exists %v)", pos, prev.Version(), u.Doc.Version(), u.Doc.Exists())
	}
	for name, p := range map[string][]byte{"accepted": u.Accepted, "documents": u.Documents, "delta": u.Delta, "index": u.Doc.IndexJSON()} {
		if p != nil && !json.Valid(p) {
			t.Errorf("%s: %s payload is not JSON: %s", pos, name, p)
		}
	}
	b, err := json.Marshal(u.Doc)
	if err != nil {
		t.Fatalf("%s: marshal: %v", pos, err)
	}
	var back Doc
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: unmarshal %s: %v", pos, b, err)
	}
	b2, _ := json.Marshal(back)
	if !bytes.Equal(b, b2) {
		t.Errorf("%s: Doc JSON does not round-trip:\n%s\n%s", pos, b, b2)
	}
	if !bytes.Equal(back.IndexJSON(), u.Doc.IndexJSON()) {
		t.Errorf("%s: IndexJSON differs after a round trip:\n%s\n%s", pos, back.IndexJSON(), u.Doc.IndexJSON())
	}
}
