package fleetgen

import "math/rand/v2"

// The fleet's vocabulary. Doc draws from it, and QueryGen draws query
// values from the same tables so that random queries often match.

// choice is one entry of a weighted table.
type choice[T any] struct {
	v T
	w int
}

// pick draws from a weighted table.
func pick[T any](r *rand.Rand, table []choice[T]) T {
	total := 0
	for _, c := range table {
		total += c.w
	}
	n := r.IntN(total)
	for _, c := range table {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	panic("fleetgen: unreachable")
}

// values lists the entries of a weighted table, for the query generator.
func values[T any](table []choice[T]) []T {
	out := make([]T, len(table))
	for i, c := range table {
		out[i] = c.v
	}
	return out
}

// thingTypes: "" is a thing without a type, which registries do have.
var thingTypes = []choice[string]{
	{"TemperatureSensor", 45}, {"HumiditySensor", 25}, {"Gateway", 15}, {"Camera", 13}, {"", 2},
}

// models by thing type.
var models = map[string][]string{
	"TemperatureSensor": {"TS-100", "TS-200"},
	"HumiditySensor":    {"HS-10"},
	"Gateway":           {"GW-1", "GW-2"},
	"Camera":            {"CAM-4K"},
	"":                  {"TS-100"},
}

var regions = []choice[string]{
	{"us-east-1", 40}, {"eu-west-1", 25}, {"ap-southeast-2", 15}, {"us-west-2", 12}, {"eu-central-1", 8},
}

// regionGroups maps a region attribute to its static group, so that
// group membership and attributes are correlated as in a real registry.
var regionGroups = map[string]string{
	"us-east-1": "RegionNA", "us-west-2": "RegionNA",
	"eu-west-1": "RegionEU", "eu-central-1": "RegionEU",
	"ap-southeast-2": "RegionAPAC",
}

var envGroups = []choice[string]{
	{"ProductionDevices", 80}, {"StagingDevices", 15}, {"DevelopmentDevices", 5},
}

// extraGroups includes the billing groups, which AWS reports among
// thingGroupNames too.
var extraGroups = []choice[string]{
	{"BillingStandard", 45}, {"BillingPremium", 25}, {"CanaryFleet", 12}, {"FieldTrial", 10}, {"LegacyHardware", 8},
}

var hwRevs = []choice[string]{{"A", 20}, {"B", 50}, {"C", 30}}

// firmwares are strings, and compare lexicographically: "10.0.0" < "2.1.0".
var firmwares = []choice[string]{{"2.0.3", 20}, {"2.1.0", 40}, {"2.2.0", 30}, {"10.0.0", 10}}

var tagWords = []string{"outdoor", "indoor", "rooftop", "basement", "critical", "lab", "pilot"}

var modes = []choice[string]{{"eco", 50}, {"normal", 35}, {"performance", 15}}

// disconnectReasons are lifecycle-event disconnect reasons.
var disconnectReasons = []choice[string]{
	{"CONNECTION_LOST", 40}, {"MQTT_KEEP_ALIVE_TIMEOUT", 25}, {"CLIENT_INITIATED_DISCONNECT", 20},
	{"SERVER_INITIATED_DISCONNECT", 5}, {"DUPLICATE_CLIENTID", 5}, {"AUTH_ERROR", 5},
}
