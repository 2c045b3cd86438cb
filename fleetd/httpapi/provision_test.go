package httpapi

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/node"
)

const bulkTemplate = `{"Parameters":{"ThingName":{"Type":"String"},"Batch":{"Type":"String","Default":"none"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"ThingName"},"AttributePayload":{"batch":{"Ref":"Batch"}}}}}}`

const fleetTemplate = `{"Parameters":{"SerialNumber":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::Join":["",["sensor-",{"Ref":"SerialNumber"}]]}}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"Active"}}}}`

// TestAWSCLIProvisioning drives provisioning templates and a bulk
// registration from a CSV with the real aws CLI: the task runs, its
// reports list the created things and the bad line, and the things exist.
func TestAWSCLIProvisioning(t *testing.T) { forEachCLI(t, testAWSCLIProvisioning) }

func testAWSCLIProvisioning(t *testing.T, newCLI func(endpoint, secret string) cli) {
	dir := t.TempDir()
	srv, n := startServerIn(t, dir)
	aws := newCLI(srv.URL, testSecret)

	created := aws.json("iot", "create-provisioning-template", "--template-name", "FleetTemplate",
		"--template-body", fleetTemplate, "--provisioning-role-arn", "arn:aws:iam::123456789012:role/Provisioning", "--enabled",
		"--tags", "Key=fleetlab:maxRegistrationsPerClaim,Value=1000")
	if created["templateName"] != "FleetTemplate" || created["defaultVersionId"] != float64(1) {
		t.Errorf("create-provisioning-template = %v", created)
	}
	aws.fails("InvalidRequestException", "iot", "create-provisioning-template", "--template-name", "Broken",
		"--template-body", `{"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"Nope"}}}}}`,
		"--provisioning-role-arn", "arn:aws:iam::123456789012:role/Provisioning")
	if d := aws.json("iot", "describe-provisioning-template", "--template-name", "FleetTemplate"); d["enabled"] != true {
		t.Errorf("describe-provisioning-template = %v", d)
	}
	if l := aws.json("iot", "list-provisioning-templates"); len(l["templates"].([]any)) != 1 {
		t.Errorf("list-provisioning-templates = %v", l)
	}

	// Bulk registration from the factory's CSV, one bad line among them.
	csv := "ThingName,Batch\nbulk-1,7\nbad name,7\nbulk-2,\n"
	if err := os.MkdirAll(filepath.Join(dir, "s3", "factory"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s3", "factory", "devices.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	aws.fails("InvalidRequestException", "iot", "start-thing-registration-task", "--template-body", bulkTemplate,
		"--input-file-bucket", "factory", "--input-file-key", "missing.csv", "--role-arn", "arn:aws:iam::123456789012:role/Bulk")
	task := aws.json("iot", "start-thing-registration-task", "--template-body", bulkTemplate,
		"--input-file-bucket", "factory", "--input-file-key", "devices.csv", "--role-arn", "arn:aws:iam::123456789012:role/Bulk")
	id := task["taskId"].(string)
	drain(t, n)
	d := aws.json("iot", "describe-thing-registration-task", "--task-id", id)
	if d["status"] != "Completed" || d["successCount"] != float64(2) || d["failureCount"] != float64(1) || d["percentageProgress"] != float64(100) {
		t.Fatalf("describe-thing-registration-task = %v", d)
	}
	for kind, want := range map[string]string{"RESULTS": `"thingName":"bulk-1"`, "ERRORS": `"line":3`} {
		r := aws.json("iot", "list-thing-registration-task-reports", "--task-id", id, "--report-type", kind)
		links, _ := r["resourceLinks"].([]any)
		if len(links) != 1 {
			t.Fatalf("list-thing-registration-task-reports %s = %v", kind, r)
		}
		// A pre-signed link, fetched without credentials as with curl.
		link := links[0].(string)
		if !strings.HasPrefix(link, srv.URL+"/fleetlab-objects/factory/") || !strings.Contains(link, "X-Amz-Signature=") {
			t.Fatalf("report link %s; want a pre-signed link to fleetd", link)
		}
		b, status := httpGet(t, link)
		if status != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %q; want it to contain %s", link, status, b, want)
		}
		if _, status := httpGet(t, strings.Replace(link, "X-Amz-Signature=", "X-Amz-Signature=0", 1)); status != http.StatusForbidden {
			t.Errorf("GET with a wrong signature: %d; want 403", status)
		}
	}
	thing := aws.json("iot", "describe-thing", "--thing-name", "bulk-2")
	if thing["attributes"].(map[string]any)["batch"] != "none" {
		t.Errorf("describe-thing bulk-2 = %v; want the template's default batch", thing)
	}
}

func httpGet(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.StatusCode
}

// drain runs the node's due work (the bulk task's slices) to the end, as
// its timer would, without waiting on the wall clock.
func drain(t *testing.T, n *node.Node) {
	t.Helper()
	for range 1000 {
		var due bool
		if err := n.Do(func(c *core.Core, now time.Time) error {
			if d := c.NextDeadline(); !d.IsZero() && !d.After(now) {
				c.Tick(now)
				due = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !due {
			return
		}
	}
	t.Fatal("the node still has work due after 1000 ticks")
}
