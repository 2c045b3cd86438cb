package mqttgw

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// Authentication and authorization on the mTLS listener, as AWS IoT does
// them: the client certificate must be registered and ACTIVE, and every
// CONNECT (iot:Connect on client/{clientId}), PUBLISH (iot:Publish on
// topic/{topic}) and SUBSCRIBE (iot:Subscribe on topicfilter/{filter}) is
// decided by the policies attached to the certificate (and to the static
// groups of its thing), through the identity store's cached evaluator.
// The plain listener keeps its username/password login and checks no
// policies: it is for local development.

const tlsListenerID = "mqtts"

// certClients remembers which certificate each mTLS connection presented,
// so that its publishes and subscribes are checked against it and a
// certificate that is deactivated can have its connections dropped. It is
// keyed by connection, not client id: a session taken over by a new
// connection must not lose the new one's certificate when the old one
// ends. A persistent session keeps its entry while its client is offline:
// messages queued for it are checked (iot:Receive) against the
// certificate it connected with; the entry goes when the session expires
// or a new connection of the same client id takes it over.
type certClients struct {
	mu     sync.Mutex
	byConn map[*mqtt.Client]string
	byCert map[string]map[*mqtt.Client]struct{}
	byID   map[string]*mqtt.Client // the latest connection of each client id
}

func (c *certClients) set(cl *mqtt.Client, certID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byConn == nil {
		c.byConn, c.byCert, c.byID = map[*mqtt.Client]string{}, map[string]map[*mqtt.Client]struct{}{}, map[string]*mqtt.Client{}
	}
	if old := c.byID[cl.ID]; old != nil && old != cl && old.Closed() {
		c.dropLocked(old) // an offline session's connection, taken over
	}
	c.byID[cl.ID] = cl
	c.byConn[cl] = certID
	if c.byCert[certID] == nil {
		c.byCert[certID] = map[*mqtt.Client]struct{}{}
	}
	c.byCert[certID][cl] = struct{}{}
}

func (c *certClients) get(cl *mqtt.Client) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.byConn[cl]
	return id, ok
}

func (c *certClients) drop(cl *mqtt.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(cl)
}

func (c *certClients) dropLocked(cl *mqtt.Client) {
	if c.byID[cl.ID] == cl {
		delete(c.byID, cl.ID)
	}
	if id, ok := c.byConn[cl]; ok {
		delete(c.byCert[id], cl)
		if len(c.byCert[id]) == 0 {
			delete(c.byCert, id)
		}
		delete(c.byConn, cl)
	}
}

func (c *certClients) connectionsOf(certID string) []*mqtt.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*mqtt.Client
	for cl := range c.byCert[certID] {
		out = append(out, cl)
	}
	return out
}

// subscribing holds the filters of SUBSCRIBE packets being processed:
// mochi asks OnACLCheck(write=false) both for a subscription's filter and
// for each delivery's topic, and only this tells iot:Subscribe from
// iot:Receive.
type subscribing struct {
	mu      sync.Mutex
	filters map[*mqtt.Client]map[string]int
}

func (s *subscribing) begin(cl *mqtt.Client, filters []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.filters == nil {
		s.filters = map[*mqtt.Client]map[string]int{}
	}
	m := map[string]int{}
	for _, f := range filters {
		m[f]++
	}
	s.filters[cl] = m
}

// take reports whether filter is part of cl's SUBSCRIBE in progress, and
// consumes it.
func (s *subscribing) take(cl *mqtt.Client, filter string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.filters[cl]
	if m[filter] == 0 {
		return false
	}
	m[filter]--
	return true
}

func (s *subscribing) end(cl *mqtt.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.filters, cl)
}

// peerCertificate returns the client certificate of an mTLS connection.
func peerCertificate(cl *mqtt.Client) (*x509.Certificate, bool) {
	conn, ok := cl.Net.Conn.(*tls.Conn)
	if !ok {
		return nil, false
	}
	st := conn.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return nil, false
	}
	return st.PeerCertificates[0], true
}

func (g *Gateway) arn(kind, name string) string {
	return "arn:aws:iot:" + g.o.Region + ":" + g.o.Account + ":" + kind + "/" + name
}

