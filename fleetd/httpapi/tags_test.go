package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestTags: tags given at creation read back with ListTagsForResource,
// TagResource adds and overwrites, UntagResource removes, across the
// components that own tagged resources; and the errors.
func TestTags(t *testing.T) {
	srv, _ := startServerIn(t, t.TempDir())
	c := signedClient{t: t, url: srv.URL}
	must := func(method, path, body string) string {
		t.Helper()
		status, code, out := c.do("iot", method, path, body)
		if status != http.StatusOK {
			t.Fatalf("%s %s = %d %s %s", method, path, status, code, out)
		}
		return out
	}
	const arn = "arn:aws:iot:us-east-1:123456789012:"
	must("POST", "/thing-groups/Fleet", `{"tags":[{"Key":"team","Value":"ops"}]}`)
	must("POST", "/things/d1", `{}`)
	must("PUT", "/jobs/fw", `{"targets":["`+arn+`thing/d1"],"document":"{}","tags":[{"Key":"release","Value":"2.2.0"}]}`)
	must("POST", "/policies/p1", `{"policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}"}`)

	list := func(resource string) string {
		t.Helper()
		return must("GET", "/tags?resourceArn="+resource, "")
	}
	if got, want := list(arn+"thinggroup/Fleet"), `{"tags":[{"Key":"team","Value":"ops"}]}`; got != want {
		t.Errorf("tags of a group created with tags = %s; want %s", got, want)
	}
	if got, want := list(arn+"job/fw"), `{"tags":[{"Key":"release","Value":"2.2.0"}]}`; got != want {
		t.Errorf("tags of a job created with tags = %s; want %s", got, want)
	}
	must("POST", "/tags", `{"resourceArn":"`+arn+`thinggroup/Fleet","tags":[{"Key":"team","Value":"field"},{"Key":"cost","Value":"42"}]}`)
	if got, want := list(arn+"thinggroup/Fleet"), `{"tags":[{"Key":"cost","Value":"42"},{"Key":"team","Value":"field"}]}`; got != want {
		t.Errorf("after TagResource = %s; want %s", got, want)
	}
	must("POST", "/untag", `{"resourceArn":"`+arn+`thinggroup/Fleet","tagKeys":["team","absent"]}`)
	if got, want := list(arn+"thinggroup/Fleet"), `{"tags":[{"Key":"cost","Value":"42"}]}`; got != want {
		t.Errorf("after UntagResource = %s; want %s", got, want)
	}
	must("POST", "/tags", `{"resourceArn":"`+arn+`policy/p1","tags":[{"Key":"k","Value":""}]}`)
	if got, want := list(arn+"policy/p1"), `{"tags":[{"Key":"k"}]}`; got != want {
		t.Errorf("policy tags = %s; want %s", got, want)
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"unknown group", "GET", "/tags?resourceArn=" + arn + "thinggroup/Nope", "", 404, "ResourceNotFoundException", "does not exist"},
		{"other account", "GET", "/tags?resourceArn=arn:aws:iot:us-east-1:999999999999:thinggroup/Fleet", "", 404, "ResourceNotFoundException", ""},
		{"things have no tags", "GET", "/tags?resourceArn=" + arn + "thing/d1", "", 400, "InvalidRequestException", "cannot be tagged"},
		{"not an ARN", "GET", "/tags?resourceArn=Fleet", "", 400, "InvalidRequestException", "not an AWS IoT resource ARN"},
		{"reserved prefix", "POST", "/tags", `{"resourceArn":"` + arn + `job/fw","tags":[{"Key":"aws:x","Value":"1"}]}`, 400, "InvalidRequestException", "reserved"},
		{"no tags", "POST", "/tags", `{"resourceArn":"` + arn + `job/fw","tags":[]}`, 400, "InvalidRequestException", "at least one"},
		{"bad key", "POST", "/tags", `{"resourceArn":"` + arn + `job/fw","tags":[{"Key":"a*b","Value":"1"}]}`, 400, "InvalidRequestException", "not allowed"},
	} {
		status, code, body := c.do("iot", tc.method, tc.path, tc.body)
		if status != tc.status || code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %q %s; want %d %q containing %q", tc.name, status, code, body, tc.status, tc.code, tc.msg)
		}
	}
	var many strings.Builder
	for i := range 51 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"Key":"k` + strings.Repeat("x", i) + `","Value":"v"}`)
	}
	if status, code, _ := c.do("iot", "POST", "/tags", `{"resourceArn":"`+arn+`job/fw","tags":[`+many.String()+`]}`); status != 410 || code != "LimitExceededException" {
		t.Errorf("51 tags: %d %q; want 410 LimitExceededException", status, code)
	}
}
