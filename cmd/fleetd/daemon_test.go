package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// daemon is the real fleetd binary running on loopback ports it chose.
type daemon struct {
	dir           string
	http          string // http://127.0.0.1:port
	mqtts         string // 127.0.0.1:port
	key, secret   string
	cmd           *exec.Cmd
	cancelProcess context.CancelFunc
}

var listening = regexp.MustCompile(`(http|mqtts)=(?:http://)?(127\.0\.0\.1:\d+)`)

// startDaemon builds fleetd and starts it with port 0 everywhere, reading
// the bound addresses from its log.
func startDaemon(t *testing.T) *daemon {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fleetd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	d := &daemon{dir: t.TempDir(), key: "AKIDDAEMONTEST", secret: "daemon-test-secret"}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancelProcess = cancel
	d.cmd = exec.CommandContext(ctx, bin, "--data", d.dir, "--http", "127.0.0.1:0", "--mqtt", "", "--mqtts", "127.0.0.1:0")
	d.cmd.Env = append(os.Environ(), "FLEETD_ACCESS_KEY_ID="+d.key, "FLEETD_SECRET_ACCESS_KEY="+d.secret)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.cmd.Process.Signal(os.Interrupt)
		d.cmd.Wait()
		cancel()
	})
	lines := bufio.NewScanner(stderr)
	for (d.http == "" || d.mqtts == "") && lines.Scan() {
		for _, m := range listening.FindAllStringSubmatch(lines.Text(), -1) {
			if m[1] == "http" {
				d.http = "http://" + m[2]
			} else {
				d.mqtts = m[2]
			}
		}
	}
	if d.http == "" || d.mqtts == "" {
		t.Fatalf("fleetd did not report its addresses (http %q, mqtts %q)", d.http, d.mqtts)
	}
	go io.Copy(io.Discard, stderr)
	return d
}

// aws runs the aws CLI against the daemon and decodes its JSON output.
func (d *daemon) aws(t *testing.T, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", d.http, "--region", "us-east-1", "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+d.key, "AWS_SECRET_ACCESS_KEY="+d.secret, "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	var m map[string]any
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %s printed %s", strings.Join(args, " "), out)
		}
	}
	return m
}

// device is a certificate on disk for the mosquitto clients.
type device struct {
	d                 *daemon
	id                string
	cert, key, cafile string
}

func (dv device) tlsArgs(extra ...string) []string {
	host, port, _ := strings.Cut(dv.d.mqtts, ":")
	return append([]string{"-h", host, "-p", port, "--cafile", dv.cafile, "--cert", dv.cert, "--key", dv.key, "-i", dv.id}, extra...)
}

const deviceTestPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
 {"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*","arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*"]},
 {"Effect":"Allow","Action":"iot:Subscribe","Resource":["arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*","arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*"]}]}`

// TestDaemonWithRealClients starts the real daemon and drives it with the
// aws CLI and mosquitto clients over mTLS: a device updates its shadow and
// receives /delta, takes a job through start-next and update, and is
// denied a topic its policy does not allow. The server certificate is
// verified against DATA/ca.pem (no --insecure).
func TestDaemonWithRealClients(t *testing.T) {
	for _, tool := range []string{"aws", "mosquitto_sub", "mosquitto_rr", "stdbuf", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs the clients)", tool)
		}
	}
	d := startDaemon(t)
	d.aws(t, "iot", "create-thing", "--thing-name", "lamp")
	kc := d.aws(t, "iot", "create-keys-and-certificate", "--set-as-active")
	dv := device{d: d, id: "lamp", cert: filepath.Join(d.dir, "lamp.pem"), key: filepath.Join(d.dir, "lamp.key"), cafile: filepath.Join(d.dir, "ca.pem")}
	if err := os.WriteFile(dv.cert, []byte(kc["certificatePem"].(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dv.key, []byte(kc["keyPair"].(map[string]any)["PrivateKey"].(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	d.aws(t, "iot", "create-policy", "--policy-name", "device", "--policy-document", deviceTestPolicy)
	d.aws(t, "iot", "attach-policy", "--policy-name", "device", "--target", kc["certificateArn"].(string))
	d.aws(t, "iot", "attach-thing-principal", "--thing-name", "lamp", "--principal", kc["certificateArn"].(string))

	// Shadow: subscribe to /update/delta, wait until subscribed (-d prints
	// the SUBACK), then set a desired state over HTTPS.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// stdbuf: mosquitto_sub's stdout is a pipe, block-buffered otherwise.
	sub := exec.CommandContext(ctx, "stdbuf", append([]string{"-oL", "mosquitto_sub"}, dv.tlsArgs("-t", "$aws/things/lamp/shadow/update/delta", "-C", "1", "-d")...)...)
	out, err := sub.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Subscribed (mid: 1)") {
	}
	if l := lines.Text(); l != "Subscribed (mid: 1): 0" {
		t.Fatalf("subscribing to its own /update/delta: %q", l)
	}
	d.aws(t, "iot-data", "update-thing-shadow", "--thing-name", "lamp", "--payload", `{"state":{"desired":{"color":"red"}}}`, filepath.Join(d.dir, "out.json"))
	var delta string
	for lines.Scan() {
		if l := lines.Text(); strings.HasPrefix(l, "{") {
			delta = l
		}
	}
	if err := sub.Wait(); err != nil {
		t.Fatalf("mosquitto_sub: %v", err)
	}
	if !strings.Contains(delta, `"color":"red"`) {
		t.Errorf("/update/delta = %q; want the desired color", delta)
	}

	// A job through the device MQTT API, with mosquitto_rr (request and
	// response, MQTT 5).
	d.aws(t, "iot", "create-job", "--job-id", "fw", "--targets", "arn:aws:iot:us-east-1:123456789012:thing/lamp", "--document", `{"version":"2.2.0"}`)
	rr := func(topic, payload string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, "mosquitto_rr", dv.tlsArgs("-V", "mqttv5", "-t", topic, "-e", topic+"/accepted", "-m", payload, "-W", "10")...).CombinedOutput()
		if err != nil {
			t.Fatalf("mosquitto_rr %s: %v\n%s", topic, err, out)
		}
		return string(out)
	}
	if got := rr("$aws/things/lamp/jobs/start-next", `{"clientToken":"c1"}`); !strings.Contains(got, `"status":"IN_PROGRESS"`) || !strings.Contains(got, `"version":"2.2.0"`) {
		t.Errorf("start-next answered %s", got)
	}
	if got := rr("$aws/things/lamp/jobs/fw/update", `{"status":"SUCCEEDED","clientToken":"c2"}`); !strings.Contains(got, `"clientToken":"c2"`) {
		t.Errorf("update answered %s", got)
	}
	job := d.aws(t, "iot", "describe-job", "--job-id", "fw")["job"].(map[string]any)
	if job["status"] != "COMPLETED" {
		t.Errorf("after the device's update, describe-job = %v", job)
	}

	// Another thing's topic: the subscription is refused.
	denied := exec.CommandContext(ctx, "mosquitto_sub", dv.tlsArgs("-t", "$aws/things/other/shadow/update/accepted", "-C", "1")...)
	if got, _ := denied.CombinedOutput(); !strings.Contains(string(got), "All subscription requests were denied") {
		t.Errorf("subscribing to another thing's shadow printed %q; want it denied", got)
	}
}

// fails runs the aws CLI and checks it fails with an AWS error code.
func (d *daemon) fails(t *testing.T, code string, args ...string) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", d.http, "--region", "us-east-1", "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+d.key, "AWS_SECRET_ACCESS_KEY="+d.secret, "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "("+code+")") {
		t.Errorf("aws %s: %v %s; want %s", strings.Join(args, " "), err, out, code)
	}
}

// TestDaemonWithAWSCLI drives the real daemon through the aws CLI: the
// registry, fleet indexing and its aggregations, a shadow, a job from an
// s3:// document with rollout, abort and timeout settings, a bulk
// registration from CSV with its reports, and the errors for unknown
// things and bad queries.
func TestDaemonWithAWSCLI(t *testing.T) {
	for _, tool := range []string{"aws", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	d := startDaemon(t)
	d.aws(t, "iot", "create-thing-type", "--thing-type-name", "Sensor_v3")
	d.aws(t, "iot", "create-thing-group", "--thing-group-name", "Production")
	for i, temp := range []string{"55", "61.5", "70"} {
		name := "sensor-" + strconv.Itoa(i)
		d.aws(t, "iot", "create-thing", "--thing-name", name, "--thing-type-name", "Sensor_v3", "--attribute-payload", `{"attributes":{"batch":"42"}}`)
		d.aws(t, "iot", "add-thing-to-thing-group", "--thing-group-name", "Production", "--thing-name", name)
		d.aws(t, "iot", "update-indexing-configuration", "--thing-indexing-configuration",
			`{"thingIndexingMode":"REGISTRY_AND_SHADOW","customFields":[{"name":"shadow.reported.temperature","type":"Number"}]}`)
		d.aws(t, "iot-data", "update-thing-shadow", "--thing-name", name, "--payload", `{"state":{"reported":{"temperature":`+temp+`}}}`, filepath.Join(d.dir, "shadow.json"))
	}
	s := d.aws(t, "iot", "search-index", "--query-string", "shadow.reported.temperature > 60 AND thingGroupNames:Production")
	if n := len(s["things"].([]any)); n != 2 {
		t.Errorf("search-index found %d things; want 2", n)
	}
	if st := d.aws(t, "iot", "get-statistics", "--query-string", "*", "--aggregation-field", "shadow.reported.temperature"); st["statistics"].(map[string]any)["maximum"] != 70.0 {
		t.Errorf("get-statistics = %v", st)
	}
	if p := d.aws(t, "iot", "get-percentiles", "--query-string", "*", "--aggregation-field", "shadow.reported.temperature", "--percents", "50"); len(p["percentiles"].([]any)) != 1 {
		t.Errorf("get-percentiles = %v", p)
	}
	if b := d.aws(t, "iot", "get-buckets-aggregation", "--query-string", "*", "--aggregation-field", "thingTypeName",
		"--buckets-aggregation-type", `{"termsAggregation":{"maxBuckets":5}}`); b["totalCount"] != 3.0 {
		t.Errorf("get-buckets-aggregation = %v", b)
	}
	d.fails(t, "ResourceNotFoundException", "iot", "describe-thing", "--thing-name", "nobody")
	d.fails(t, "InvalidQueryException", "iot", "search-index", "--query-string", "shadow.reported.temperature > (")

	// A job whose document is an S3 object of the data directory.
	if err := os.MkdirAll(filepath.Join(d.dir, "s3", "firmware"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "s3", "firmware", "2.2.0.json"), []byte(`{"version":"2.2.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	d.aws(t, "iot", "create-job", "--job-id", "fw", "--targets", "arn:aws:iot:us-east-1:123456789012:thinggroup/Production",
		"--document-source", "s3://firmware/2.2.0.json",
		"--job-executions-rollout-config", `{"maximumPerMinute":100}`,
		"--abort-config", `{"criteriaList":[{"failureType":"FAILED","action":"CANCEL","thresholdPercentage":20,"minNumberOfExecutedThings":10}]}`,
		"--timeout-config", `{"inProgressTimeoutInMinutes":30}`)
	job := d.aws(t, "iot", "describe-job", "--job-id", "fw")["job"].(map[string]any)
	if job["status"] != "IN_PROGRESS" || job["timeoutConfig"].(map[string]any)["inProgressTimeoutInMinutes"] != 30.0 {
		t.Errorf("describe-job = %v", job)
	}

	// Bulk registration from the factory's CSV: the batch is small, so it
	// is registered when the call returns.
	if err := os.MkdirAll(filepath.Join(d.dir, "s3", "factory"), 0o755); err != nil {
		t.Fatal(err)
	}
	csv := "ThingName\nbatch-1\nbad name\nbatch-2\n"
	if err := os.WriteFile(filepath.Join(d.dir, "s3", "factory", "batch.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	task := d.aws(t, "iot", "start-thing-registration-task", "--input-file-bucket", "factory", "--input-file-key", "batch.csv",
		"--role-arn", "arn:aws:iam::123456789012:role/Bulk", "--template-body",
		`{"Parameters":{"ThingName":{"Type":"String"}},"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"ThingName"}}}}}`)
	desc := d.aws(t, "iot", "describe-thing-registration-task", "--task-id", task["taskId"].(string))
	if desc["status"] != "Completed" || desc["successCount"] != 2.0 || desc["failureCount"] != 1.0 {
		t.Errorf("describe-thing-registration-task = %v", desc)
	}
	for _, kind := range []string{"RESULTS", "ERRORS"} {
		r := d.aws(t, "iot", "list-thing-registration-task-reports", "--task-id", task["taskId"].(string), "--report-type", kind)
		links, _ := r["resourceLinks"].([]any)
		if len(links) != 1 {
			t.Errorf("list-thing-registration-task-reports %s = %v", kind, r)
			continue
		}
		resp, err := http.Get(links[0].(string)) // pre-signed: no credentials
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET report %s: %v %v", links[0], resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	d.aws(t, "iot", "describe-thing", "--thing-name", "batch-2")
}
