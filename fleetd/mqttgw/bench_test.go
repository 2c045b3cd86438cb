package mqttgw

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// BenchmarkMTLSConnect measures connects per second over mTLS: the TLS
// handshake with a client certificate, the CONNECT, the certificate's
// policy decision and the core's lifecycle work, one connection after the
// other (the device's policy allows only its own client id, and a second
// connection with it would take the first one's session over).
func BenchmarkMTLSConnect(b *testing.B) {
	f := startTLS(b)
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	cfg := &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{f.cert}, ServerName: "localhost"}
	b.ReportAllocs()
	for b.Loop() {
		conn, err := tls.Dial("tcp", f.g.TLSAddr(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		c := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(conn)})
		if _, err := c.Connect(context.Background(), &paho.Connect{ClientID: "lamp", CleanStart: true, KeepAlive: 60}); err != nil {
			b.Fatal(err)
		}
		c.Disconnect(&paho.Disconnect{})
		conn.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "connects/s")
}

// BenchmarkShadowUpdatesQoS0 measures shadow updates per second end to
// end: 64 devices publish QoS 0 updates to their shadows on the plain
// listener; the broker hands them to the core, which applies them, re-
// indexes the thing (REGISTRY_AND_SHADOW) and makes them durable. Each
// device ends with a QoS 1 update whose PUBACK comes once everything it
// sent before is durable, so the clock stops when all updates are done.
func BenchmarkShadowUpdatesQoS0(b *testing.B) {
	const devices = 64
	g, n := start(b)
	err := n.Do(func(c *core.Core, now time.Time) error {
		if err := c.UpdateIndexingConfiguration(now, core.IndexingConfiguration{ThingIndexingConfiguration: &core.ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW"}}); err != nil {
			return err
		}
		for i := range devices {
			if _, err := core.Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: fmt.Sprintf("dev-%02d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	clients := make([]*paho.Client, devices)
	for i := range clients {
		conn, err := net.Dial("tcp", g.Addr())
		if err != nil {
			b.Fatal(err)
		}
		c := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(conn)})
		if _, err := c.Connect(ctx, &paho.Connect{ClientID: fmt.Sprintf("dev-%02d", i), CleanStart: true, KeepAlive: 60,
			Username: "lamp", UsernameFlag: true, Password: []byte("lamp-pw"), PasswordFlag: true}); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
		defer c.Disconnect(&paho.Disconnect{})
	}
	per := max(b.N/devices, 1)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			topic := fmt.Sprintf("$aws/things/dev-%02d/shadow/update", i)
			for k := range per {
				payload := []byte(`{"state":{"reported":{"temperature":` + strconv.Itoa(40+k%50) + `,"seq":` + strconv.Itoa(k) + `}}}`)
				qos := byte(0)
				if k == per-1 {
					qos = 1
				}
				if _, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: qos, Payload: payload}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(per*devices)/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkIdleSessions measures the broker's memory per idle MQTT
// session: FLEETLAB_BENCH_SESSIONS (default 2000) raw TCP clients send a
// CONNECT and stay; the heap the gateway and the core hold grows by the
// reported bytes per session (the clients are bare sockets, so they add
// almost nothing of their own).
func BenchmarkIdleSessions(b *testing.B) {
	sessions := 2000
	if s := os.Getenv("FLEETLAB_BENCH_SESSIONS"); s != "" {
		var err error
		if sessions, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		g, _ := start(b)
		before := heap()
		conns := make([]net.Conn, 0, sessions)
		for i := range sessions {
			conn, err := net.Dial("tcp", g.Addr())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Write(connectPacket(fmt.Sprintf("idle-%06d", i), "lamp", "lamp-pw")); err != nil {
				b.Fatal(err)
			}
			ack := make([]byte, 4)
			if _, err := conn.Read(ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
				b.Fatalf("CONNACK % x: %v", ack, err)
			}
			conns = append(conns, conn)
		}
		b.ReportMetric(float64(heap()-before)/float64(sessions), "B/session")
		for _, c := range conns {
			c.Close()
		}
		g.Close()
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// connectPacket is an MQTT 3.1.1 CONNECT with a user name and password
// and a keep-alive of 10 minutes.
func connectPacket(clientID, user, password string) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	var vh []byte
	vh = append(vh, str("MQTT")...)
	vh = append(vh, 4, 0xC2, 0x02, 0x58) // level 4; user, password, clean session; keep-alive 600 s
	payload := append(append(str(clientID), str(user)...), str(password)...)
	body := append(vh, payload...)
	return append([]byte{0x10, byte(len(body))}, body...)
}
