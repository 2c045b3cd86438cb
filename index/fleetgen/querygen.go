package fleetgen

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fleetlab/fleetlab/index/query"
)

// Limits of a generated query.
const (
	MaxQueryDepth  = 4  // nodes on the longest root-to-leaf path
	MaxQueryLeaves = 10 // Term, Wildcard, Exists, Range and MatchAll nodes
)

// QueryGen draws random query ASTs for property tests, from the fleet's
// own vocabulary so that they often match something. It is deterministic in
// the *rand.Rand it is given. Positions (At) are all zero.
type QueryGen struct {
	r *rand.Rand
}

// NewQueryGen returns a generator drawing from r.
func NewQueryGen(r *rand.Rand) *QueryGen { return &QueryGen{r: r} }

// Query draws one query: at most MaxQueryDepth deep and MaxQueryLeaves
// leaves; And and Or always have two or more clauses.
func (g *QueryGen) Query() query.Node {
	n, _ := g.node(MaxQueryDepth, MaxQueryLeaves)
	return n
}

// node draws a subtree at most depth deep with at most budget leaves and
// reports how many leaves it used.
func (g *QueryGen) node(depth, budget int) (query.Node, int) {
	c := g.r.IntN(10)
	switch {
	case depth <= 1 || c < 4:
		return g.leaf(), 1
	case c < 5:
		x, used := g.node(depth-1, budget)
		return &query.Not{X: x}, used
	case budget < 2:
		return g.leaf(), 1
	}
	k := 2 + g.r.IntN(min(3, budget-1)) // 2..min(4, budget)
	clauses := make([]query.Node, k)
	used := 0
	for j := range clauses {
		// Leave at least one leaf for each clause still to come.
		x, u := g.node(depth-1, budget-used-(k-j-1))
		clauses[j] = x
		used += u
	}
	if c < 8 {
		return &query.And{Clauses: clauses}, used
	}
	return &query.Or{Clauses: clauses}, used
}

func (g *QueryGen) leaf() query.Node {
	switch c := g.r.IntN(100); {
	case c < 30:
		return g.term()
	case c < 40:
		return g.bareTerm()
	case c < 55:
		return g.wildcard()
	case c < 67:
		return &query.Exists{Field: g.oneOf(existsFields)}
	case c < 97:
		return g.rangeQuery()
	default:
		return &query.MatchAll{}
	}
}

// The query vocabulary, by kind of field.

// stringField is a field with string values and a way to draw one.
type stringField struct {
	name  string
	value func(g *QueryGen) string
}

func fromTable(table []choice[string], extra ...string) func(*QueryGen) string {
	vs := append(values(table), extra...)
	return func(g *QueryGen) string { return g.oneOf(vs) }
}

func fromList(vs ...string) func(*QueryGen) string {
	return func(g *QueryGen) string { return g.oneOf(vs) }
}

// Values that no thing has are mixed in so that queries also miss.
var stringFields = []stringField{
	{"thingName", func(g *QueryGen) string { return ThingName(g.r.IntN(2500)) }},
	{"thingTypeName", fromTable(thingTypes[:4], "Thermostat")},
	{"thingGroupNames", fromList(append(append(append(values(envGroups), values(extraGroups)...),
		"RegionNA", "RegionEU", "RegionAPAC"), "RegionLATAM")...)},
	{"attributes.region", fromTable(regions, "sa-east-1")},
	{"attributes.hw_rev", fromTable(hwRevs, "D")},
	{"attributes.model", fromList("TS-100", "TS-200", "HS-10", "GW-1", "GW-2", "CAM-4K", "CAM-8K")},
	// Serial prefixes: useful for wildcards and lexicographic ranges (the
	// leading-zero serials are strings only); as terms they miss.
	{"attributes.serial", fromList("0", "00", "01", "05", "1", "5", "9", "000000000")},
	{"shadow.reported.firmware_version", fromTable(firmwares, "3.0.0")},
	{"shadow.desired.firmware_version", fromTable(firmwares)},
	{"shadow.delta.firmware_version", fromTable(firmwares)},
	{"shadow.reported.tags", fromList(append(tagWords, "spare")...)},
	{"shadow.name.config.reported.mode", fromTable(modes, "turbo")},
	{"shadow.name.config.delta.mode", fromTable(modes)},
	{"connectivity.disconnectReason", fromTable(disconnectReasons)},
}

