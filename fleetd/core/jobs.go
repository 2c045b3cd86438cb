package core

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs"
)

// The jobs engine sees the registry through coreFleet and reports through
// coreSink; the core forwards it the registry changes it follows (thing
// deletions, group membership) and its share of Tick.

type coreFleet struct{ c *Core }

func (f coreFleet) ThingExists(name string) bool {
	_, ok := f.c.reg.ThingID(name)
	return ok
}
func (f coreFleet) ThingGroupExists(name string) bool { return f.c.reg.ThingGroupExists(name) }
func (f coreFleet) GroupThings(name string) []string  { return f.c.reg.GroupThings(name) }
func (f coreFleet) InGroup(thing, group string) bool  { return f.c.reg.InThingGroup(thing, group) }

type coreSink struct{ c *Core }

func (s coreSink) Publish(topic string, payload []byte) { s.c.publish(topic, payload) }
func (s coreSink) Dirty(key string)                     { s.c.markDirty(key) }
func (s coreSink) Event(e jobs.Event) {
	s.c.event(Event{Time: e.Time, Kind: EventKind(e.Kind), Job: e.Job, Thing: e.Thing, Status: string(e.Status), Detail: e.Detail})
}

// Jobs returns the jobs engine: CreateJob and the rest of the jobs API
// are its methods, called with the same now as every core operation.
func (c *Core) Jobs() *jobs.Engine { return c.jobs }

// HandleJobsMQTT answers a device's request on a jobs topic
// ($aws/things/{thing}/jobs/...); the response goes to that client only.
func (c *Core) HandleJobsMQTT(now time.Time, clientID, topic string, payload []byte) {
	t, p := c.jobs.HandleMQTT(now, topic, payload)
	c.out.Messages = append(c.out.Messages, Message{Topic: t, Payload: p, ClientID: clientID})
}
