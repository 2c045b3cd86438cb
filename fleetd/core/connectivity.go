package core

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/index"
)

// connectivity is what fleetd knows of a client id's connection, fed by
// MQTT connects and disconnects (the simulator calls the same methods).
type connectivity struct {
	Connected        bool      `json:"connected"`
	Timestamp        int64     `json:"timestamp"` // epoch ms of the last change
	DisconnectReason string    `json:"disconnectReason,omitempty"`
	Version          int64     `json:"versionNumber"` // lifecycle versionNumber of the current or last session
	Session          sessionID `json:"sessionIdentifier,omitzero"`
	Principal        string    `json:"principalIdentifier,omitempty"`
}

func (cs *connectivity) indexed() *index.Connectivity {
	return &index.Connectivity{Connected: cs.Connected, Timestamp: cs.Timestamp, DisconnectReason: cs.DisconnectReason}
}

// ConnectRequest describes an accepted MQTT connection.
type ConnectRequest struct {
	ClientID    string
	PrincipalID string // certificate id, or the user name on the plain listener
	IPAddress   string
}

// DisconnectReasons AWS reports in lifecycle events.
const (
	ReasonClientInitiated = "CLIENT_INITIATED_DISCONNECT"
	ReasonConnectionLost  = "CONNECTION_LOST"
	ReasonDuplicateClient = "DUPLICATE_CLIENTID"
	ReasonKeepAlive       = "MQTT_KEEP_ALIVE_TIMEOUT"
	ReasonServerInitiated = "SERVER_INITIATED_DISCONNECT"
	ReasonAuthError       = "AUTH_ERROR"
	ReasonForbidden       = "FORBIDDEN_ACCESS"
)

type lifecycleEvent struct {
	ClientID                  string `json:"clientId"`
	Timestamp                 int64  `json:"timestamp"`
	EventType                 string `json:"eventType"`
	SessionIdentifier         string `json:"sessionIdentifier"`
	PrincipalIdentifier       string `json:"principalIdentifier"`
	IPAddress                 string `json:"ipAddress,omitempty"`
	ClientInitiatedDisconnect *bool  `json:"clientInitiatedDisconnect,omitempty"`
	DisconnectReason          string `json:"disconnectReason,omitempty"`
	VersionNumber             int64  `json:"versionNumber"`
	ThingName                 string `json:"thingName,omitempty"`
}

// Connect records a new session of a client: a lifecycle "connected" event
// and, when the client id names a thing, its connectivity in the index. A
// second connect of a connected client first ends the old session with
// DUPLICATE_CLIENTID, as AWS does.
func (c *Core) Connect(now time.Time, req ConnectRequest) {
	cs := c.connSlot(req.ClientID)
	if cs.Connected {
		c.Disconnect(now, req.ClientID, ReasonDuplicateClient)
	}
	before := *cs
	cs.Connected, cs.Timestamp, cs.DisconnectReason = true, now.UnixMilli(), ""
	cs.Version++
	cs.Session = c.newSession()
	cs.Principal = req.PrincipalID
	c.lifecycle(now, req.ClientID, cs, "connected", req.IPAddress)
	c.connectivityChanged(now, req.ClientID, &before, cs)
	c.event(Event{Time: now, Kind: EventConnected, Thing: req.ClientID})
}

// connSlot returns the connectivity of a client id, creating it.
func (c *Core) connSlot(clientID string) *connectivity {
	cs := c.conns[clientID]
	if cs == nil {
		cs = c.connChunks.new()
		c.conns[clientID] = cs
	}
	return cs
}

// Disconnect ends the session of a client with one of the AWS reasons.
func (c *Core) Disconnect(now time.Time, clientID, reason string) {
	cs := c.conns[clientID]
	if cs == nil || !cs.Connected {
		return
	}
	before := *cs
	cs.Connected, cs.Timestamp, cs.DisconnectReason = false, now.UnixMilli(), reason
	c.lifecycle(now, clientID, cs, "disconnected", "")
	c.connectivityChanged(now, clientID, &before, cs)
	c.event(Event{Time: now, Kind: EventDisconnected, Thing: clientID, Detail: reason})
}

// IsConnected reports whether a client id has a live session.
func (c *Core) IsConnected(clientID string) bool {
	cs := c.conns[clientID]
	return cs != nil && cs.Connected
}

