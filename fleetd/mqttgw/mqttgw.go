package mqttgw

import (
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/metrics"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/provision"
)

// Options configure a Gateway.
type Options struct {
	// Addr is the plain TCP listen address, e.g. "127.0.0.1:1883"; port 0
	// picks a free port (see Gateway.Addr). Empty: no plain listener (one
	// of Addr and TLSAddr is required).
	Addr string
	// Users maps user names to passwords. An empty map accepts every
	// client, whatever it sends, and New logs a warning.
	Users map[string]string
	// Logger receives the gateway's and mochi's logs; nil is slog.Default.
	Logger *slog.Logger
	// MaxClients bounds the connected clients; 0 is unlimited.
	MaxClients int64
	// Metrics counts sessions and messages; nil is not instrumented.
	Metrics *metrics.Metrics
	// TLSAddr is the mTLS listen address (AWS's 8883), empty for none.
	// TLS is its configuration: the server certificate, and a ClientAuth
	// that requires a client certificate (tls.RequireAnyClientCert: the
	// identity store, not crypto/tls, decides which are acceptable).
	TLSAddr string
	TLS     *tls.Config
	// Region and Account build the ARNs policies are evaluated against.
	Region, Account string
}

// Broker settings tuned for many mostly idle sessions (mochi's defaults
// suit a few busy ones). See doc.go.
const (
	clientWritesPending = 64        // per-client outbound queue (mochi default 8192)
	maxInflight         = 64        // stored QoS 1 messages per client (mochi default 8192)
	receiveMaximum      = 16        // concurrent inbound QoS 1 publishes per client (mochi default 1024)
	netBufferSize       = 1024      // bufio read buffer and write-batch threshold per client (mochi default 2048)
	maxPacketSize       = 132 << 10 // AWS payload limit 128 KiB plus room for topic and properties
	sessionExpiry       = 3600      // seconds a persistent session is kept (AWS default 1 h)
	topicAliasMaximum   = 8         // AWS IoT's topic alias limit
	maxClientIDBytes    = 128       // AWS IoT's client id limit
)

// Gateway is fleetd's MQTT side: an embedded mochi broker whose hook hands
// shadow requests and connection lifecycle to a node, and which publishes
// what the node delivers.
type Gateway struct {
	o      Options
	log    *slog.Logger
	srv    *mqtt.Server
	tcp    *listeners.TCP
	tlsLn  *listeners.TCP
	hook   *hook
	node   atomic.Pointer[node.Node]
	closed atomic.Bool
}

