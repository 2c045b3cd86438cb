package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/internal/clock"
)

const (
	testKey    = "AKIDFLEETLABTEST"
	testSecret = "fleetlab-test-secret"
)

// cli runs the real aws CLI against a server with fixed credentials and no
// configuration from the machine.
type cli struct {
	t        *testing.T
	bin      string // the aws executable
	v2       bool   // aws-cli/2
	endpoint string
	secret   string
}

// awsCLIs returns every distinct aws CLI on the PATH by its version line's
// first word (aws-cli/1.x from pip, aws-cli/2.x from Debian's awscli):
// both must work against fleetd.
func awsCLIs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	seen := map[string]bool{}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "aws")
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		v, err := exec.Command(p, "--version").CombinedOutput()
		if err != nil {
			continue
		}
		major, _, _ := strings.Cut(strings.Fields(string(v))[0], ".")
		if _, dup := out[major]; !dup {
			out[major] = p
		}
	}
	if len(out) == 0 {
		t.Skip("no aws CLI is installed (make deps installs it)")
	}
	return out
}

// forEachCLI runs a test once per installed aws CLI version, with a cli
// for the given endpoint and secret.
func forEachCLI(t *testing.T, test func(t *testing.T, newCLI func(endpoint, secret string) cli)) {
	for version, bin := range awsCLIs(t) {
		t.Run(version, func(t *testing.T) {
			test(t, func(endpoint, secret string) cli {
				return cli{t: t, bin: bin, v2: version == "aws-cli/2", endpoint: endpoint, secret: secret}
			})
		})
	}
}

