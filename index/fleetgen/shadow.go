package fleetgen

import (
	"encoding/json"
	"math"
	"math/rand/v2"
)

// The shadow is built from structs rather than maps so that marshalling is
// cheap and its key order fixed.

type shadowDoc struct {
	Reported  *reported             `json:"reported,omitempty"`
	Desired   *desired              `json:"desired,omitempty"`
	Delta     *desired              `json:"delta,omitempty"`
	HasDelta  *bool                 `json:"hasDelta,omitempty"`
	Metadata  *metadata             `json:"metadata,omitempty"`
	Version   int                   `json:"version"`
	Timestamp int64                 `json:"timestamp"`
	Name      map[string]namedState `json:"name,omitempty"`
}

type reported struct {
	FirmwareVersion string   `json:"firmware_version"`
	Temperature     float64  `json:"temperature"`
	Battery         int      `json:"battery"`
	Net             net      `json:"net"`
	Tags            []string `json:"tags"` // never nil: [] is a real case
}

type net struct {
	RSSI int `json:"rssi"`
}

type desired struct {
	FirmwareVersion string `json:"firmware_version,omitempty"`
}

type metadata struct {
	Reported map[string]stamp `json:"reported"`
	Desired  map[string]stamp `json:"desired,omitempty"`
}

type stamp struct {
	Timestamp int64 `json:"timestamp"`
}

type namedState struct {
	Reported modeState  `json:"reported"`
	Desired  *modeState `json:"desired,omitempty"`
	Version  int        `json:"version"`
}

type modeState struct {
	Mode string `json:"mode"`
}

// shadow draws a thing's shadow document (a JSON object). About a third of
// things have a desired firmware_version, which differs from the reported
// one in most of them, so shadow.delta.* and shadow.hasDelta vary. One
// shadow in ten carries an explicit delta and hasDelta, as SearchIndex
// results may; the others leave them to be computed.
func shadow(r *rand.Rand, epoch int64) json.RawMessage {
	now := epoch / 1000
	s := shadowDoc{
		Reported: &reported{
			FirmwareVersion: pick(r, firmwares),
			Temperature:     math.Round((60+8*r.NormFloat64())*10) / 10,
			Battery:         r.IntN(101),
			Net:             net{RSSI: -30 - r.IntN(71)},
		},
		Version:   1 + r.IntN(50),
		Timestamp: now - r.Int64N(7*24*3600),
	}
	s.Reported.Tags = make([]string, 0, 3)
	for _, j := range r.Perm(len(tagWords))[:r.IntN(4)] {
		s.Reported.Tags = append(s.Reported.Tags, tagWords[j])
	}
	t := s.Timestamp - r.Int64N(30*24*3600)
	s.Metadata = &metadata{Reported: map[string]stamp{
		"firmware_version": {t}, "temperature": {s.Timestamp}, "battery": {s.Timestamp},
	}}
	if r.IntN(100) < 35 {
		fw := s.Reported.FirmwareVersion
		if r.IntN(100) < 70 {
			for fw == s.Reported.FirmwareVersion {
				fw = pick(r, firmwares)
			}
		}
		s.Desired = &desired{FirmwareVersion: fw}
		s.Metadata.Desired = map[string]stamp{"firmware_version": {s.Timestamp}}
	}
	if r.IntN(100) < 10 {
		has := s.Desired != nil && s.Desired.FirmwareVersion != s.Reported.FirmwareVersion
		s.HasDelta = &has
		if has {
			s.Delta = s.Desired
		}
	}
	if r.IntN(100) < 20 {
		c := namedState{Reported: modeState{pick(r, modes)}, Version: 1 + r.IntN(10)}
		if r.IntN(100) < 30 {
			c.Desired = &modeState{pick(r, modes)}
		}
		s.Name = map[string]namedState{"config": c}
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic("fleetgen: marshal shadow: " + err.Error()) // plain structs cannot fail
	}
	return b
}