// New creates a gateway. n may be nil when the node is opened after the
// gateway (its Options.Deliver being g.Deliver); Attach it before Start.
func New(n *node.Node, o Options) (*Gateway, error) {
	if o.Addr == "" && o.TLSAddr == "" {
		return nil, errors.New("mqttgw: Options.Addr or Options.TLSAddr is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxClients < 0 {
		return nil, fmt.Errorf("mqttgw: Options.MaxClients %d is negative", o.MaxClients)
	}
	if len(o.Users) == 0 {
		o.Logger.Warn("mqttgw: no users configured; every client may connect")
	}
	if o.TLSAddr != "" && o.TLS == nil {
		return nil, errors.New("mqttgw: Options.TLSAddr needs Options.TLS")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	caps := mqtt.NewDefaultServerCapabilities()
	if o.MaxClients > 0 {
		caps.MaximumClients = o.MaxClients
	}
	caps.MaximumClientWritesPending = clientWritesPending
	caps.MaximumInflight = maxInflight
	caps.ReceiveMaximum = receiveMaximum
	caps.MaximumPacketSize = maxPacketSize
	caps.MaximumSessionExpiryInterval = sessionExpiry
	caps.TopicAliasMaximum = topicAliasMaximum
	caps.MaximumQos = 1 // AWS IoT Core has no QoS 2
	srv := mqtt.New(&mqtt.Options{
		Capabilities:             caps,
		ClientNetWriteBufferSize: netBufferSize,
		ClientNetReadBufferSize:  netBufferSize,
		Logger:                   o.Logger.With("component", "mochi"),
		InlineClient:             true, // Deliver publishes through it
	})
	g := &Gateway{o: o, log: o.Logger, srv: srv}
	if n != nil {
		g.node.Store(n)
	}
	g.hook = &hook{g: g}
	if err := srv.AddHook(g.hook, nil); err != nil {
		return nil, fmt.Errorf("mqttgw: %w", err)
	}
	return g, nil
}

// Attach sets the node the gateway hands requests to. Call it before
// Start; it is how a gateway created before its node gets one.
func (g *Gateway) Attach(n *node.Node) { g.node.Store(n) }

// Start binds the listener and starts serving.
func (g *Gateway) Start() error {
	if g.node.Load() == nil {
		return errors.New("mqttgw: Start without a node (call Attach)")
	}
	if g.o.Addr != "" {
		g.tcp = listeners.NewTCP(listeners.Config{ID: "tcp", Address: g.o.Addr})
		if err := g.srv.AddListener(g.tcp); err != nil {
			return fmt.Errorf("mqttgw: listening on %s: %w", g.o.Addr, err)
		}
	}
	if g.o.TLSAddr != "" {
		g.tlsLn = listeners.NewTCP(listeners.Config{ID: tlsListenerID, Address: g.o.TLSAddr, TLSConfig: g.o.TLS})
		if err := g.srv.AddListener(g.tlsLn); err != nil {
			return fmt.Errorf("mqttgw: listening on %s: %w", g.o.TLSAddr, err)
		}
	}
	if err := g.srv.Serve(); err != nil {
		return fmt.Errorf("mqttgw: %w", err)
	}
	return nil
}

// Addr returns the bound listen address once started (the real port when
// Options.Addr used port 0), else Options.Addr.
func (g *Gateway) Addr() string {
	if g.tcp == nil {
		return g.o.Addr
	}
	return g.tcp.Address()
}

// TLSAddr returns the bound mTLS address once started, else
// Options.TLSAddr.
func (g *Gateway) TLSAddr() string {
	if g.tlsLn == nil {
		return g.o.TLSAddr
	}
	return g.tlsLn.Address()
}

// Close disconnects every client (each gets a SERVER_INITIATED_DISCONNECT
// lifecycle event through the node), waits for their goroutines and stops
// the broker. Close the gateway before the node.
func (g *Gateway) Close() error {
	if g.closed.Swap(true) {
		return nil
	}
	return g.srv.Close()
}

// Deliver publishes the node's messages through the broker; pass it as
// node.Options.Deliver. A message with a ClientID goes to that client only,
// and only if it is subscribed to the topic. Events are not MQTT traffic
// and are ignored. Deliver never blocks on a slow subscriber: a client
// whose outbound queue is full loses the message (mochi counts it in
// $SYS messages dropped).
func (g *Gateway) Deliver(msgs []core.Message, events []core.Event) {
	g.disconnectCertificates(events)
	for _, m := range msgs {
		if g.closed.Load() {
			return
		}
		var err error
		g.o.Metrics.Message("out", messageKind(m.Topic))
		if m.ClientID != "" {
			err = g.deliverTo(m)
		} else {
			err = g.srv.Publish(m.Topic, m.Payload, m.Retain, 1)
		}
		if err != nil {
			g.log.Warn("mqttgw: delivering", "topic", m.Topic, "client", m.ClientID, "err", err)
		}
	}
}

// deliverTo writes a message to one client if it subscribes to the topic,
// or whatever its subscriptions for a jobs response (AWS sends those to
// the requester even unsubscribed, spec §3). mochi has no public
// per-client publish through the outbound queue, so the packet is written
// directly, in the caller's goroutine.
func (g *Gateway) deliverTo(m core.Message) error {
	sub, ok := g.srv.Topics.Subscribers(m.Topic).Subscriptions[m.ClientID]
	if !ok && !strings.Contains(m.Topic, "/jobs/") && !strings.HasPrefix(m.Topic, "$aws/certificates/") && !strings.HasPrefix(m.Topic, "$aws/provisioning-templates/") {
		return nil
	}
	cl, ok := g.srv.Clients.Get(m.ClientID)
	if !ok || cl.Closed() {
		return nil
	}
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish},
		TopicName:   m.Topic,
		Payload:     m.Payload,
		Created:     time.Now().Unix(),
	}
	if len(sub.Identifiers) > 0 {
		for _, id := range sub.Identifiers {
			pk.Properties.SubscriptionIdentifier = append(pk.Properties.SubscriptionIdentifier, id)
		}
	}
	return cl.WritePacket(pk)
}

// shadowRequest is a parsed shadow request topic.
type shadowRequest struct {
	thing, name, op string
}

// parseShadowRequest recognises $aws/things/{thing}/shadow/{op} and
// $aws/things/{thing}/shadow/name/{name}/{op} with op update, get or
// delete.
func parseShadowRequest(topic string) (shadowRequest, bool) {
	rest, ok := strings.CutPrefix(topic, "$aws/things/")
	if !ok {
		return shadowRequest{}, false
	}
	parts := strings.Split(rest, "/")
	var r shadowRequest
	switch {
	case len(parts) == 3 && parts[1] == "shadow":
		r = shadowRequest{thing: parts[0], op: parts[2]}
	case len(parts) == 5 && parts[1] == "shadow" && parts[2] == "name" && parts[3] != "":
		r = shadowRequest{thing: parts[0], name: parts[3], op: parts[4]}
	default:
		return shadowRequest{}, false
	}
	if r.thing == "" {
		return shadowRequest{}, false
	}
	switch r.op {
	case "update", "get", "delete":
		return r, true
	}
	return shadowRequest{}, false
}

