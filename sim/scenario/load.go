package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// ReadFile reads a file a scenario names (a template or job file). The
// name is the reference joined to the scenario file's directory.
type ReadFile func(name string) ([]byte, error)

// Load reads, checks and compiles the scenario file at path. The error is
// an *ErrorList when the scenario is invalid or cannot be read.
func Load(path string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &ErrorList{Errors: []Error{{File: path, Msg: ioMessage(err)}}}
	}
	return Parse(path, src, os.ReadFile)
}

// Parse checks and compiles a scenario read from filename. Files it names
// are read with read, relative to filename's directory; a nil read makes
// every file reference an error. The error is an *ErrorList holding every
// problem found.
func Parse(filename string, src []byte, read ReadFile) (*Scenario, error) {
	c := &collector{}
	c.fileRank(filename)
	p := &parser{c: c, read: read, dir: filepath.Dir(filename), d: newDecoder(filename, src, c)}
	sc := p.parse(filename, src)
	errs, warns := c.sorted(c.errs), c.sorted(c.warns)
	if len(errs) > 0 || sc == nil {
		if len(errs) == 0 { // cannot happen; never return a nil scenario without saying why
			errs = []Error{{File: filename, Msg: "invalid scenario"}}
		}
		return nil, &ErrorList{Errors: errs, Warnings: warns}
	}
	sc.Warnings = warns
	return sc, nil
}

// parser holds what one Parse has learnt so far, for cross-references.
type parser struct {
	c    *collector
	d    *decoder // the scenario file's
	read ReadFile
	dir  string

	sc        *Scenario
	types     map[string]*ThingType
	groups    map[string]*ThingGroup
	templates map[string]*Template
	jobs      map[string]*jobInfo // by jobId
	queries   map[string]*Query
	ruleJobs  []ruleJob // jobs.rules job: references, checked after the timeline
	// Follow-on errors are not reported when their cause already was: a
	// createJob whose jobId could not be read, an invalid indexing: block.
	lostJob     bool
	badIndexing bool
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns the YAML library's error into positioned errors.
func (p *parser) yamlError(file string, err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, m := range te.Errors {
			p.c.add(false, Error{File: file, Msg: m})
		}
		return
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.c.add(false, Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]})
		return
	}
	p.c.add(false, Error{File: file, Msg: "invalid YAML: " + err.Error()})
}

// document parses src into its one YAML document, or reports why not.
func (p *parser) document(file string, src []byte) (root *yaml.Node) {
	defer func() {
		// The YAML library is outside input's first reader; whatever it
		// does with hostile input, Parse reports an error, never panics.
		if r := recover(); r != nil {
			p.c.add(false, Error{File: file, Msg: fmt.Sprintf("invalid YAML: %v", r)})
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			p.c.add(false, Error{File: file, Msg: "empty file; expected a scenario (name, duration, devices, ...)"})
		} else {
			p.yamlError(file, err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			p.yamlError(file, err)
		} else {
			p.c.add(false, Error{File: file, Line: extra.Line, Col: extra.Column, Msg: "a scenario file holds one YAML document; found a second one"})
		}
		return nil
	}
	if len(doc.Content) == 0 {
		p.c.add(false, Error{File: file, Msg: "empty file; expected a scenario (name, duration, devices, ...)"})
		return nil
	}
	if bad, msg := checkTree(&doc); bad != nil {
		p.c.add(false, Error{File: file, Line: bad.Line, Col: bad.Column, Msg: msg})
		return nil
	}
	return doc.Content[0]
}

func (p *parser) parse(filename string, src []byte) *Scenario {
	root := p.document(filename, src)
	if root == nil {
		return nil
	}
	d := p.d
	top := scope{}
	f, ok := d.mapping(root, top, "scenario")
	if !ok {
		return nil
	}
	sc := &Scenario{File: filename, Seed: 1}
	p.sc = sc
	if n := f.get("name"); n != nil {
		sc.Name, _ = d.nonEmpty(n, top.key("name"))
	} else {
		d.missing(f, top, "name", "the scenario's name")
	}
	if n := f.get("seed"); n != nil {
		if v, ok := d.integer(n, top.key("seed"), 0, math.MaxInt64); ok {
			sc.Seed = uint64(v)
		}
	}
	if n := f.get("duration"); n != nil {
		if v, ok := d.duration(n, top.key("duration")); ok {
			if v == 0 {
				d.errorf(n, top.key("duration"), "the simulated time limit must be > 0")
			}
			sc.Duration = v
		}
	} else {
		d.missing(f, top, "duration", `the simulated time limit, such as "8h"`)
	}
	if n := f.get("indexLag"); n != nil {
		sc.IndexLag, _ = d.duration(n, top.key("indexLag"))
	}
	p.indexing(f.get("indexing"))
	p.thingTypes(f.get("thingTypes"))
	p.thingGroups(f.get("thingGroups"))
	p.provisioningTemplates(f.get("provisioningTemplates"))
	if n := f.get("devices"); n != nil {
		p.devices(n)
	} else {
		d.missing(f, top, "devices", "a list of device cohorts")
	}
	p.timeline(f.get("timeline"))
	p.checkRuleJobs()
	p.expectations(f.get("expect"))
	p.crossChecks()
	return sc
}

// include reads the JSON file a {file: path} mapping names and returns its
// bytes, its tree and a decoder reporting into it.
func (p *parser) include(n *yaml.Node, s scope) ([]byte, *yaml.Node, *decoder, bool) {
	path, data, ok := p.readFileRef(n, s)
	if !ok {
		return nil, nil, nil, false
	}
	root, jerr := jsonTree(data)
	if jerr != nil {
		jerr.File = path
		p.c.add(false, *jerr)
		return nil, nil, nil, false
	}
	return data, root, newDecoder(path, data, p.c), true
}

// readFileRef reads the file a {file: path} mapping names, relative to the
// scenario's directory, and returns the path it read and the bytes.
func (p *parser) readFileRef(n *yaml.Node, s scope) (string, []byte, bool) {
	d := p.d
	f, ok := d.mapping(n, s, "fileRef")
	if !ok {
		return "", nil, false
	}
	name, ok := d.nonEmpty(f.get("file"), s.key("file"))
	if !ok {
		return "", nil, false
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.dir, name)
	}
	if p.read == nil {
		d.errorf(f.get("file"), s.key("file"), "cannot read %s: no files can be read here", name)
		return "", nil, false
	}
	data, err := p.read(path)
	if err != nil {
		d.errorf(f.get("file"), s.key("file"), "cannot read %s: %s", path, ioMessage(err))
		return "", nil, false
	}
	return path, data, true
}

// ioMessage shortens an error from reading a file.
func ioMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