// numberField is a field with number values in [lo, hi], drawn with the
// given number of decimals.
type numberField struct {
	name     string
	lo, hi   float64
	decimals int
}

var numberFields = []numberField{
	{"attributes.batch", 1, 60, 0},
	{"attributes.serial", 100_000_000, 999_999_999, 0},
	{"shadow.reported.temperature", 40, 80, 1},
	{"shadow.reported.battery", 0, 100, 0},
	{"shadow.reported.net.rssi", -100, -30, 0},
	{"connectivity.timestamp", float64(DefaultEpoch - 7*24*3600*1000), float64(DefaultEpoch), 0},
	{"shadow.metadata.reported.battery.timestamp", float64(DefaultEpoch/1000 - 7*24*3600), float64(DefaultEpoch / 1000), 0},
}

// unsearchableFields have values in every thing but must match nothing.
// They are drawn rarely, or most queries touching them would be trivial.
var unsearchableFields = []numberField{
	{"registry.version", 1, 5, 0},
	{"shadow.version", 1, 50, 0},
	{"shadow.name.config.version", 1, 10, 0},
}

var boolFields = []string{"shadow.hasDelta", "shadow.name.config.hasDelta", "connectivity.connected"}

// existsFields mixes real fields, unsearchable ones, object paths that are
// not fields, and fields no thing has.
var existsFields = []string{
	"thingName", "thingId", "thingTypeName", "thingGroupNames",
	"attributes.region", "attributes.serial", "attributes.owner",
	"shadow.reported.firmware_version", "shadow.reported.tags", "shadow.reported.net",
	"shadow.reported.net.rssi", "shadow.desired.firmware_version", "shadow.delta.firmware_version",
	"shadow.hasDelta", "shadow.metadata.desired.firmware_version.timestamp",
	"shadow.name.config.reported.mode", "shadow.name.config.desired.mode", "shadow.name.config.hasDelta",
	"shadow.reported.missing", "shadow.version", "registry.version",
	"connectivity.connected", "connectivity.timestamp", "connectivity.disconnectReason", "connectivity.version",
	"deviceDefender.violationCount",
}

func (g *QueryGen) oneOf(vs []string) string { return vs[g.r.IntN(len(vs))] }

// numberField draws a number field, one time in twenty an unsearchable one.
func (g *QueryGen) numberField() numberField {
	if g.r.IntN(20) == 0 {
		return unsearchableFields[g.r.IntN(len(unsearchableFields))]
	}
	return numberFields[g.r.IntN(len(numberFields))]
}

// mixCase returns s as is, upper-cased, lower-cased or with random letter
// case, since values match case-insensitively.
func (g *QueryGen) mixCase(s string) string {
	switch g.r.IntN(10) {
	case 0, 1:
		return strings.ToUpper(s)
	case 2, 3:
		return strings.ToLower(s)
	case 4:
		var b strings.Builder
		for _, r := range s {
			if g.r.IntN(2) == 0 {
				b.WriteString(strings.ToUpper(string(r)))
			} else {
				b.WriteString(strings.ToLower(string(r)))
			}
		}
		return b.String()
	}
	return s
}

