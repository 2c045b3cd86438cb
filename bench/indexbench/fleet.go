package indexbench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/fleetgen"
	"github.com/fleetlab/fleetlab/index/scan"
)

// fleet is a loaded fleet: its index, and the documents when the scan needs
// them.
type fleet struct {
	ix       *index.Index
	cfg      index.Config
	size     int
	source   string
	build    time.Duration
	bytesPer float64 // index heap bytes per thing
}

// loadConfig returns the indexing configuration and whether undeclared fields
// may be aggregated (yes without a configuration file, as with a raw export
// there is nothing to declare them in).
func loadConfig(path string) (index.Config, index.Settings, error) {
	s := index.DefaultSettings()
	if path == "" {
		s.AggregateUndeclared = true
		return index.AllOn(), s, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return index.Config{}, s, err
	}
	cfg, err := index.ParseConfig(data)
	if err != nil {
		return index.Config{}, s, fmt.Errorf("%s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return index.Config{}, s, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, s, nil
}

// scanOptions mirrors an indexing configuration for the naive scan.
func scanOptions(cfg index.Config) scan.Options {
	o := scan.Options{
		Shadow:         cfg.ThingIndexingMode == "REGISTRY_AND_SHADOW",
		Connectivity:   cfg.ThingConnectivityIndexingMode == "STATUS",
		DeviceDefender: cfg.DeviceDefenderIndexingMode == "VIOLATIONS",
		NamedShadows:   []string{},
	}
	if cfg.NamedShadowIndexingMode == "ON" {
		o.NamedShadows = nil
		if cfg.Filter != nil && cfg.Filter.NamedShadowNames != nil {
			o.NamedShadows = cfg.Filter.NamedShadowNames
		}
	}
	return o
}

// loadFleet builds the index, streaming the documents so the heap measured
// is the index's alone.
func loadFleet(o Options) (*fleet, error) {
	cfg, settings, err := loadConfig(o.ConfigFile)
	if err != nil {
		return nil, err
	}
	f := &fleet{cfg: cfg, ix: index.New(cfg, settings)}
	before := heapBytes()
	start := time.Now()
	err = eachDoc(o, -1, func(i int, d *index.Document, where string) error {
		flat, err := index.Flatten(d, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		f.ix.Put(uint32(i), nil, flat)
		f.size++
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.build = time.Since(start)
	f.bytesPer = float64(heapBytes()-min(before, heapBytes())) / float64(max(f.size, 1))
	f.source = o.DocsFile
	if o.DocsFile == "" {
		f.source = fmt.Sprintf("synthetic, seed %d", o.Seed)
	}
	return f, nil
}

// loadDocs returns the first limit documents again, for the naive scan.
func loadDocs(o Options, limit int) ([]index.Document, error) {
	var docs []index.Document
	err := eachDoc(o, limit, func(_ int, d *index.Document, _ string) error {
		docs = append(docs, *d)
		return nil
	})
	return docs, err
}

// eachDoc calls fn for the first limit documents of the fleet (all when
// limit < 0) with their ordinal and a position for error messages.
func eachDoc(o Options, limit int, fn func(i int, d *index.Document, where string) error) error {
	if o.DocsFile == "" {
		spec := fleetgen.Spec{Seed: o.Seed}
		n := o.Synthetic
		if limit >= 0 {
			n = min(n, limit)
		}
		for i := range n {
			d := fleetgen.Doc(spec, i)
			if err := fn(i, &d, fmt.Sprintf("synthetic thing %d", i)); err != nil {
				return err
			}
		}
		return nil
	}
	file, err := os.Open(o.DocsFile)
	if err != nil {
		return err
	}
	defer file.Close()
	return decodeDocs(file, o.DocsFile, limit, fn)
}

func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// decodeDocs reads JSON lines of thing documents.
func decodeDocs(r io.Reader, name string, limit int, fn func(i int, d *index.Document, where string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	i := 0
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		var d index.Document
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("%s:%d: not a thing document: %w", name, line, err)
		}
		if d.ThingName == "" {
			return fmt.Errorf("%s:%d: thing document without thingName", name, line)
		}
		if limit >= 0 && i >= limit {
			return nil
		}
		if err := fn(i, &d, fmt.Sprintf("%s:%d", name, line)); err != nil {
			return err
		}
		i++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
