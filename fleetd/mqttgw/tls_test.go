package mqttgw

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/internal/clock"
)

// devicePolicy lets a device connect with its thing name as client id and
// use its own shadow topics only.
const devicePolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*"},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*"}]}`

type tlsFleet struct {
	g      *Gateway
	n      *node.Node
	ca     *pki.CA
	certID string
	cert   tls.Certificate
}

// startTLS opens a node with a CA behind a gateway with an mTLS listener,
// and registers the thing "lamp" with an ACTIVE certificate carrying
// devicePolicy.
func startTLS(t *testing.T) *tlsFleet {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ca, err := pki.NewCA(time.Now(), rand.Reader, pki.CAOptions{CommonName: "mqttgw test CA"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := pki.IssueServerCert(ca, nil, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(nil, Options{Addr: "127.0.0.1:0", Users: users, Logger: log, TLSAddr: "127.0.0.1:0",
		TLS: &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(node.Options{Dir: t.TempDir(), Clock: clock.Real{}, Deliver: g.Deliver, Logger: log, Core: core.Options{CA: ca}})
	if err != nil {
		t.Fatal(err)
	}
	g.Attach(n)
	if err := g.Start(); err != nil {
		n.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(); n.Close() })
	f := &tlsFleet{g: g, n: n, ca: ca}
	err = n.Do(func(c *core.Core, now time.Time) error {
		if _, err := core.Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: "lamp"}); err != nil {
			return err
		}
		kc, err := core.DoIdentity(c, now, (*identity.Store).CreateKeysAndCertificate, identity.CreateKeysAndCertificateRequest{SetAsActive: true})
		if err != nil {
			return err
		}
		f.certID = kc.CertificateId
		if f.cert, err = tls.X509KeyPair([]byte(kc.CertificatePem), []byte(kc.KeyPair.PrivateKey)); err != nil {
			return err
		}
		if _, err := core.DoIdentity(c, now, (*identity.Store).CreatePolicy, identity.CreatePolicyRequest{PolicyName: "device", PolicyDocument: devicePolicy}); err != nil {
			return err
		}
		if err := core.DoIdentityErr(c, now, (*identity.Store).AttachPolicy, identity.AttachPolicyRequest{PolicyName: "device", Target: kc.CertificateArn}); err != nil {
			return err
		}
		return core.DoIdentityErr(c, now, (*identity.Store).AttachThingPrincipal, identity.AttachThingPrincipalRequest{ThingName: "lamp", Principal: kc.CertificateArn})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// dialTLS connects over mTLS with a certificate, verifying the server
// against the fleet's CA as a device would (no InsecureSkipVerify).
func (f *tlsFleet) dialTLS(ctx context.Context, t *testing.T, id string, cert tls.Certificate) (*client, error) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	conn, err := tls.Dial("tcp", f.g.TLSAddr(), &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	in := &inbox{}
	c := paho.NewClient(paho.ClientConfig{
		Conn: conn,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
			in.ch(p.Packet.Topic) <- p.Packet.Payload
			return true, nil
		}},
	})
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 60}); err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return &client{Client: c, conn: conn, in: in}, nil
}

func TestMTLSPolicies(t *testing.T) {
	ctx := testContext(t)
	f := startTLS(t)

	// The policy allows client id = the attached thing's name only.
	if _, err := f.dialTLS(ctx, t, "someone-else", f.cert); err == nil {
		t.Fatal("connecting as someone-else succeeded; the policy allows only lamp")
	}
	lamp, err := f.dialTLS(ctx, t, "lamp", f.cert)
	if err != nil {
		t.Fatalf("connect as lamp: %v", err)
	}
	// Its own shadow: allowed end to end.
	lamp.subscribe(ctx, t, shadow+"/update/accepted")
	lamp.publish(ctx, t, shadow+"/update", `{"state":{"reported":{"on":true}}}`)
	if acc := decode(t, "accepted", lamp.in.next(ctx, t, shadow+"/update/accepted")); acc["version"] != float64(1) {
		t.Errorf("/update/accepted = %v", acc)
	}
	// The session was established before the subscription was processed
	// (the same client goroutine), so the core knows it by now.
	if !isConnected(t, f.n, "lamp") {
		t.Error("lamp is not connected in the core")
	}

	// Another thing's shadow: the subscription and the publish are denied.
	sub, err := lamp.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "$aws/things/other/shadow/update/accepted", QoS: 1}}})
	if err == nil && (sub == nil || len(sub.Reasons) != 1 || sub.Reasons[0] < 0x80) {
		t.Errorf("SUBACK for another thing's shadow = %+v; want not authorized", sub)
	}
	pub, err := lamp.Publish(ctx, &paho.Publish{Topic: "$aws/things/other/shadow/update", QoS: 1, Payload: []byte(`{"state":{"reported":{"on":true}}}`)})
	if err == nil && (pub == nil || pub.ReasonCode < 0x80) {
		t.Errorf("publish to another thing's shadow: PUBACK %+v; want not authorized", pub)
	}
	var version int64
	_ = f.n.Read(func(c *core.Core, now time.Time) error {
		if _, err := c.GetThingShadow(now, core.FromHTTP, "other", "", nil); err == nil {
			version = 1
		}
		return nil
	})
	if version != 0 {
		t.Error("the denied publish updated other's shadow")
	}

	// A certificate nobody registered is refused.
	stranger, err := pki.IssueDeviceCert(f.ca, time.Now(), rand.Reader, pkix.Name{CommonName: "stranger"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.dialTLS(ctx, t, "lamp", stranger.TLSCertificate()); err == nil {
		t.Error("an unregistered certificate connected")
	}

	// Deactivating the certificate drops the connection at once.
	err = f.n.Do(func(c *core.Core, now time.Time) error {
		return core.DoIdentityErr(c, now, (*identity.Store).UpdateCertificate, identity.UpdateCertificateRequest{CertificateId: f.certID, NewStatus: "INACTIVE"})
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-lamp.Done():
	case <-ctx.Done():
		t.Fatal("the client of a deactivated certificate is still connected")
	}
	if _, err := f.dialTLS(ctx, t, "lamp", f.cert); err == nil {
		t.Error("an INACTIVE certificate connected")
	}
}