// allowed asks the identity store whether a certificate may act.
func (h *hook) allowed(certID, clientID, action, resource string) (policy.Decision, error) {
	n := h.g.node.Load()
	if n == nil {
		return policy.Decision{}, fmt.Errorf("no node attached")
	}
	var d policy.Decision
	err := n.Read(func(c *core.Core, _ time.Time) error {
		ident := c.Identity()
		if ident == nil {
			return fmt.Errorf("fleetd has no CA: mTLS clients cannot be authorized")
		}
		var err error
		d, err = ident.Allowed(certID, clientID, action, resource)
		return err
	})
	return d, err
}

// authenticateTLS admits an mTLS client whose certificate may connect
// with its client id.
func (h *hook) authenticateTLS(cl *mqtt.Client, pk packets.Packet) bool {
	cert, ok := peerCertificate(cl)
	if !ok {
		h.g.log.Info("mqttgw: mTLS client without a certificate refused", "client", cl.ID)
		return false
	}
	certID := pki.CertificateID(cert.Raw)
	if err := h.withinValidity(cert); err != nil {
		h.g.log.Info("mqttgw: connect refused", "client", cl.ID, "certificate", certID, "err", err)
		return false
	}
	d, err := h.allowed(certID, cl.ID, policy.ActionConnect, h.g.arn("client", cl.ID))
	if err != nil {
		h.firstConnect(cl, cert, certID, err)
		return false
	}
	if !d.Allowed {
		h.g.log.Info("mqttgw: connect refused", "client", cl.ID, "certificate", certID, "decision", d.String())
		return false
	}
	h.certs.set(cl, certID)
	return true
}

// withinValidity refuses a certificate outside its validity period at the
// node's time, as AWS's TLS handshake does: a provisioning claim's
// certificate lasts five minutes.
func (h *hook) withinValidity(cert *x509.Certificate) error {
	n := h.g.node.Load()
	if n == nil {
		return errors.New("no node attached")
	}
	return n.Do(func(_ *core.Core, now time.Time) error {
		switch {
		case now.Before(cert.NotBefore):
			return fmt.Errorf("certificate not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
		case now.After(cert.NotAfter):
			return fmt.Errorf("certificate expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// firstConnect handles a certificate the identity store does not accept:
// one signed by a registered CA is registered (JITR) and provisioned
// (JITP) now. Like AWS, the connection that brought it is refused anyway;
// the device connects again once its certificate is ACTIVE.
func (h *hook) firstConnect(cl *mqtt.Client, cert *x509.Certificate, certID string, refused error) {
	n := h.g.node.Load()
	if n == nil {
		return
	}
	var fc provision.FirstConnect
	err := n.Do(func(c *core.Core, now time.Time) error {
		var err error
		fc, err = c.ProvisionOnFirstConnect(now, cert, cl.ID)
		return err
	})
	h.g.log.Info("mqttgw: connect refused", "client", cl.ID, "certificate", certID, "err", refused,
		"autoRegistered", fc.AutoRegistered, "status", fc.Status, "provisionedThing", fc.ThingName, "provisioning", err)
}

// authorizeTLS decides a publish (write), a subscription or a delivery.
func (h *hook) authorizeTLS(cl *mqtt.Client, topic string, write bool) bool {
	certID, ok := h.certs.get(cl)
	if !ok {
		return false
	}
	var action, resource string
	switch {
	case write:
		action, resource = policy.ActionPublish, h.g.arn("topic", topic)
	case h.subs.take(cl, topic):
		action, resource = policy.ActionSubscribe, h.g.arn("topicfilter", topic)
	default:
		action, resource = policy.ActionReceive, h.g.arn("topic", topic)
	}
	d, err := h.allowed(certID, cl.ID, action, resource)
	if err != nil || !d.Allowed {
		h.g.log.Debug("mqttgw: request denied", "client", cl.ID, "action", action, "resource", resource, "err", err, "decision", d.String())
		return false
	}
	return true
}

// disconnectCertificates drops the connections of certificates that can
// no longer connect (deactivated, revoked, deleted).
func (g *Gateway) disconnectCertificates(events []core.Event) {
	for _, e := range events {
		if e.Kind != core.EventCertificateDeactivated {
			continue
		}
		for _, cl := range g.hook.certs.connectionsOf(e.Detail) {
			g.log.Info("mqttgw: certificate deactivated, disconnecting", "client", cl.ID, "certificate", e.Detail)
			_ = g.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
		}
	}
}

// isTLS reports whether a client came through the mTLS listener.
func isTLS(cl *mqtt.Client) bool { return strings.EqualFold(cl.Net.Listener, tlsListenerID) }
