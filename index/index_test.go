package index_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/index"
)

// loadFleet indexes testdata/fleet.jsonl, a hand-written fleet whose
// answers below were worked out from the spec, not from the code.
func loadFleet(t *testing.T, cfg index.Config) *index.Index {
	t.Helper()
	file, err := os.Open("testdata/fleet.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	ix := index.New(cfg, index.DefaultSettings())
	sc := bufio.NewScanner(file)
	for id := uint32(0); sc.Scan(); id++ {
		var d index.Document
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %d: %v", id+1, err)
		}
		f, err := index.Flatten(&d, cfg)
		if err != nil {
			t.Fatalf("line %d: %v", id+1, err)
		}
		ix.Put(id, nil, f)
	}
	return ix
}

func search(t *testing.T, ix *index.Index, q string) []string {
	t.Helper()
	n, err := ix.Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	p, err := ix.Search(n, 500, "")
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return p.Names
}

func TestSearchSemantics(t *testing.T) {
	ix := loadFleet(t, index.AllOn())
	tests := []struct {
		query string
		want  string // space-separated thingNames in ascending order
	}{
		{`*`, "Foxtrot alpha bravo charlie delta-1 echo"},
		{`thingTypeName:Sensor_v3`, "Foxtrot alpha bravo"},              // values fold case
		{`attributes.region:us-east-1`, "bravo charlie"},                // "US-EAST-1" too
		{`thingName:F*`, "Foxtrot"},                                     // wildcards fold case
		{`thingName:?lpha`, "alpha"},                                    //
		{`shadow.reported.temperature > 70`, "Foxtrot bravo"},           // numeric
		{`shadow.reported.temperature>=70`, "Foxtrot bravo delta-1"},    // no spaces
		{`shadow.reported.temperature:[61.5 TO 70}`, "alpha"},           // mixed brackets
		{`shadow.reported.battery:[* TO 20]`, "bravo"},                  // open end
		{`shadow.reported.firmware_version < "2.1.0"`, "alpha charlie"}, // lexicographic: "10.0.0" < "2.1.0"
		{`shadow.reported.firmware_version:2.*`, "Foxtrot alpha bravo delta-1"},
		{`shadow.hasDelta:true`, "Foxtrot alpha charlie"},    // computed, and explicit on Foxtrot
		{`shadow.hasDelta:false`, "bravo delta-1"},           // desired equals reported
		{`shadow.delta.firmware_version:*`, "Foxtrot alpha"}, //
		{`shadow.delta.led.level:3`, "charlie"},              // delta of a nested object
		{`shadow.reported.tags:outdoor`, "Foxtrot alpha"},    // arrays: any element
		{`shadow.reported.one.two:*`, "charlie delta-1"},     // dotted key and nested object
		{`shadow.reported.readings:*`, ""},                   // arrays of objects are not indexed
		{`attributes.batch:42`, "Foxtrot alpha"},             // "42.0" is the number 42
		{`attributes.batch > 9`, "Foxtrot alpha charlie"},    // numeric-looking attributes compare as numbers
		{`attributes.serial:123`, "bravo"},                   // "00123" is not a JSON number
		{`attributes.serial:00123`, "alpha"},                 //
		{`attributes.serial:001*`, "alpha"},                  //
		{`thingGroupNames:ProductionDevices`, "Foxtrot alpha bravo delta-1"},
		{`thingGroupNames:(CanaryFleet OR StagingDevices)`, "charlie delta-1"},
		{`thingName:(a* AND -alpha)`, ""},                             //
		{`thingName:(b* OR c*) NOT thingTypeName:Gateway`, "bravo"},   //
		{`NOT attributes.hw_rev:*`, "delta-1"},                        //
		{`-connectivity.connected:true`, "bravo delta-1 echo"},        // NOT covers things without the field
		{`connectivity.connected:false`, "bravo echo"},                //
		{`connectivity.disconnectReason:CONNECTION_LOST`, "bravo"},    //
		{`connectivity.timestamp > 1700000500000`, "Foxtrot charlie"}, //
		{`shadow.name.config.reported.mode:eco`, "delta-1"},           // named shadow
		{`shadow.name.config.hasDelta:true`, "delta-1"},               //
		{`attributes.note:"hello world"`, "delta-1"},                  // phrase
		{`red`, "charlie delta-1"},                                    // bare term: any field
		{`Sensor_v3 eu-west-1`, "Foxtrot alpha"},                      // implicit AND
		{`registry.version:3`, ""},                                    // not searchable
		{`shadow.version:*`, ""},                                      //
		{`attributes.region:[a TO f]`, "Foxtrot alpha delta-1 echo"},  // lexicographic range
		{`attributes.region:{ap-southeast-2 TO eu-west-1}`, ""},       // exclusive on both sides
		{`thingName:alpha OR thingName:echo`, "alpha echo"},           //
		{`thingName:alpha AND (thingName:echo OR attributes.hw_rev:a)`, "alpha"},
		{`shadow.desired.firmware_version:*`, "alpha bravo"}, // null desired values are not indexed
	}
	for _, tt := range tests {
		got := strings.Join(search(t, ix, tt.query), " ")
		if got != tt.want {
			t.Errorf("Search(%q) = %q; want %q", tt.query, got, tt.want)
		}
	}
}

