package mqttgw

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/fleetd/security/policy"
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
func startTLS(t testing.TB) *tlsFleet { return startTLSClock(t, clock.Real{}) }

// startTLSClock is startTLS with the node on clk.
func startTLSClock(t testing.TB, clk clock.Clock) *tlsFleet {
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
	n, err := node.Open(node.Options{Dir: t.TempDir(), Clock: clk, Deliver: g.Deliver, Logger: log, Core: core.Options{CA: ca}})
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
	return f.dialTLSWith(ctx, t, cert, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 60})
}

// dialPersistent connects with a session that outlives the connection.
func (f *tlsFleet) dialPersistent(ctx context.Context, t *testing.T, id string, cert tls.Certificate) (*client, error) {
	t.Helper()
	expiry := uint32(600)
	return f.dialTLSWith(ctx, t, cert, &paho.Connect{ClientID: id, CleanStart: false, KeepAlive: 60,
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}})
}

func (f *tlsFleet) dialTLSWith(ctx context.Context, t *testing.T, cert tls.Certificate, cp *paho.Connect) (*client, error) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	conn, err := tls.Dial("tcp", f.g.TLSAddr(), &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	in := &inbox{}
	c := paho.NewClient(paho.ClientConfig{
		// paho writes a packet in several Writes; from two goroutines (an ack
		// and a request) they interleave unless the conn is a sync.Locker.
		Conn: packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(p paho.PublishReceived) (bool, error) {
			in.ch(p.Packet.Topic) <- p.Packet.Payload
			return true, nil
		}},
	})
	if _, err := c.Connect(ctx, cp); err != nil {
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

const claimPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"*"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/$aws/certificates/create/*","arn:aws:iot:us-east-1:123456789012:topic/$aws/provisioning-templates/FleetTemplate/provision/*"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/certificates/create/*","arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/provisioning-templates/FleetTemplate/provision/*"]}]}`

const claimTemplate = `{"Parameters":{"SerialNumber":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{
  "thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::Join":["",["sensor-",{"Ref":"SerialNumber"}]]}}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
  "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"device"}}},
 "DeviceConfiguration":{"serial":{"Ref":"SerialNumber"}}}`

// TestFleetProvisioningByClaim runs the claim flow over mTLS with a real
// client: connect with the claim certificate, create keys, register the
// thing through the template, then connect as the new device.
func TestFleetProvisioningByClaim(t *testing.T) {
	ctx := testContext(t)
	f := startTLS(t)
	var claim tls.Certificate
	err := f.n.Do(func(c *core.Core, now time.Time) error {
		kc, err := core.DoIdentity(c, now, (*identity.Store).CreateKeysAndCertificate, identity.CreateKeysAndCertificateRequest{SetAsActive: true})
		if err != nil {
			return err
		}
		if claim, err = tls.X509KeyPair([]byte(kc.CertificatePem), []byte(kc.KeyPair.PrivateKey)); err != nil {
			return err
		}
		if _, err := core.DoIdentity(c, now, (*identity.Store).CreatePolicy, identity.CreatePolicyRequest{PolicyName: "claim", PolicyDocument: claimPolicy}); err != nil {
			return err
		}
		if err := core.DoIdentityErr(c, now, (*identity.Store).AttachPolicy, identity.AttachPolicyRequest{PolicyName: "claim", Target: kc.CertificateArn}); err != nil {
			return err
		}
		_, err = core.DoProvision(c, now, (*provision.Engine).CreateProvisioningTemplate, provision.CreateProvisioningTemplateRequest{
			TemplateName: "FleetTemplate", TemplateBody: claimTemplate, Enabled: true, ProvisioningRoleArn: "arn:aws:iam::123456789012:role/Provisioning"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := f.dialTLS(ctx, t, "factory-42", claim)
	if err != nil {
		t.Fatalf("connect with the claim certificate: %v", err)
	}
	dev.publish(ctx, t, "$aws/certificates/create/json", "")
	created := decode(t, "create/accepted", dev.in.next(ctx, t, "$aws/certificates/create/json/accepted"))
	token, _ := created["certificateOwnershipToken"].(string)
	if token == "" || created["certificatePem"] == nil || created["privateKey"] == nil {
		t.Fatalf("create/json/accepted = %v", created)
	}
	dev.publish(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json", `{"certificateOwnershipToken":"`+token+`","parameters":{"SerialNumber":"0042"}}`)
	reg := decode(t, "provision/accepted", dev.in.next(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json/accepted"))
	if reg["thingName"] != "sensor-0042" || reg["deviceConfiguration"].(map[string]any)["serial"] != "0042" {
		t.Fatalf("provision/json/accepted = %v", reg)
	}
	// The token is single use.
	dev.publish(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json", `{"certificateOwnershipToken":"`+token+`","parameters":{"SerialNumber":"0043"}}`)
	if rej := decode(t, "provision/rejected", dev.in.next(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json/rejected")); rej["statusCode"] == nil {
		t.Errorf("reusing the token: %v", rej)
	}

	// The device's own certificate, now ACTIVE and attached to its thing.
	own, err := tls.X509KeyPair([]byte(created["certificatePem"].(string)), []byte(created["privateKey"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	sensor, err := f.dialTLS(ctx, t, "sensor-0042", own)
	if err != nil {
		t.Fatalf("connect as the provisioned device: %v", err)
	}
	sensor.subscribe(ctx, t, "$aws/things/sensor-0042/shadow/update/accepted")
}

// TestPersistentSessionOverMTLS: a device with a persistent session gets,
// when it comes back, what was published for it while it was away — the
// delivery is checked against the certificate it connected with.
func TestPersistentSessionOverMTLS(t *testing.T) {
	ctx := testContext(t)
	f := startTLS(t)
	watcher := mustDial(ctx, t, f.g, "watcher", "watcher", "watcher-pw") // plain listener: sees lifecycle events
	watcher.subscribe(ctx, t, "$aws/events/presence/disconnected/lamp")
	lamp, err := f.dialPersistent(ctx, t, "lamp", f.cert)
	if err != nil {
		t.Fatal(err)
	}
	lamp.subscribe(ctx, t, shadow+"/update/documents")
	if err := lamp.Disconnect(&paho.Disconnect{}); err != nil {
		t.Fatal(err)
	}
	watcher.in.next(ctx, t, "$aws/events/presence/disconnected/lamp") // the broker knows lamp is away
	if err := f.n.Do(func(c *core.Core, now time.Time) error {
		_, err := c.UpdateThingShadow(now, core.FromHTTP, "lamp", "", []byte(`{"state":{"reported":{"on":false}}}`))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	back, err := f.dialPersistent(ctx, t, "lamp", f.cert)
	if err != nil {
		t.Fatal(err)
	}
	if doc := decode(t, "documents", back.in.next(ctx, t, shadow+"/update/documents")); doc["current"] == nil {
		t.Errorf("queued /documents = %v", doc)
	}
}

// TestProvisioningClaim: CreateProvisioningClaim's temporary certificate
// connects and provisions through its template, and may do nothing else.
func TestProvisioningClaim(t *testing.T) {
	ctx := testContext(t)
	clk := &shiftedClock{}
	f := startTLSClock(t, clk)
	var claim identity.ProvisioningClaim
	err := f.n.Do(func(c *core.Core, now time.Time) error {
		if _, err := core.DoProvision(c, now, (*provision.Engine).CreateProvisioningTemplate, provision.CreateProvisioningTemplateRequest{
			TemplateName: "FleetTemplate", TemplateBody: claimTemplate, Enabled: true, ProvisioningRoleArn: "arn:aws:iam::123456789012:role/Provisioning"}); err != nil {
			return err
		}
		var err error
		claim, err = core.DoProvision(c, now, (*provision.Engine).CreateProvisioningClaim, provision.CreateProvisioningClaimRequest{TemplateName: "FleetTemplate"})
		if err != nil {
			return err
		}
		if got := claim.Expiration.Sub(now); got != identity.ProvisioningClaimValidity {
			t.Errorf("expiration in %v; want %v", got, identity.ProvisioningClaimValidity)
		}
		_, err = core.DoProvision(c, now, (*provision.Engine).CreateProvisioningClaim, provision.CreateProvisioningClaimRequest{TemplateName: "nope"})
		if !awserr.Is(err, awserr.ResourceNotFound) {
			t.Errorf("a claim for a missing template: %v; want ResourceNotFoundException", err)
		}
		for _, tc := range []struct {
			action, resource string
			allowed          bool
		}{
			{policy.ActionPublish, "topic/$aws/provisioning-templates/FleetTemplate/provision/json", true},
			{policy.ActionPublish, "topic/$aws/provisioning-templates/Other/provision/json", false},
			{policy.ActionSubscribe, "topicfilter/$aws/things/x/shadow/update/accepted", false},
		} {
			d, err := c.Identity().Allowed(claim.CertificateId, "factory-7", tc.action, "arn:aws:iot:us-east-1:123456789012:"+tc.resource)
			if err != nil || d.Allowed != tc.allowed {
				t.Errorf("%s %s: %v, %v; want allowed=%v", tc.action, tc.resource, d, err, tc.allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair([]byte(claim.CertificatePem), []byte(claim.KeyPair.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := f.dialTLS(ctx, t, "factory-7", cert)
	if err != nil {
		t.Fatalf("connect with the provisioning claim: %v", err)
	}
	dev.publish(ctx, t, "$aws/certificates/create/json", "")
	created := decode(t, "create/accepted", dev.in.next(ctx, t, "$aws/certificates/create/json/accepted"))
	dev.publish(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json", `{"certificateOwnershipToken":"`+created["certificateOwnershipToken"].(string)+`","parameters":{"SerialNumber":"0007"}}`)
	if reg := decode(t, "provision/accepted", dev.in.next(ctx, t, "$aws/provisioning-templates/FleetTemplate/provision/json/accepted")); reg["thingName"] != "sensor-0007" {
		t.Fatalf("provision/json/accepted = %v", reg)
	}
	// Five minutes later the claim has expired: its certificate no longer
	// connects.
	clk.offset.Store(int64(identity.ProvisioningClaimValidity + time.Second))
	if _, err := f.dialTLS(ctx, t, "factory-8", cert); err == nil {
		t.Fatal("an expired provisioning claim connected")
	}
	if _, err := f.dialTLS(ctx, t, "lamp", f.cert); err != nil {
		t.Fatalf("a device certificate (valid until 2049) at the same time: %v", err)
	}
}

// shiftedClock is the wall clock moved forward by offset: a certificate's
// expiry is reached without waiting for it.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *shiftedClock) AfterFunc(d time.Duration, f func()) clock.Timer { return time.AfterFunc(d, f) }

const jitpTemplate = `{"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{
  "thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
  "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"device"}}}}`

// TestJustInTimeProvisioning connects with a certificate signed by a
// registered CA that carries a JITP template: the first connection is
// refused while the certificate is registered and the thing provisioned,
// as on AWS; the second one is let in.
func TestJustInTimeProvisioning(t *testing.T) {
	ctx := testContext(t)
	f := startTLS(t)
	customer, err := pki.NewCA(time.Now().Add(-time.Hour), rand.Reader, pki.CAOptions{CommonName: "Customer CA"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.n.Do(func(c *core.Core, now time.Time) error {
		code, err := core.DoIdentity(c, now, (*identity.Store).GetRegistrationCode, identity.GetRegistrationCodeRequest{})
		if err != nil {
			return err
		}
		verification, err := pki.IssueDeviceCert(customer, now, rand.Reader, pkix.Name{CommonName: code.RegistrationCode})
		if err != nil {
			return err
		}
		_, err = core.DoIdentity(c, now, (*identity.Store).RegisterCACertificate, identity.RegisterCACertificateRequest{
			CaCertificate: string(customer.CertPEM()), VerificationCertificate: string(verification.PEM), SetAsActive: true,
			AllowAutoRegistration: true, RegistrationConfig: &identity.RegistrationConfig{TemplateBody: jitpTemplate, RoleArn: "arn:aws:iam::123456789012:role/JITP"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	device, err := pki.IssueDeviceCert(customer, time.Now(), rand.Reader, pkix.Name{CommonName: "meter-7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.dialTLS(ctx, t, "meter-7", device.TLSCertificate()); err == nil {
		t.Fatal("the first connection of a JITP certificate was accepted; AWS refuses it")
	}
	var thing bool
	_ = f.n.Read(func(c *core.Core, _ time.Time) error { _, thing = c.Registry().ThingID("meter-7"); return nil })
	if !thing {
		t.Fatal("JITP did not create the thing meter-7")
	}
	if _, err := f.dialTLS(ctx, t, "meter-7", device.TLSCertificate()); err != nil {
		t.Fatalf("the second connection of the provisioned device: %v", err)
	}
}