// GetThingConnectivityData answers the single-thing connectivity query.
func (c *Core) GetThingConnectivityData(thingName string) (map[string]any, error) {
	if _, ok := c.reg.ThingID(thingName); !ok {
		return nil, thingNotFound(thingName)
	}
	out := map[string]any{"thingName": thingName, "connected": false}
	if cs := c.conns[thingName]; cs != nil {
		out["connected"] = cs.Connected
		out["timestamp"] = float64(cs.Timestamp) / 1000
		if cs.DisconnectReason != "" {
			out["disconnectReason"] = cs.DisconnectReason
		}
	}
	return out, nil
}

func (c *Core) lifecycle(now time.Time, clientID string, cs *connectivity, kind, ip string) {
	if strings.ContainsAny(clientID, "#+") {
		return // AWS sends no lifecycle events for such client ids
	}
	ev := lifecycleEvent{
		ClientID: clientID, Timestamp: now.UnixMilli(), EventType: kind,
		SessionIdentifier: cs.Session.String(), PrincipalIdentifier: cs.Principal, IPAddress: ip, VersionNumber: cs.Version,
	}
	if kind == "disconnected" {
		initiated := cs.DisconnectReason == ReasonClientInitiated
		ev.ClientInitiatedDisconnect = &initiated
		ev.DisconnectReason = cs.DisconnectReason
	}
	if _, ok := c.reg.ThingID(clientID); ok {
		ev.ThingName = clientID
	}
	b, _ := json.Marshal(ev)
	c.publish(fmt.Sprintf("$aws/events/presence/%s/%s", kind, clientID), b)
}

// connectivityChanged persists the client's state and re-indexes the thing
// of the same name.
func (c *Core) connectivityChanged(now time.Time, clientID string, before, after *connectivity) {
	c.markDirty(keyConn(clientID))
	id, ok := c.reg.ThingID(clientID)
	if !ok || !c.idx.on() || c.idx.icfg.ThingConnectivityIndexingMode != "STATUS" {
		return
	}
	var old index.Flat
	if before.Version > 0 {
		old = c.connFlat(&c.flatBuf, before)
	}
	c.enqueue(now, indexOp{thing: clientID, id: id, old: old, new: c.connFlat(&c.flatBuf, after)})
}

func (c *Core) connFlat(b *index.FlatBuilder, cs *connectivity) index.Flat {
	return b.Connectivity(cs.indexed(), c.idx.icfg)
}

// newSession draws a deterministic session identifier from the core's
// stream.
func (c *Core) newSession() sessionID {
	c.markDirty(keySessionRNG) // a restart goes on from here, never repeating an id
	return newSessionID(c.rand())
}

func (c *Core) rand() *rand.Rand {
	if c.rng == nil {
		c.pcg = rand.NewPCG(c.opts.Seed, 0x636f7265) // "core"
		c.rng = rand.New(c.pcg)
	}
	return c.rng
}

func thingNotFound(name string) error {
	return awserr.New(awserr.ResourceNotFound, "Thing %s cannot be found.", name)
}

// subscriptionEvent is AWS's $aws/events/subscriptions/... payload.
type subscriptionEvent struct {
	ClientID            string   `json:"clientId"`
	Timestamp           int64    `json:"timestamp"`
	EventType           string   `json:"eventType"`
	SessionIdentifier   string   `json:"sessionIdentifier"`
	PrincipalIdentifier string   `json:"principalIdentifier"`
	Topics              []string `json:"topics"`
}

// Subscribed publishes the lifecycle event of a client's SUBSCRIBE
// (subscribed true) or UNSUBSCRIBE: the topic filters granted.
func (c *Core) Subscribed(now time.Time, clientID string, topics []string, subscribed bool) {
	cs := c.conns[clientID]
	if cs == nil || !cs.Connected || len(topics) == 0 || strings.ContainsAny(clientID, "#+") {
		return
	}
	kind := "subscribed"
	if !subscribed {
		kind = "unsubscribed"
	}
	b, _ := json.Marshal(subscriptionEvent{ClientID: clientID, Timestamp: now.UnixMilli(), EventType: kind,
		SessionIdentifier: cs.Session.String(), PrincipalIdentifier: cs.Principal, Topics: topics})
	c.publish("$aws/events/subscriptions/"+kind+"/"+clientID, b)
}
