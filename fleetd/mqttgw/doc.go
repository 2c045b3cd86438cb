// Package mqttgw is fleetd's MQTT side: an embedded mochi-mqtt broker
// (github.com/mochi-mqtt/server/v2) with one hook that translates between
// MQTT and a fleetd node. The hook translates; the core decides.
//
// # Wiring
//
// The node needs the gateway's Deliver in its Options before the gateway
// can use the node, so a gateway may be created without one and attached
// later:
//
//	g, err := mqttgw.New(nil, mqttgw.Options{Addr: ":1883", Users: users})
//	n, err := node.Open(node.Options{Dir: dir, Clock: clock.Real{}, Deliver: g.Deliver})
//	g.Attach(n)
//	err = g.Start()
//	...
//	g.Close() // first: disconnects clients through the node
//	n.Close()
//
// Start binds Options.Addr (plain TCP, for development) and
// Options.TLSAddr (mTLS, as AWS's 8883) and serves; Addr and TLSAddr
// report the bound addresses, useful with port 0. Deliver receives every operation's messages
// from the node (in operation order, after they are durable) and publishes
// them through mochi's inline client, so subscribers receive shadow
// /accepted, /rejected, /delta and /documents and the lifecycle events like
// any other publish. A message with a ClientID goes only to that client,
// written directly to its connection, and only if it subscribes to the
// topic. Deliver ignores core events, which are not MQTT traffic; a caller
// that also needs them wraps Deliver.
//
// # What the hook does
//
//   - OnConnectAuthenticate: on the mTLS listener the client certificate
//     must be registered and ACTIVE and its policies must allow
//     iot:Connect on client/{clientId} (auth.go). A certificate the
//     identity store does not accept but that a registered CA with
//     auto-registration signed is registered (JITR) and provisioned (JITP)
//     by the core, and that first connection is refused, as on AWS; the
//     device's next one succeeds. On the plain listener the CONNECT user
//     name and password must match Options.Users (an empty Users accepts
//     every client; New logs a warning).
//   - OnACLCheck: mTLS clients are authorized by their certificate's
//     policies (and those of its thing's static groups), through the
//     identity store's cached evaluator: iot:Publish on topic/{t} for a
//     publish, iot:Subscribe on topicfilter/{f} for a subscription (told
//     apart from deliveries by OnSubscribe), iot:Receive on topic/{t} for
//     each delivery. Plain-listener clients are not checked.
//   - A certificate that stops being ACTIVE (core event
//     CertificateDeactivated) has its connections closed at once.
//   - OnSessionEstablished: core.Connect with the client id, the principal
//     (the certificate id on the mTLS listener, the user name on the plain
//     one) and the remote IP. The core sends the lifecycle
//     "connected" event and, when the client id names a thing, updates its
//     connectivity. It runs before the broker reads the client's first
//     packet, so a session's requests always follow its connect.
//   - OnDisconnect: core.Disconnect with a reason derived from how mochi
//     ended the session: DISCONNECT from the client (mochi's read loop
//     returns nil, stop cause CodeDisconnect) is CLIENT_INITIATED_DISCONNECT;
//     a read deadline (1.5 × keepalive) is MQTT_KEEP_ALIVE_TIMEOUT; the
//     broker shutting down is SERVER_INITIATED_DISCONNECT; the broker dropping
//     the client for a protocol error is CLIENT_ERROR; anything else (EOF,
//     reset) is CONNECTION_LOST. A session taken over by a new connection
//     with the same client id reports nothing: the core's Connect of the new
//     session already ends the old one with DUPLICATE_CLIENTID.
//   - OnPublish: a publish to $aws/things/{thing}/shadow/{update|get|delete}
//     or $aws/things/{thing}/shadow/name/{name}/{update|get|delete} is run
//     on the node (core.FromMQTT) and is not forwarded to subscribers; the
//     core's answers come back through Deliver. The packet is marked ignored
//     (packets.CodeSuccessIgnore) rather than rejected, so a QoS 1 request
//     still gets its PUBACK, and it is sent only once the request's effects
//     are durable. A QoS 0 request is acknowledged by nobody, so the hook
//     does not wait for the disk (node.Submit): its effects are persisted
//     and delivered in order all the same. Requests on a thing's jobs topics
//     ($aws/things/{thing}/jobs/get, …/start-next, …/{jobId}/get,
//     …/{jobId}/update) are answered the same way by the jobs engine; its
//     accepted/rejected responses go to the requesting client only, even
//     when it has not subscribed to them (AWS does the same). Every other
//     topic flows through the broker unchanged.
//
// # Concurrency
//
// mochi runs hooks on the client's own read goroutine, holding no broker
// lock, so node.Do may block there: a client's requests are handled one at
// a time, in order, and different clients' requests run concurrently,
// serialised by the node. Deliver runs on the node's delivery goroutine and
// never blocks on a subscriber: mochi queues a publish on each client's
// bounded outbound channel and drops it if the channel is full. (A
// ClientID-addressed message is the exception: it is written synchronously
// under the client's write lock, bounded by the connection deadline.)
//
// # Broker settings
//
// mochi's defaults suit a few busy clients; fleetd has many mostly idle
// ones, so the per-client limits are small:
//
//	MaximumClientWritesPending 64      per-client outbound queue (default 8192 = 64 KiB of channel per client)
//	MaximumInflight            64      stored outbound QoS 1 messages per client (default 8192)
//	ReceiveMaximum             16      concurrent inbound QoS 1 publishes per client (default 1024)
//	ClientNetReadBufferSize    1 KiB   bufio reader per client (default 2 KiB)
//	ClientNetWriteBufferSize   1 KiB   write-batching threshold per client (default 2 KiB)
//	MaximumPacketSize          132 KiB AWS's 128 KiB payload limit plus topic and properties
//	MaximumSessionExpiry       3600 s  persistent sessions kept 1 h, as AWS does
//	TopicAliasMaximum          8       AWS's limit
//	MaximumQos                 1       AWS IoT Core has no QoS 2
//	MaximumClients             Options.MaxClients (0 = unlimited)
//
// Fleet provisioning requests ($aws/certificates/...,
// $aws/provisioning-templates/...) go to the core with the certificate the
// client connected with as the claim certificate; their answers, like the
// jobs answers, reach the requester even without a subscription.
//
// # Not done yet
//
//   - Broker quotas beyond packet size (subscriptions per connection, topic depth),
//     the 10 in-flight shadow requests per connection limit, and the Last
//     Will rules of AWS (mochi sends the will on every abnormal end).
package mqttgw
