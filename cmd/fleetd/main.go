// Command fleetd is the FleetLab daemon: AWS IoT Device Management on your
// machine. Point the aws CLI at it:
//
//	bin/fleetd --data ./fleetd-data --http 127.0.0.1:8080
//	aws iot list-things --endpoint-url http://127.0.0.1:8080
//
// Credentials come from FLEETD_ACCESS_KEY_ID and FLEETD_SECRET_ACCESS_KEY;
// without them fleetd generates a pair on first start, keeps it in
// DATA/credentials.json and prints it. Every request must be signed with
// them (SigV4, as AWS does). SIGTERM or SIGINT stops it gracefully: what was
// acknowledged is on disk.
//
// MQTT, as on AWS: an mTLS listener (--mqtts, default 127.0.0.1:8883)
// whose server certificate is issued by fleetd's CA (DATA/ca.pem, generated
// at first start) for localhost, 127.0.0.1 and --tls-names, so devices
// verify it without --insecure. Devices present certificates fleetd issued
// or registered; every connect, publish, subscribe and delivery is decided
// by the IoT policies attached to them. A plain-TCP listener (--mqtt,
// default 127.0.0.1:1883) is for local development: clients log in with
// the access key id as user name and the secret as password, and no
// policies apply. Shadows, jobs and lifecycle events behave as on AWS on
// both. --metrics serves Prometheus metrics.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/httpapi"
	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
	"github.com/fleetlab/fleetlab/fleetd/metrics"
	"github.com/fleetlab/fleetlab/fleetd/mqttgw"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/internal/clock"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fleetd:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "fleetd-data", "data directory (created if missing)")
	httpAddr := flag.String("http", "127.0.0.1:8080", "address of the AWS HTTP API")
	mqttAddr := flag.String("mqtt", "127.0.0.1:1883", "address of the plain MQTT listener (user name and password: the credentials); empty turns it off")
	seed := flag.Uint64("seed", 1, "seed of generated ids")
	indexLag := flag.Duration("index-lag", 0, "delay before changes are visible in the fleet index (AWS's eventual consistency)")
	metricsAddr := flag.String("metrics", "", "address of the Prometheus /metrics endpoint, e.g. 127.0.0.1:9464; empty turns it off")
	mqttsAddr := flag.String("mqtts", "127.0.0.1:8883", "address of the MQTT mTLS listener (client certificates and IoT policies, as on AWS); empty turns it off")
	tlsNames := flag.String("tls-names", "", "comma-separated extra DNS names or IPs for the MQTT server certificate (localhost and 127.0.0.1 are always included)")
	configPath := flag.String("config", "", "a JSON file of settings: any flag by name, plus accessKeyId and secretAccessKey; flags on the command line win")
	flag.Parse()
	var fileCfg fileConfig
	if *configPath != "" {
		var err error
		if fileCfg, err = applyConfigFile(flag.CommandLine, *configPath); err != nil {
			return err
		}
	}
	var m *metrics.Metrics
	if *metricsAddr != "" {
		m = metrics.New()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return err
	}
	creds, err := credentials(*data, fileCfg, log)
	if err != nil {
		return err
	}
	ca, err := loadOrCreateCA(*data, log)
	if err != nil {
		return err
	}
	// The gateway exists before the node so the node can deliver through
	// it; it is attached once the node is open.
	var gw *mqttgw.Gateway
	var deliver func([]core.Message, []core.Event)
	if *mqttAddr != "" || *mqttsAddr != "" {
		opts := mqttgw.Options{Addr: *mqttAddr, Users: map[string]string{creds.AccessKeyID: creds.SecretAccessKey}, Logger: log, Metrics: m}
		if *mqttsAddr != "" {
			hosts := []string{"localhost", "127.0.0.1"}
			for _, h := range strings.Split(*tlsNames, ",") {
				if h = strings.TrimSpace(h); h != "" {
					hosts = append(hosts, h)
				}
			}
			server, err := pki.IssueServerCert(ca, hosts, time.Now(), rand.Reader)
			if err != nil {
				return fmt.Errorf("issuing the MQTT server certificate: %w", err)
			}
			opts.TLSAddr = *mqttsAddr
			opts.TLS = &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
		}
		gw, err = mqttgw.New(nil, opts)
		if err != nil {
			return err
		}
		deliver = gw.Deliver
	}
	if m != nil {
		deliver = countEvents(m, deliver)
	}
	n, err := node.Open(node.Options{Dir: *data, Core: core.Options{Seed: *seed, IndexLag: *indexLag, CA: ca, Entropy: rand.Reader}, Clock: clock.Real{}, Logger: log, Deliver: deliver,
		Hook: hookRunner(fileCfg.HookEndpoints)})
	if err != nil {
		return err
	}
	if gw != nil {
		gw.Attach(n)
		if err := gw.Start(); err != nil {
			n.Close()
			return err
		}
		log.Info("fleetd serving MQTT", "mqtt", gw.Addr(), "username", creds.AccessKeyID, "mqtts", gw.TLSAddr(), "ca", filepath.Join(*data, "ca.pem"))
	}
	api := httpapi.New(httpapi.Options{Node: n, Verifier: sigv4.NewVerifier([]sigv4.Credentials{creds}, time.Now), Logger: log,
		Objects: objects.Store{Dir: *data}, Metrics: m, Endpoints: map[string]string{
			"iot:Data-ATS": endpointHost(*mqttsAddr), "iot:Data": endpointHost(*mqttsAddr), "iot:Jobs": endpointHost(*httpAddr)}})
	if m != nil {
		sizes := func() core.Sizes {
			var sz core.Sizes
			_ = n.Read(func(c *core.Core, _ time.Time) error { sz = c.Sizes(); return nil })
			return sz
		}
		m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "fleetd", Name: "things", Help: "Things in the registry."},
			func() float64 { return float64(sizes().Things) }))
		m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "fleetd", Name: "index_things", Help: "Things in the fleet index."},
			func() float64 { return float64(sizes().Indexed) }))
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			n.Close()
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler()) // and nothing else: a typo is a 404, not metrics
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		log.Info("fleetd serving metrics", "metrics", "http://"+mln.Addr().String()+"/metrics")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("/", api)
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		n.Close()
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	log.Info("fleetd serving the AWS API", "http", "http://"+ln.Addr().String(), "data", *data)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Info("fleetd stopping", "signal", s.String())
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			n.Close()
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serr := srv.Shutdown(ctx)
	if gw != nil {
		if err := gw.Close(); err != nil {
			log.Error("fleetd: closing MQTT", "err", err)
		}
	}
	if err := n.Close(); err != nil {
		return err
	}
	return serr
}