func (r shadowRequest) apply(payload []byte) func(c *core.Core, now time.Time) error {
	return func(c *core.Core, now time.Time) error {
		var err error
		switch r.op {
		case "update":
			_, err = c.UpdateThingShadow(now, core.FromMQTT, r.thing, r.name, payload)
		case "get":
			_, err = c.GetThingShadow(now, core.FromMQTT, r.thing, r.name, payload)
		case "delete":
			_, err = c.DeleteThingShadow(now, core.FromMQTT, r.thing, r.name, payload)
		}
		return err
	}
}

// disconnectReason maps how mochi saw a session end to an AWS lifecycle
// reason; ok is false for a session taken over by a new connection with
// the same client id (the core's Connect reports DUPLICATE_CLIENTID).
func disconnectReason(cl *mqtt.Client, err error) (reason string, ok bool) {
	cause := cl.StopCause()
	is := func(target error) bool { return errors.Is(err, target) || errors.Is(cause, target) }
	var ne net.Error
	switch {
	case cl.IsTakenOver() || is(packets.ErrSessionTakenOver):
		return "", false
	case is(packets.ErrServerShuttingDown):
		return core.ReasonServerInitiated, true
	case err == nil, is(packets.CodeDisconnect), is(packets.CodeDisconnectWillMessage):
		// Read returns nil after the client's DISCONNECT stopped it.
		return core.ReasonClientInitiated, true
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		// The read deadline is 1.5 × keepalive.
		return core.ReasonKeepAlive, true
	}
	var code packets.Code
	if errors.As(cause, &code) && code.Code >= packets.ErrUnspecifiedError.Code {
		return "CLIENT_ERROR", true // the broker dropped it for a protocol error
	}
	return core.ReasonConnectionLost, true
}

// hook is the gateway's one mochi hook: it translates, the core decides.
type hook struct {
	mqtt.HookBase
	g     *Gateway
	certs certClients // mTLS connections and their certificates
	subs  subscribing // SUBSCRIBE filters being checked
}

func (h *hook) ID() string { return "fleetd" }

func (h *hook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablished, mqtt.OnDisconnect, mqtt.OnPublish,
		mqtt.OnSubscribe, mqtt.OnSubscribed, mqtt.OnUnsubscribed, mqtt.OnClientExpired:
		return true
	}
	return false
}

func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if len(cl.ID) > maxClientIDBytes {
		h.g.log.Info("mqttgw: connect refused: client id longer than 128 bytes", "bytes", len(cl.ID))
		return false
	}
	if isTLS(cl) {
		return h.authenticateTLS(cl, pk)
	}
	if len(h.g.o.Users) == 0 {
		return true
	}
	want, ok := h.g.o.Users[string(pk.Connect.Username)]
	return ok && subtle.ConstantTimeCompare([]byte(want), pk.Connect.Password) == 1
}

// OnSubscribe notes the filters of a subscription so that OnACLCheck
// checks them as iot:Subscribe, not iot:Receive.
func (h *hook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if isTLS(cl) {
		filters := make([]string, len(pk.Filters))
		for i, f := range pk.Filters {
			filters[i] = f.Filter
		}
		h.subs.begin(cl, filters)
	}
	return pk
}

// OnSubscribed ends the subscription's checks and publishes the
// subscription lifecycle event with the filters granted.
func (h *hook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, reasonCodes []byte) {
	if isTLS(cl) {
		h.subs.end(cl)
	}
	if cl.Net.Inline {
		return
	}
	var granted []string
	for i, f := range pk.Filters {
		if i < len(reasonCodes) && reasonCodes[i] < 0x80 {
			granted = append(granted, f.Filter)
		}
	}
	id := cl.ID
	h.do("subscribed", id, func(c *core.Core, now time.Time) error { c.Subscribed(now, id, granted, true); return nil })
}

// OnUnsubscribed publishes the unsubscription lifecycle event.
func (h *hook) OnUnsubscribed(cl *mqtt.Client, pk packets.Packet) {
	if cl.Net.Inline {
		return
	}
	var topics []string
	for _, f := range pk.Filters {
		topics = append(topics, f.Filter)
	}
	id := cl.ID
	h.do("unsubscribed", id, func(c *core.Core, now time.Time) error { c.Subscribed(now, id, topics, false); return nil })
}

// OnACLCheck decides publishes and subscribes of mTLS clients by their
// certificate's policies; plain-listener clients are trusted.
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if !isTLS(cl) {
		return true
	}
	return h.authorizeTLS(cl, topic, write)
}