// number draws a number of f's domain as a literal, sometimes as 1e1-style
// or with a trailing ".0", which must match numerically all the same.
func (g *QueryGen) number(f numberField) string {
	x := f.lo + g.r.Float64()*(f.hi-f.lo)
	if f.decimals == 0 {
		x = float64(int64(x))
		switch c := g.r.IntN(20); {
		case c == 0 && x != 0 && int64(x)%10 == 0:
			return strconv.FormatInt(int64(x)/10, 10) + "e1"
		case c == 1:
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
	}
	return strconv.FormatFloat(x, 'f', f.decimals, 64)
}

func (g *QueryGen) term() query.Node {
	switch c := g.r.IntN(10); {
	case c < 5:
		f := stringFields[g.r.IntN(len(stringFields))]
		return &query.Term{Field: f.name, Value: g.mixCase(f.value(g)), Quoted: g.r.IntN(3) == 0}
	case c < 8:
		f := g.numberField()
		return &query.Term{Field: f.name, Value: g.number(f), Quoted: g.r.IntN(5) == 0}
	default:
		return &query.Term{Field: g.oneOf(boolFields), Value: g.mixCase(g.oneOf([]string{"true", "false"}))}
	}
}

// bareTerm is a term without a field, matching a value in any field.
func (g *QueryGen) bareTerm() query.Node {
	var v string
	switch c := g.r.IntN(10); {
	case c < 6:
		v = stringFields[g.r.IntN(len(stringFields))].value(g)
	case c < 9:
		v = g.number(g.numberField())
	default:
		v = g.oneOf([]string{"true", "false"})
	}
	return &query.Term{Value: g.mixCase(v)}
}

// wildcard derives a pattern from a real value: prefix*, *suffix, *infix*,
// one rune replaced by '?', or a literal rune escaped with a backslash.
func (g *QueryGen) wildcard() query.Node {
	var field, v string
	switch c := g.r.IntN(10); {
	case c < 8:
		f := stringFields[g.r.IntN(len(stringFields))]
		field, v = f.name, f.value(g)
	case c < 9:
		// Numeric attributes match wildcards on their raw string; numbers
		// from the shadow never do.
		f := g.numberField()
		field, v = f.name, g.number(f)
	default:
		f := stringFields[g.r.IntN(len(stringFields))]
		v = f.value(g) // bare wildcard
	}
	rs := []rune(g.mixCase(v))
	n := len(rs)
	k := 1 + g.r.IntN(max(n-1, 1)) // a cut strictly inside when possible
	var p string
	switch g.r.IntN(6) {
	case 0, 1:
		p = string(rs[:k]) + "*"
	case 2:
		p = "*" + string(rs[k:])
	case 3:
		lo := g.r.IntN(k)
		p = "*" + string(rs[lo:k]) + "*"
	case 4:
		p = string(rs[:k-1]) + "?" + string(rs[k:])
	default:
		p = string(rs[:k-1]) + `\` + string(rs[k-1:k]) + "*"
	}
	if p == "*" {
		// The parser reads f:* as Exists and a bare * as MatchAll; keep
		// to ASTs a query string can produce.
		p = string(rs) + "*"
	}
	return &query.Wildcard{Field: field, Pattern: p}
}

// rangeQuery draws a numeric range (mixed inclusive and exclusive ends,
// sometimes an open end, rarely both) or a lexicographic one on strings
// where that ordering is a trap (firmware versions) or natural (names).
func (g *QueryGen) rangeQuery() query.Node {
	r := &query.Range{IncludeLower: g.r.IntN(2) == 0, IncludeUpper: g.r.IntN(2) == 0}
	var lo, hi string
	var quoted bool
	if g.r.IntN(3) > 0 {
		f := g.numberField()
		r.Field = f.name
		lo, hi = g.number(f), g.number(f)
		if mustFloat(lo) > mustFloat(hi) {
			lo, hi = hi, lo
		}
		quoted = g.r.IntN(5) == 0
	} else {
		var f stringField
		for f.name == "" || !lexFields[f.name] {
			f = stringFields[g.r.IntN(len(stringFields))]
		}
		r.Field = f.name
		lo, hi = g.mixCase(f.value(g)), g.mixCase(f.value(g))
		if strings.ToLower(lo) > strings.ToLower(hi) {
			lo, hi = hi, lo
		}
		quoted = true
	}
	switch c := g.r.IntN(20); {
	case c < 3:
		r.Upper = &query.Bound{Value: hi, Quoted: quoted}
	case c < 6:
		r.Lower = &query.Bound{Value: lo, Quoted: quoted}
	case c < 19:
		r.Lower = &query.Bound{Value: lo, Quoted: quoted}
		r.Upper = &query.Bound{Value: hi, Quoted: quoted}
	}
	return r
}

// lexFields are the string fields that get lexicographic ranges.
var lexFields = map[string]bool{
	"shadow.reported.firmware_version": true, "shadow.desired.firmware_version": true,
	"attributes.region": true, "thingName": true, "attributes.serial": true,
}

func mustFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic("fleetgen: " + err.Error())
	}
	return f
}
