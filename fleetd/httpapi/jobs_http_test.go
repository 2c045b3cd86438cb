package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
)

// signedClient sends SigV4-signed requests to a test server, for the
// cases the aws CLI validates away before sending.
type signedClient struct {
	t   *testing.T
	url string
}

// do sends a request and returns the status, the x-amzn-ErrorType and the
// body.
func (c signedClient) do(service, method, path, body string) (int, string, string) {
	c.t.Helper()
	r, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	sigv4.Sign(r, []byte(body), sigv4.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, "us-east-1", service, time.Now())
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), string(b)
}

// TestJobsHTTPEdges covers what the aws CLI cannot send or does not show:
// page sizes of 0, filters by group id, documents before substitution,
// the jobs-data version error, and model patterns.
func TestJobsHTTPEdges(t *testing.T) {
	srv, _ := startServerIn(t, t.TempDir())
	c := signedClient{t: t, url: srv.URL}
	mustOK := func(service, method, path, body string) string {
		t.Helper()
		status, code, out := c.do(service, method, path, body)
		if status != http.StatusOK {
			t.Fatalf("%s %s = %d %s %s", method, path, status, code, out)
		}
		return out
	}
	mustOK("iot", "POST", "/things/d1", `{}`)
	group := mustOK("iot", "POST", "/thing-groups/G", `{}`)
	mustOK("iot", "POST", "/thing-groups/Other", `{}`)
	mustOK("iot", "PUT", "/thing-groups/addThingToThingGroup", `{"thingGroupName":"G","thingName":"d1"}`)
	var g struct {
		ThingGroupID string `json:"thingGroupId"`
	}
	if err := json.Unmarshal([]byte(group), &g); err != nil || g.ThingGroupID == "" {
		t.Fatalf("create-thing-group = %s", group)
	}
	mustOK("iot", "PUT", "/job-templates/tp", `{"description":"t","document":"{\"url\":\"${aws:iot:parameter:url}\"}"}`)
	mustOK("iot", "PUT", "/jobs/j1", `{"targets":["arn:aws:iot:us-east-1:123456789012:thinggroup/G"],"jobTemplateArn":"arn:aws:iot:us-east-1:123456789012:jobtemplate/tp","documentParameters":{"url":"https://x/fw.bin"}}`)
	mustOK("iot", "PUT", "/jobs/j2", `{"targets":["arn:aws:iot:us-east-1:123456789012:thing/d1"],"document":"{}"}`)
	mustOK("iot", "PUT", "/jobs/pre", `{"targets":["arn:aws:iot:us-east-1:123456789012:thing/d1"],"presignedUrlConfig":{"roleArn":"arn:aws:iam::123456789012:role/S3","expiresInSec":300},"document":"{\"url\":\"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/fw/2.2.0.bin}\"}"}`)

	tests := []struct {
		name, service, method, path, body string
		wantStatus                        int
		wantCode                          string
		wantBody                          string // a substring
	}{
		{"maxResults 0", "iot", "GET", "/jobs?maxResults=0", "", 400, "InvalidRequestException", "greater than or equal to 1"},
		{"pageSize 0", "iot", "GET", "/certificates?pageSize=0", "", 400, "InvalidRequestException", "pageSize"},
		{"maxResults 1", "iot", "GET", "/jobs?maxResults=1", "", 200, "", `"nextToken"`},
		{"by group id", "iot", "GET", "/jobs?thingGroupId=" + g.ThingGroupID, "", 200, "", `"jobId":"j1"`},
		{"by unknown group id", "iot", "GET", "/jobs?thingGroupId=nope", "", 200, "", `{"jobs":[]}`},
		{"after substitution", "iot", "GET", "/jobs/j1/job-document", "", 200, "", `https://x/fw.bin`},
		{"before substitution", "iot", "GET", "/jobs/j1/job-document?beforeSubstitution=true", "", 200, "", `${aws:iot:parameter:url}`},
		{"presigned URL for the device", "iot-jobs-data", "GET", "/things/d1/jobs/pre", "", 200, "", `https://s3.amazonaws.com/fw/2.2.0.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256`},
		{"presigned URL expiry", "iot-jobs-data", "GET", "/things/d1/jobs/pre", "", 200, "", `X-Amz-Expires=300`},
		{"placeholder kept for the control plane", "iot", "GET", "/jobs/pre/job-document", "", 200, "", `${aws:iot:s3-presigned-url:`},
		{"jobs-data version mismatch", "iot-jobs-data", "POST", "/things/d1/jobs/j2", `{"status":"IN_PROGRESS","expectedVersion":7}`, 409, "InvalidStateTransitionException", "version"},
		{"control character in description", "iot", "PUT", "/jobs/j3", `{"targets":["arn:aws:iot:us-east-1:123456789012:thing/d1"],"document":"{}","description":"a\nb"}`, 400, "InvalidRequestException", "control characters"},
		{"bad namespace", "iot", "PUT", "/jobs/j3", `{"targets":["arn:aws:iot:us-east-1:123456789012:thing/d1"],"document":"{}","namespaceId":"bad ns!"}`, 400, "InvalidRequestException", "namespaceId"},
		{"template presigned range", "iot", "PUT", "/job-templates/x7", `{"description":"x","document":"{}","presignedUrlConfig":{"expiresInSec":10}}`, 400, "InvalidRequestException", "expiresInSec"},
		{"publish over 128 KB", "iotdata", "POST", "/topics/a%2Fb?qos=1", strings.Repeat("x", 128<<10+1), 413, "RequestEntityTooLargeException", "maximum size"},
		{"template window path", "iot", "PUT", "/job-templates/x8", `{"description":"x","document":"{}","maintenanceWindows":[{"startTime":"cron(nonsense)","durationInMinutes":30}]}`, 400, "InvalidRequestException", `maintenanceWindows[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, body := c.do(tt.service, tt.method, tt.path, tt.body)
			if status != tt.wantStatus || code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d %q %s; want %d %q containing %q", tt.method, tt.path, status, code, body, tt.wantStatus, tt.wantCode, tt.wantBody)
			}
			if strings.Contains(body, "schedulingConfig.maintenanceWindows") && strings.HasPrefix(tt.path, "/job-templates") {
				t.Errorf("a template's error names schedulingConfig: %s", body)
			}
		})
	}

	// Deleting: DELETION_IN_PROGRESS at once, at most ten at a time.
	for i := range 11 {
		id := fmt.Sprint("del-", i)
		mustOK("iot", "PUT", "/jobs/"+id, `{"targets":["arn:aws:iot:us-east-1:123456789012:thing/d1"],"document":"{}"}`)
		status, code, body := c.do("iot", "DELETE", "/jobs/"+id+"?force=true", "")
		switch {
		case i < 10 && status != 200:
			t.Fatalf("delete %s: %d %s %s", id, status, code, body)
		case i == 10 && (status != 410 || code != "LimitExceededException"):
			t.Errorf("the 11th deletion at once: %d %s %s; want 410 LimitExceededException", status, code, body)
		}
	}
	if out := mustOK("iot", "GET", "/jobs/del-0", ""); !strings.Contains(out, `"status":"DELETION_IN_PROGRESS"`) {
		t.Errorf("a job being deleted: %s", out)
	}
	if out := mustOK("iot", "GET", "/jobs?status=DELETION_IN_PROGRESS", ""); strings.Count(out, `"jobId"`) != 10 {
		t.Errorf("list-jobs DELETION_IN_PROGRESS = %s; want the 10", out)
	}

	// Cancelling a finished job is a client mistake the model calls
	// InvalidRequestException.
	mustOK("iot", "PUT", "/jobs/j2/cancel", `{}`)
	if status, code, body := c.do("iot", "PUT", "/jobs/j2/cancel", `{}`); status != 400 || code != "InvalidRequestException" {
		t.Errorf("second cancel = %d %q %s", status, code, body)
	}
}