// credentials returns the key pair requests must be signed with: from the
// environment, else from --config, else from the data directory, else a
// new pair stored there (printed once, when it is made). Half a pair is an
// error.
func credentials(dir string, file fileConfig, log *slog.Logger) (sigv4.Credentials, error) {
	id, secret := os.Getenv("FLEETD_ACCESS_KEY_ID"), os.Getenv("FLEETD_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}, nil
	case id != "" || secret != "":
		return sigv4.Credentials{}, fmt.Errorf("FLEETD_ACCESS_KEY_ID and FLEETD_SECRET_ACCESS_KEY go together: only one is set")
	case file.AccessKeyID != "" && file.SecretAccessKey != "":
		return sigv4.Credentials{AccessKeyID: file.AccessKeyID, SecretAccessKey: file.SecretAccessKey}, nil
	case file.AccessKeyID != "" || file.SecretAccessKey != "":
		return sigv4.Credentials{}, fmt.Errorf("--config: accessKeyId and secretAccessKey go together: only one is set")
	}
	path := filepath.Join(dir, "credentials.json")
	var c struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" {
			return sigv4.Credentials{}, fmt.Errorf("%s: not a credentials file", path)
		}
		// The secret was printed when it was made; it stays in the file.
		log.Info("fleetd credentials (sign requests with these)", "file", path, "AWS_ACCESS_KEY_ID", c.AccessKeyID)
		return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
	}
	rawID, rawSecret := make([]byte, 8), make([]byte, 20)
	rand.Read(rawID)
	rand.Read(rawSecret)
	c.AccessKeyID, c.SecretAccessKey = "AKFL"+hex.EncodeToString(rawID), hex.EncodeToString(rawSecret)
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return sigv4.Credentials{}, err
	}
	log.Info("fleetd generated credentials (sign requests with these; they are kept in the file)", "file", path,
		"AWS_ACCESS_KEY_ID", c.AccessKeyID, "AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
}

// countEvents counts the core's events on their way to the gateway.
func countEvents(m *metrics.Metrics, next func([]core.Message, []core.Event)) func([]core.Message, []core.Event) {
	return func(msgs []core.Message, evs []core.Event) {
		for _, e := range evs {
			m.Event(string(e.Kind), e.Status)
		}
		if next != nil {
			next(msgs, evs)
		}
	}
}

// endpointHost is the host DescribeEndpoint gives for a listen address:
// its host, or localhost for a wildcard (the server certificate covers
// both).
func endpointHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return "localhost"
	}
	return host
}