func (h *hook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	ip := cl.Net.Remote
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	h.g.o.Metrics.ClientConnected()
	principal := string(cl.Properties.Username)
	if certID, ok := h.certs.get(cl); ok {
		principal = certID // AWS's principalIdentifier for a certificate
	}
	req := core.ConnectRequest{ClientID: cl.ID, PrincipalID: principal, IPAddress: ip}
	h.do("connect", cl.ID, func(c *core.Core, now time.Time) error { c.Connect(now, req); return nil })
}

func (h *hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	h.g.o.Metrics.ClientDisconnected()
	if expire {
		h.certs.drop(cl) // a persistent session keeps it for its queued messages
	}
	reason, ok := disconnectReason(cl, err)
	if !ok {
		return
	}
	h.do("disconnect", cl.ID, func(c *core.Core, now time.Time) error { c.Disconnect(now, cl.ID, reason); return nil })
}

// OnClientExpired forgets the certificate of a persistent session that
// has expired.
func (h *hook) OnClientExpired(cl *mqtt.Client) { h.certs.drop(cl) }

// OnPublish hands shadow requests to the core and keeps them from
// subscribers; the core's answers come back through Deliver. The packet is
// marked ignored rather than rejected so that a QoS 1 request still gets
// its PUBACK, sent once the request's effects are durable.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	if provision.IsProvisioningTopic(pk.TopicName) {
		h.g.o.Metrics.Message("in", "provisioning")
		topic, payload, id := pk.TopicName, pk.Payload, cl.ID
		claim, _ := h.certs.get(cl) // "" on the plain listener: the engine refuses without a claim certificate
		h.do("provisioning", id, func(c *core.Core, now time.Time) error {
			c.HandleProvisioningMQTT(now, id, claim, topic, payload)
			return nil
		})
		return pk, packets.CodeSuccessIgnore
	}
	if jobs.IsJobsTopic(pk.TopicName) {
		h.g.o.Metrics.Message("in", "jobs")
		topic, payload, id := pk.TopicName, pk.Payload, cl.ID
		h.run("jobs", id, pk.FixedHeader.Qos, func(c *core.Core, now time.Time) error { c.HandleJobsMQTT(now, id, topic, payload); return nil })
		return pk, packets.CodeSuccessIgnore
	}
	r, ok := parseShadowRequest(pk.TopicName)
	if !ok {
		h.g.o.Metrics.Message("in", "other")
		return pk, nil
	}
	h.g.o.Metrics.Message("in", "shadow")
	h.run("shadow "+r.op, cl.ID, pk.FixedHeader.Qos, r.apply(pk.Payload))
	return pk, packets.CodeSuccessIgnore
}

// run runs a client's request: a QoS 0 one without waiting for its
// durability (nobody is acknowledged; its effects are still persisted and
// delivered in order), a QoS 1 one with do, so that the PUBACK follows
// durability.
func (h *hook) run(what, clientID string, qos byte, op func(c *core.Core, now time.Time) error) {
	if qos > 0 {
		h.do(what, clientID, op)
		return
	}
	n := h.g.node.Load()
	if n == nil {
		h.g.log.Error("mqttgw: no node attached", "op", what, "client", clientID)
		return
	}
	h.report(what, clientID, n.Submit(op))
}

// do runs op on the node. AWS errors are answers the core already
// published; anything else is logged.
func (h *hook) do(what, clientID string, op func(c *core.Core, now time.Time) error) {
	n := h.g.node.Load()
	if n == nil {
		h.g.log.Error("mqttgw: no node attached", "op", what, "client", clientID)
		return
	}
	h.report(what, clientID, n.Do(op))
}

// report logs a request's failure: AWS errors are answers the core already
// published; anything else is a fault.
func (h *hook) report(what, clientID string, err error) {
	var aerr *awserr.Error
	switch {
	case err == nil:
	case errors.As(err, &aerr):
		h.g.log.Debug("mqttgw: request rejected", "op", what, "client", clientID, "err", err)
	default:
		h.g.log.Error("mqttgw: node operation failed", "op", what, "client", clientID, "err", err)
	}
}

// messageKind is the metrics label of a topic: the reserved families, or
// other.
func messageKind(topic string) string {
	switch {
	case strings.HasPrefix(topic, "$aws/things/") && strings.Contains(topic, "/shadow/"):
		return "shadow"
	case strings.HasPrefix(topic, "$aws/things/") && strings.Contains(topic, "/jobs/"):
		return "jobs"
	case strings.HasPrefix(topic, "$aws/certificates/") || strings.HasPrefix(topic, "$aws/provisioning-templates/"):
		return "provisioning"
	case strings.HasPrefix(topic, "$aws/events/"):
		return "events"
	}
	return "other"
}