func TestIndexingModes(t *testing.T) {
	ix := loadFleet(t, index.Config{ThingIndexingMode: "REGISTRY"})
	for _, q := range []string{`shadow.hasDelta:*`, `connectivity.connected:true`, `red`} {
		if got := search(t, ix, q); len(got) != 0 {
			t.Errorf("REGISTRY only: Search(%q) = %v; want nothing", q, got)
		}
	}
	cfg := index.AllOn()
	cfg.Filter = &struct {
		NamedShadowNames []string `json:"namedShadowNames,omitempty"`
	}{NamedShadowNames: []string{"other"}}
	ix = loadFleet(t, cfg)
	if got := search(t, ix, `shadow.name.config.reported.mode:*`); len(got) != 0 {
		t.Errorf("named shadow outside the filter is indexed: %v", got)
	}
}

func TestVersionType(t *testing.T) {
	cfg, err := index.ParseConfig([]byte(`{"thingIndexingConfiguration":{"thingIndexingMode":"REGISTRY_AND_SHADOW",
		"customFields":[{"name":"shadow.reported.firmware_version","type":"Version"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	ix := loadFleet(t, cfg)
	tests := []struct{ query, want string }{
		{`shadow.reported.firmware_version < 2.1.0`, "alpha"},
		{`shadow.reported.firmware_version >= 2.2.0`, "Foxtrot charlie delta-1"},
		{`shadow.reported.firmware_version:[2.1.0 TO 2.10.1}`, "bravo delta-1"},
	}
	for _, tt := range tests {
		if got := strings.Join(search(t, ix, tt.query), " "); got != tt.want {
			t.Errorf("Version field: Search(%q) = %q; want %q", tt.query, got, tt.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.10.0", "2.9.1", 1}, {"2.9", "2.9.0", -1}, {"1.0.0-rc1", "1.0.0", -1},
		{"v1.2.3", "1.2.3", 0}, {"1.2.3-rc.2", "1.2.3-rc.10", -1}, {"10.0.0", "2.1.0", 1},
	}
	for _, tt := range tests {
		if got := index.CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPagination(t *testing.T) {
	ix := loadFleet(t, index.AllOn())
	n, _ := ix.Parse("*")
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		p, err := ix.Search(n, 4, token)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Names...)
		if p.NextToken == "" {
			break
		}
		token = p.NextToken
	}
	want := []string{"Foxtrot", "alpha", "bravo", "charlie", "delta-1", "echo"}
	if !slices.Equal(got, want) {
		t.Errorf("paged names = %v; want %v", got, want)
	}
	if _, err := ix.Search(n, 501, ""); !isCode(err, index.CodeInvalidRequest) {
		t.Errorf("maxResults 501: err = %v; want InvalidRequestException", err)
	}
	if _, err := ix.Search(n, 10, "%%%"); !isCode(err, index.CodeInvalidRequest) {
		t.Errorf("bad token: err = %v; want InvalidRequestException", err)
	}
	// Exactly a page's worth: no token pointing at an empty page.
	if p, _ := ix.Search(n, 6, ""); p.NextToken != "" {
		t.Errorf("full last page carries nextToken %q", p.NextToken)
	}
}

func TestInvalidQuery(t *testing.T) {
	ix := loadFleet(t, index.AllOn())
	for _, q := range []string{`attributes.x:`, `(a OR b`, `a AND`, `x:[1 TO]`, strings.Repeat("a ", 13)} {
		_, err := ix.Parse(q)
		if !isCode(err, index.CodeInvalidQuery) {
			t.Errorf("Parse(%q) err = %v; want InvalidQueryException", q, err)
			continue
		}
		if msg := err.(*index.Error).Message; !strings.Contains(msg, ":") {
			t.Errorf("Parse(%q) message %q has no position", q, msg)
		}
	}
}

func isCode(err error, code string) bool {
	var ie *index.Error
	return errors.As(err, &ie) && ie.Code == code
}

func aggConfig(t *testing.T) index.Config {
	t.Helper()
	cfg, err := index.ParseConfig([]byte(`{"thingIndexingMode":"REGISTRY_AND_SHADOW","thingConnectivityIndexingMode":"STATUS",
		"customFields":[{"name":"shadow.reported.temperature","type":"Number"},{"name":"shadow.reported.battery","type":"Number"},
		{"name":"attributes.region","type":"String"}],
		"managedFields":[{"name":"thingName","type":"String"},{"name":"attributes.batch","type":"Number"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestStatistics(t *testing.T) {
	ix := loadFleet(t, aggConfig(t))
	all, _ := ix.Parse("*")
	s, err := ix.Statistics(all, "shadow.reported.temperature")
	if err != nil {
		t.Fatal(err)
	}
	// Values 61.5, 75, -5, 70, 70.25, worked by hand.
	want := map[string]float64{"count": 5, "average": 54.35, "sum": 271.75, "minimum": -5, "maximum": 75,
		"sumOfSquares": 19267.3125, "variance": 899.54, "stdDeviation": math.Sqrt(899.54)}
	checkStats(t, "temperature", s, want)

	// A String field gives only the count of things that have it.
	s, err = ix.Statistics(all, "attributes.region")
	if err != nil || s.Count != 6 || s.Average != nil {
		t.Errorf("Statistics(attributes.region) = %+v, %v; want only count 6", s, err)
	}
	// Booleans: the average is the fraction that is true.
	s, err = ix.Statistics(all, "connectivity.connected")
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, "connected", s, map[string]float64{"count": 5, "average": 0.6, "sum": 3, "minimum": 0, "maximum": 1,
		"sumOfSquares": 3, "variance": 0.24, "stdDeviation": math.Sqrt(0.24)})
	// managedFields entries that are not managed are custom fields.
	if _, err := ix.Statistics(all, "attributes.batch"); err != nil {
		t.Errorf("attributes.batch declared through managedFields: %v", err)
	}
	if _, err := ix.Statistics(all, "shadow.reported.net.rssi"); !isCode(err, index.CodeInvalidAggregation) {
		t.Errorf("undeclared field: err = %v; want InvalidAggregationException", err)
	}
	// Default field registry.version: 3,1,2,1,5,4.
	s, _ = ix.Statistics(all, "")
	checkStats(t, "registry.version", s, map[string]float64{"count": 6, "average": 16.0 / 6, "sum": 16, "minimum": 1, "maximum": 5,
		"sumOfSquares": 56, "variance": 56.0/6 - (16.0/6)*(16.0/6), "stdDeviation": math.Sqrt(56.0/6 - (16.0/6)*(16.0/6))})
}

// TestStatisticsAWSExample is the example of the AWS documentation:
// values -125, 75, 150 give average 33.33, sumOfSquares 43750, variance
// 13472.22 (population variance).
func TestStatisticsAWSExample(t *testing.T) {
	cfg := index.Config{ThingIndexingMode: "REGISTRY", CustomFields: []index.Field{{Name: "attributes.v", Type: index.TypeNumber}}}
	ix := index.New(cfg, index.DefaultSettings())
	for i, v := range []string{"-125", "75", "150"} {
		f, _ := index.Flatten(&index.Document{ThingName: "t" + v, Attributes: map[string]string{"v": v}}, cfg)
		ix.Put(uint32(i), nil, f)
	}
	all, _ := ix.Parse("*")
	s, err := ix.Statistics(all, "attributes.v")
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, "aws example", s, map[string]float64{"count": 3, "average": 100.0 / 3, "sum": 100, "minimum": -125, "maximum": 150,
		"sumOfSquares": 43750, "variance": 13472.222222222223, "stdDeviation": math.Sqrt(13472.222222222223)})
}

// TestNamedShadowCustomFieldPattern: a custom field declared for every
// named shadow (shadow.name.*.desired.v) aggregates for each shadow name.
func TestNamedShadowCustomFieldPattern(t *testing.T) {
	cfg := index.Config{ThingIndexingMode: "REGISTRY_AND_SHADOW", NamedShadowIndexingMode: "ON",
		CustomFields: []index.Field{{Name: "shadow.name.*.desired.v", Type: index.TypeNumber}}}
	cfg.Filter = &struct {
		NamedShadowNames []string `json:"namedShadowNames,omitempty"`
	}{NamedShadowNames: []string{"s2"}}
	ix := index.New(cfg, index.DefaultSettings())
	for i, v := range []int{5, 7} {
		f, err := index.Flatten(&index.Document{ThingName: fmt.Sprint("t", i),
			Shadow: json.RawMessage(fmt.Sprintf(`{"name":{"s2":{"desired":{"v":%d}}}}`, v))}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ix.Put(uint32(i), nil, f)
	}
	all, _ := ix.Parse("*")
	s, err := ix.Statistics(all, "shadow.name.s2.desired.v")
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, "named shadow pattern", s, map[string]float64{"count": 2, "sum": 12, "minimum": 5, "maximum": 7, "average": 6,
		"sumOfSquares": 74, "variance": 1, "stdDeviation": 1})
}

// TestStatisticsCountsThings: an array adds all its numbers to the
// statistics, but count is of things.
func TestStatisticsCountsThings(t *testing.T) {
	cfg := index.Config{ThingIndexingMode: "REGISTRY_AND_SHADOW", CustomFields: []index.Field{{Name: "shadow.reported.t", Type: index.TypeNumber}}}
	ix := index.New(cfg, index.DefaultSettings())
	for i, sh := range []string{`{"reported":{"t":[1,2,3]}}`, `{"reported":{"t":4}}`} {
		f, _ := index.Flatten(&index.Document{ThingName: fmt.Sprint("t", i), Shadow: json.RawMessage(sh)}, cfg)
		ix.Put(uint32(i), nil, f)
	}
	all, _ := ix.Parse("*")
	s, err := ix.Statistics(all, "shadow.reported.t")
	if err != nil || s.Count != 2 || s.Sum == nil || *s.Sum != 10 {
		t.Errorf("statistics = %+v, %v; want count 2 (things), sum 10 (values)", s, err)
	}
}

// TestStatisticsBeyondDoubleRange: values whose sum of squares overflows
// give empty statistics (AWS), never an infinity JSON cannot carry.
func TestStatisticsBeyondDoubleRange(t *testing.T) {
	cfg := index.Config{ThingIndexingMode: "REGISTRY", CustomFields: []index.Field{{Name: "attributes.v", Type: index.TypeNumber}}}
	ix := index.New(cfg, index.DefaultSettings())
	for i, v := range []string{"1e200", "3"} {
		f, _ := index.Flatten(&index.Document{ThingName: fmt.Sprint("t", i), Attributes: map[string]string{"v": v}}, cfg)
		ix.Put(uint32(i), nil, f)
	}
	all, _ := ix.Parse("*")
	s, err := ix.Statistics(all, "attributes.v")
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != 2 || s.Sum != nil || s.SumOfSquares != nil || s.Average != nil {
		t.Errorf("statistics = %+v; want the count only", s)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("encoding: %v", err)
	}
}

func checkStats(t *testing.T, name string, s index.Statistics, want map[string]float64) {
	t.Helper()
	got := map[string]*float64{"average": s.Average, "sum": s.Sum, "minimum": s.Minimum, "maximum": s.Maximum,
		"sumOfSquares": s.SumOfSquares, "variance": s.Variance, "stdDeviation": s.StdDeviation}
	if float64(s.Count) != want["count"] {
		t.Errorf("%s: count = %d; want %v", name, s.Count, want["count"])
	}
	for k, w := range want {
		if k == "count" {
			continue
		}
		if got[k] == nil || math.Abs(*got[k]-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s: %s = %v; want %v", name, k, deref(got[k]), w)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestPercentiles(t *testing.T) {
	ix := loadFleet(t, aggConfig(t))
	all, _ := ix.Parse("*")
	// Battery values 80, 15, 100, 50 → sorted 15 50 80 100; rank = p/100 × 3.
	got, err := ix.Percentiles(all, "shadow.reported.battery", []float64{50, 1, 100, 0, 75})
	if err != nil {
		t.Fatal(err)
	}
	want := []index.PercentPair{{50, 65}, {1, 16.05}, {100, 100}, {0, 15}, {75, 85}}
	if len(got) != len(want) {
		t.Fatalf("Percentiles = %v; want %v", got, want)
	}
	for i := range want {
		if got[i].Percent != want[i].Percent || math.Abs(got[i].Value-want[i].Value) > 1e-9 {
			t.Errorf("Percentiles[%d] = %v; want %v", i, got[i], want[i])
		}
	}
	if got, _ := ix.Percentiles(all, "shadow.reported.battery", nil); len(got) != 7 || got[0].Percent != 1 || got[6].Percent != 99 {
		t.Errorf("default percents = %v; want AWS's 1,5,25,50,75,95,99", got)
	}
	none, _ := ix.Parse("thingName:nobody")
	if got, err := ix.Percentiles(none, "shadow.reported.battery", nil); err != nil || len(got) != 0 {
		t.Errorf("no matches: %v, %v; want []", got, err)
	}
	if _, err := ix.Percentiles(all, "attributes.region", nil); !isCode(err, index.CodeInvalidAggregation) {
		t.Errorf("percentiles of a String field: err = %v; want InvalidAggregationException", err)
	}
	if _, err := ix.Percentiles(all, "shadow.reported.battery", []float64{101}); !isCode(err, index.CodeInvalidRequest) {
		t.Errorf("percent 101: err = %v; want InvalidRequestException", err)
	}
}

func TestCardinalityAndBuckets(t *testing.T) {
	ix := loadFleet(t, aggConfig(t))
	all, _ := ix.Parse("*")
	if c, err := ix.Cardinality(all, "attributes.region"); err != nil || c != 3 {
		t.Errorf("Cardinality(region) = %d, %v; want 3 (us-east-1 and US-EAST-1 are one value)", c, err)
	}
	if c, _ := ix.Cardinality(all, "shadow.reported.battery"); c != 4 {
		t.Errorf("Cardinality(battery) = %d; want 4", c)
	}
	none, _ := ix.Parse("thingName:nobody")
	if c, err := ix.Cardinality(none, "attributes.region"); err != nil || c != 0 {
		t.Errorf("Cardinality with no match = %d, %v; want 0", c, err)
	}
	total, buckets, err := ix.Buckets(all, "thingGroupNames", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []index.Bucket{{"ProductionDevices", 4}, {"CanaryFleet", 1}, {"RegionEU", 1}}
	if total != 6 || !slices.Equal(buckets, want) {
		t.Errorf("Buckets(thingGroupNames, 3) = %d %v; want 6 %v", total, buckets, want)
	}
	prod, _ := ix.Parse("thingGroupNames:ProductionDevices")
	total, buckets, _ = ix.Buckets(prod, "shadow.reported.battery", 10)
	want = []index.Bucket{{"15", 1}, {"50", 1}, {"80", 1}}
	if total != 4 || !slices.Equal(buckets, want) {
		t.Errorf("Buckets(battery) = %d %v; want 4 %v", total, buckets, want)
	}
}

func TestConfigManagedFieldsAsCustom(t *testing.T) {
	cfg, err := index.ParseConfig([]byte(`{"thingIndexingMode":"REGISTRY","managedFields":[{"name":"thingName","type":"String"},
		{"name":"attributes.owner","type":"String"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.CustomFields) != 1 || cfg.CustomFields[0].Name != "attributes.owner" {
		t.Errorf("CustomFields = %v; want attributes.owner taken from managedFields", cfg.CustomFields)
	}
	if _, err := index.ParseConfig([]byte(`{"customFields":[{"name":"attributes.x","type":"Float"}]}`)); err == nil {
		t.Error("custom field of type Float accepted")
	}
	if err := (index.Config{ThingIndexingMode: "ALL"}).Validate(); err == nil {
		t.Error("thingIndexingMode ALL accepted")
	}
}

// Thing names are case-sensitive while the thingName dictionary folds case:
// things whose names differ only in case must each come back under their
// own name, in ascending thingName order, on every page size.
func TestPaginationCaseDistinctNames(t *testing.T) {
	tests := []struct {
		name   string
		put    []string // thingNames, ids in order
		delete []int    // ids deleted afterwards
		want   []string
	}{
		{"upper first", []string{"MixA", "mixa", "MixB", "mixb", "Mixc"}, nil,
			[]string{"MixA", "MixB", "Mixc", "mixa", "mixb"}},
		{"lower first", []string{"mixa", "MixA", "mixb", "MixB"}, nil,
			[]string{"MixA", "MixB", "mixa", "mixb"}},
		{"first spelling deleted", []string{"MixA", "mixa", "other"}, []int{0},
			[]string{"mixa", "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := index.AllOn()
			ix := index.New(cfg, index.DefaultSettings())
			flats := make([]index.Flat, len(tt.put))
			for id, name := range tt.put {
				f, err := index.Flatten(&index.Document{ThingName: name}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				flats[id] = f
				ix.Put(uint32(id), nil, f)
			}
			for _, id := range tt.delete {
				ix.Delete(uint32(id), flats[id])
			}
			n, _ := ix.Parse("*")
			for _, size := range []int{1, 2, 100} {
				var got []string
				token := ""
				for pages := 0; ; pages++ {
					if pages > len(tt.put) {
						t.Fatalf("page size %d: pagination does not end", size)
					}
					p, err := ix.Search(n, size, token)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, p.Names...)
					if p.NextToken == "" {
						break
					}
					token = p.NextToken
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("page size %d: names = %v; want %v", size, got, tt.want)
				}
			}
		})
	}
}
