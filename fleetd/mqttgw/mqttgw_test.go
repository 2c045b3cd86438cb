package mqttgw

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/internal/clock"
)

var users = map[string]string{"lamp": "lamp-pw", "watcher": "watcher-pw"}

// start opens a node in a temporary directory behind a gateway on a free
// port, with the thing "lamp" registered.
func start(t testing.TB) (*Gateway, *node.Node) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	g, err := New(nil, Options{Addr: "127.0.0.1:0", Users: users, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(node.Options{Dir: t.TempDir(), Clock: clock.Real{}, Deliver: g.Deliver, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	g.Attach(n)
	if err := g.Start(); err != nil {
		n.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	err = n.Do(func(c *core.Core, now time.Time) error {
		_, err := core.Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: "lamp"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, n
}

// inbox collects received publishes by topic.
type inbox struct {
	mu     sync.Mutex
	topics map[string]chan []byte
}

func (b *inbox) ch(topic string) chan []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.topics == nil {
		b.topics = map[string]chan []byte{}
	}
	c := b.topics[topic]
	if c == nil {
		c = make(chan []byte, 64)
		b.topics[topic] = c
	}
	return c
}

// next waits for the next message on topic.
func (b *inbox) next(ctx context.Context, t *testing.T, topic string) []byte {
	t.Helper()
	select {
	case p := <-b.ch(topic):
		return p
	case <-ctx.Done():
		t.Fatalf("no message on %s: %v", topic, ctx.Err())
		return nil
	}
}

type client struct {
	*paho.Client
	conn net.Conn
	in   *inbox
}

// dial connects an MQTT 5 client; the returned error is Connect's.
func dial(ctx context.Context, t *testing.T, g *Gateway, id, user, password string) (*client, error) {
	t.Helper()
	conn, err := net.Dial("tcp", g.Addr())
	if err != nil {
		t.Fatal(err)
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
	_, err = c.Connect(ctx, &paho.Connect{
		ClientID: id, CleanStart: true, KeepAlive: 60,
		Username: user, UsernameFlag: true, Password: []byte(password), PasswordFlag: true,
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return &client{Client: c, conn: conn, in: in}, nil
}

func mustDial(ctx context.Context, t *testing.T, g *Gateway, id, user, password string) *client {
	t.Helper()
	c, err := dial(ctx, t, g, id, user, password)
	if err != nil {
		t.Fatalf("Connect(%s): %v", id, err)
	}
	return c
}

func (c *client) subscribe(ctx context.Context, t *testing.T, topics ...string) {
	t.Helper()
	s := &paho.Subscribe{}
	for _, topic := range topics {
		s.Subscriptions = append(s.Subscriptions, paho.SubscribeOptions{Topic: topic, QoS: 1})
	}
	if _, err := c.Subscribe(ctx, s); err != nil {
		t.Fatalf("Subscribe(%v): %v", topics, err)
	}
}

func (c *client) publish(ctx context.Context, t *testing.T, topic, payload string) {
	t.Helper()
	if _, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)}); err != nil {
		t.Fatalf("Publish(%s): %v", topic, err)
	}
}

func decode(t *testing.T, topic string, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s payload %s: %v", topic, b, err)
	}
	return m
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func isConnected(t *testing.T, n *node.Node, clientID string) bool {
	t.Helper()
	var got bool
	if err := n.Read(func(c *core.Core, _ time.Time) error { got = c.IsConnected(clientID); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

const shadow = "$aws/things/lamp/shadow"

func TestShadowUpdateAcceptedAndDelta(t *testing.T) {
	ctx := testContext(t)
	g, _ := start(t)
	lamp := mustDial(ctx, t, g, "lamp", "lamp", "lamp-pw")
	lamp.subscribe(ctx, t, shadow+"/update/delta", shadow+"/update/accepted", shadow+"/update", "fleet/marker")

	lamp.publish(ctx, t, shadow+"/update", `{"state":{"desired":{"color":"red"}},"clientToken":"t1"}`)
	acc := decode(t, "accepted", lamp.in.next(ctx, t, shadow+"/update/accepted"))
	if acc["clientToken"] != "t1" {
		t.Errorf("/update/accepted clientToken = %v; want t1", acc["clientToken"])
	}
	delta := decode(t, "delta", lamp.in.next(ctx, t, shadow+"/update/delta"))
	if state, _ := delta["state"].(map[string]any); state["color"] != "red" {
		t.Errorf("/update/delta = %v; want state.color red", delta)
	}

	// An ordinary publish flows through the broker. It is processed after
	// the request, so had the request been forwarded it would be queued
	// before the marker.
	lamp.publish(ctx, t, "fleet/marker", "m")
	if got := string(lamp.in.next(ctx, t, "fleet/marker")); got != "m" {
		t.Errorf("fleet/marker = %q; want m", got)
	}
	if got := len(lamp.in.ch(shadow + "/update")); got != 0 {
		t.Errorf("the shadow request reached %d subscriber(s); want 0", got)
	}
}

func TestShadowUpdateRejected(t *testing.T) {
	ctx := testContext(t)
	g, _ := start(t)
	lamp := mustDial(ctx, t, g, "lamp", "lamp", "lamp-pw")
	lamp.subscribe(ctx, t, shadow+"/update/rejected")

	lamp.publish(ctx, t, shadow+"/update", `{"state":`)
	rej := decode(t, "rejected", lamp.in.next(ctx, t, shadow+"/update/rejected"))
	if rej["code"] != float64(400) {
		t.Errorf("/update/rejected = %v; want code 400", rej)
	}
}

func TestLifecycle(t *testing.T) {
	ctx := testContext(t)
	g, n := start(t)
	watcher := mustDial(ctx, t, g, "watcher", "watcher", "watcher-pw")
	watcher.subscribe(ctx, t, "$aws/events/presence/connected/+", "$aws/events/presence/disconnected/+")

	lamp := mustDial(ctx, t, g, "lamp", "lamp", "lamp-pw")
	ev := decode(t, "connected", watcher.in.next(ctx, t, "$aws/events/presence/connected/lamp"))
	for k, want := range map[string]any{"clientId": "lamp", "eventType": "connected", "principalIdentifier": "lamp", "ipAddress": "127.0.0.1", "thingName": "lamp"} {
		if ev[k] != want {
			t.Errorf("connected event %s = %v; want %v", k, ev[k], want)
		}
	}
	if !isConnected(t, n, "lamp") {
		t.Error("IsConnected(lamp) = false after the connected event; want true")
	}

	if err := lamp.Disconnect(&paho.Disconnect{}); err != nil {
		t.Fatal(err)
	}
	ev = decode(t, "disconnected", watcher.in.next(ctx, t, "$aws/events/presence/disconnected/lamp"))
	if ev["disconnectReason"] != core.ReasonClientInitiated || ev["clientInitiatedDisconnect"] != true {
		t.Errorf("disconnected event = %v; want %s", ev, core.ReasonClientInitiated)
	}
	if isConnected(t, n, "lamp") {
		t.Error("IsConnected(lamp) = true after the disconnected event; want false")
	}

	// A connection that drops without DISCONNECT is CONNECTION_LOST.
	lamp = mustDial(ctx, t, g, "lamp", "lamp", "lamp-pw")
	watcher.in.next(ctx, t, "$aws/events/presence/connected/lamp")
	lamp.conn.Close()
	ev = decode(t, "disconnected", watcher.in.next(ctx, t, "$aws/events/presence/disconnected/lamp"))
	if ev["disconnectReason"] != core.ReasonConnectionLost || ev["clientInitiatedDisconnect"] != false {
		t.Errorf("disconnected event = %v; want %s", ev, core.ReasonConnectionLost)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	ctx := testContext(t)
	g, n := start(t)
	if _, err := dial(ctx, t, g, "lamp", "lamp", "wrong"); err == nil {
		t.Fatal("Connect with a wrong password succeeded")
	}
	if _, err := dial(ctx, t, g, "lamp", "nobody", "lamp-pw"); err == nil {
		t.Fatal("Connect of an unknown user succeeded")
	}
	if isConnected(t, n, "lamp") {
		t.Error("IsConnected(lamp) = true after refused connects")
	}
}

// TestLongClientIDRefused: AWS IoT client ids are at most 128 bytes.
func TestLongClientIDRefused(t *testing.T) {
	ctx := testContext(t)
	g, _ := start(t)
	long := strings.Repeat("x", 129)
	if _, err := dial(ctx, t, g, long, "lamp", "lamp-pw"); err == nil {
		t.Fatal("Connect with a 129-byte client id succeeded")
	}
	if _, err := dial(ctx, t, g, long[:128], "lamp", "lamp-pw"); err != nil {
		t.Fatalf("Connect with a 128-byte client id: %v", err)
	}
}

func TestParseShadowRequest(t *testing.T) {
	tests := []struct {
		topic string
		want  shadowRequest
		ok    bool
	}{
		{"$aws/things/lamp/shadow/update", shadowRequest{"lamp", "", "update"}, true},
		{"$aws/things/lamp/shadow/get", shadowRequest{"lamp", "", "get"}, true},
		{"$aws/things/lamp/shadow/delete", shadowRequest{"lamp", "", "delete"}, true},
		{"$aws/things/lamp/shadow/name/cfg/update", shadowRequest{"lamp", "cfg", "update"}, true},
		{"$aws/things/lamp/shadow/update/accepted", shadowRequest{}, false},
		{"$aws/things/lamp/shadow/name/cfg/update/delta", shadowRequest{}, false},
		{"$aws/things/lamp/shadow/name//update", shadowRequest{}, false},
		{"$aws/things//shadow/update", shadowRequest{}, false},
		{"$aws/things/lamp/shadow/list", shadowRequest{}, false},
		{"things/lamp/shadow/update", shadowRequest{}, false},
	}
	for _, tt := range tests {
		got, ok := parseShadowRequest(tt.topic)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseShadowRequest(%q) = %+v, %v; want %+v, %v", tt.topic, got, ok, tt.want, tt.ok)
		}
	}
}

// TestKeepAliveTimeout connects an MQTT 3.1.1 client by hand with a 1 s
// keepalive and then stays silent: the broker drops it after 1.5 s.
func TestKeepAliveTimeout(t *testing.T) {
	ctx := testContext(t)
	g, n := start(t)
	watcher := mustDial(ctx, t, g, "watcher", "watcher", "watcher-pw")
	watcher.subscribe(ctx, t, "$aws/events/presence/+/lamp")

	conn, err := net.Dial("tcp", g.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	var body []byte
	body = append(body, str("MQTT")...)
	body = append(body, 4, 0xC2, 0, 1) // 3.1.1; user name, password, clean session; keepalive 1 s
	body = append(body, str("lamp")...)
	body = append(body, str("lamp")...)
	body = append(body, str("lamp-pw")...)
	if _, err := conn.Write(append([]byte{0x10, byte(len(body))}, body...)); err != nil {
		t.Fatal(err)
	}
	ack := make([]byte, 4)
	if _, err := conn.Read(ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK = %x, %v; want 20020000", ack, err)
	}
	watcher.in.next(ctx, t, "$aws/events/presence/connected/lamp")
	ev := decode(t, "disconnected", watcher.in.next(ctx, t, "$aws/events/presence/disconnected/lamp"))
	if ev["disconnectReason"] != core.ReasonKeepAlive {
		t.Errorf("disconnected event = %v; want %s", ev, core.ReasonKeepAlive)
	}
	if isConnected(t, n, "lamp") {
		t.Error("IsConnected(lamp) = true after the keepalive timeout")
	}
}

// TestRetainedDelivery: a message delivered with Retain (iot-data Publish
// with retain) reaches subscribers that come later.
func TestRetainedDelivery(t *testing.T) {
	ctx := testContext(t)
	g, _ := start(t)
	g.Deliver([]core.Message{{Topic: "factory/line-1/status", Payload: []byte("running"), Retain: true}}, nil)
	late := mustDial(ctx, t, g, "watcher", "watcher", "watcher-pw")
	late.subscribe(ctx, t, "factory/+/status")
	if got := string(late.in.next(ctx, t, "factory/line-1/status")); got != "running" {
		t.Errorf("retained message = %q; want running", got)
	}
}