func (c cli) run(args ...string) (stdout, stderr string, ok bool) {
	c.t.Helper()
	args = append(args, "--endpoint-url", c.endpoint, "--region", "us-east-1", "--output", "json")
	if c.v2 {
		// Blob arguments (shadow payloads) are the bytes given, as in v1;
		// v2 reads them as base64 unless told otherwise.
		args = append(args, "--cli-binary-format", "raw-in-base64-out")
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testKey, "AWS_SECRET_ACCESS_KEY="+c.secret, "AWS_SESSION_TOKEN=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err == nil
}

func (c cli) json(args ...string) map[string]any {
	c.t.Helper()
	out, errOut, ok := c.run(args...)
	if !ok {
		c.t.Fatalf("aws %s failed: %s", strings.Join(args, " "), errOut)
	}
	var m map[string]any
	if strings.TrimSpace(out) == "" {
		return m
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.t.Fatalf("aws %s printed %q: %v", strings.Join(args, " "), out, err)
	}
	return m
}

func (c cli) fails(code string, args ...string) {
	c.t.Helper()
	_, errOut, ok := c.run(args...)
	if ok || !strings.Contains(errOut, "("+code+")") {
		c.t.Errorf("aws %s: ok=%v stderr %q; want an error %s", strings.Join(args, " "), ok, errOut, code)
	}
}

func startServer(t *testing.T) *httptest.Server {
	srv, _ := startServerIn(t, t.TempDir())
	return srv
}

// startServerIn starts the API on a node whose data directory is dir.
func startServerIn(t testing.TB, dir string) (*httptest.Server, *node.Node) {
	ca, err := pki.NewCA(time.Now(), rand.Reader, pki.CAOptions{CommonName: "fleetd test CA"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(node.Options{Dir: dir, Core: core.Options{Seed: 1, CA: ca}, Clock: clock.Real{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	v := sigv4.NewVerifier([]sigv4.Credentials{{AccessKeyID: testKey, SecretAccessKey: testSecret}}, time.Now)
	srv := httptest.NewServer(New(Options{Node: n, Verifier: v, Objects: objects.Store{Dir: dir}}))
	t.Cleanup(srv.Close)
	return srv, n
}

// TestAWSCLI drives the daemon's HTTP API with the real aws CLI: registry,
// indexing, shadows over iot-data, search and aggregations, and the AWS
// errors the CLI must recognise.
func TestAWSCLI(t *testing.T) { forEachCLI(t, testAWSCLI) }

func testAWSCLI(t *testing.T, newCLI func(endpoint, secret string) cli) {
	srv := startServer(t)
	aws := newCLI(srv.URL, testSecret)

	aws.json("iot", "create-thing-type", "--thing-type-name", "Sensor_v3")
	created := aws.json("iot", "create-thing", "--thing-name", "sensor-1", "--thing-type-name", "Sensor_v3",
		"--attribute-payload", `{"attributes":{"region":"eu-west-1","batch":"42"}}`)
	if created["thingName"] != "sensor-1" || created["thingArn"] != "arn:aws:iot:us-east-1:123456789012:thing/sensor-1" {
		t.Errorf("create-thing = %v", created)
	}
	d := aws.json("iot", "describe-thing", "--thing-name", "sensor-1")
	if d["thingTypeName"] != "Sensor_v3" || d["attributes"].(map[string]any)["region"] != "eu-west-1" {
		t.Errorf("describe-thing = %v", d)
	}
	aws.fails("ResourceNotFoundException", "iot", "describe-thing", "--thing-name", "nobody")
	aws.fails("InvalidRequestException", "iot", "create-thing", "--thing-name", "bad name")

	aws.json("iot", "create-thing-group", "--thing-group-name", "Production")
	aws.json("iot", "add-thing-to-thing-group", "--thing-group-name", "Production", "--thing-name", "sensor-1")
	if got := aws.json("iot", "list-things-in-thing-group", "--thing-group-name", "Production"); len(got["things"].([]any)) != 1 {
		t.Errorf("list-things-in-thing-group = %v", got)
	}

	aws.fails("ResourceNotFoundException", "iot", "search-index", "--query-string", "*")
	aws.json("iot", "update-indexing-configuration", "--thing-indexing-configuration",
		`{"thingIndexingMode":"REGISTRY_AND_SHADOW","thingConnectivityIndexingMode":"STATUS","customFields":[{"name":"shadow.reported.temperature","type":"Number"}]}`)
	cfg := aws.json("iot", "get-indexing-configuration")
	if cfg["thingIndexingConfiguration"].(map[string]any)["thingIndexingMode"] != "REGISTRY_AND_SHADOW" {
		t.Errorf("get-indexing-configuration = %v", cfg)
	}

	outfile := filepath.Join(t.TempDir(), "shadow.json")
	aws.json("iot-data", "update-thing-shadow", "--thing-name", "sensor-1",
		"--payload", `{"state":{"reported":{"temperature":61.5,"firmware_version":"2.0.3"}}}`, outfile)
	aws.json("iot-data", "get-thing-shadow", "--thing-name", "sensor-1", outfile)
	b, _ := os.ReadFile(outfile)
	if !strings.Contains(string(b), `"temperature":61.5`) {
		t.Errorf("get-thing-shadow wrote %s", b)
	}
	aws.fails("ResourceNotFoundException", "iot-data", "get-thing-shadow", "--thing-name", "sensor-1", "--shadow-name", "nope", outfile)
	// A publish on a shadow request topic is the shadow update itself.
	aws.json("iot-data", "publish", "--topic", "$aws/things/sensor-1/shadow/name/cfg/update", "--payload", `{"state":{"reported":{"mode":"eco"}}}`)
	aws.json("iot-data", "get-thing-shadow", "--thing-name", "sensor-1", "--shadow-name", "cfg", outfile)
	if b, _ := os.ReadFile(outfile); !strings.Contains(string(b), `"mode":"eco"`) {
		t.Errorf("after publish, get-thing-shadow wrote %s", b)
	}
	aws.json("iot-data", "publish", "--topic", "factory/line-1/status", "--payload", "ok")
	aws.fails("InvalidRequestException", "iot-data", "publish", "--topic", "a/+/b", "--payload", "x")

	s := aws.json("iot", "search-index", "--query-string", `shadow.reported.temperature > 60 AND attributes.batch:42`)
	things := s["things"].([]any)
	if len(things) != 1 || things[0].(map[string]any)["thingName"] != "sensor-1" {
		t.Errorf("search-index = %v", s)
	}
	if sh, _ := things[0].(map[string]any)["shadow"].(string); !strings.Contains(sh, `"reported"`) {
		t.Errorf("search-index shadow is %q; want the JSON string AWS returns", sh)
	}
	aws.fails("InvalidQueryException", "iot", "search-index", "--query-string", "attributes.batch:(")
	st := aws.json("iot", "get-statistics", "--query-string", "*", "--aggregation-field", "shadow.reported.temperature")
	if st["statistics"].(map[string]any)["average"] != 61.5 {
		t.Errorf("get-statistics = %v", st)
	}
	aws.fails("InvalidAggregationException", "iot", "get-statistics", "--query-string", "*", "--aggregation-field", "attributes.region")
	bk := aws.json("iot", "get-buckets-aggregation", "--query-string", "*", "--aggregation-field", "thingGroupNames",
		"--buckets-aggregation-type", `{"termsAggregation":{"maxBuckets":5}}`)
	if bk["totalCount"] != float64(1) {
		t.Errorf("get-buckets-aggregation = %v", bk)
	}

	wrong := newCLI(srv.URL, "not-the-secret")
	wrong.fails("InvalidSignatureException", "iot", "list-things")
}
