package provision

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// bulkTemplate registers things without certificates: the factory list
// of a release team.
const bulkTemplate = `{
  "Parameters": {"ThingName": {"Type": "String"}, "SerialNumber": {"Type": "String", "Default": "none"}},
  "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {
    "ThingName": {"Ref": "ThingName"}, "AttributePayload": {"serial": {"Ref": "SerialNumber"}}, "ThingGroups": ["fleet"]}}}
}`

// runTask starts a task and ticks it to the end.
func (v *env) runTask(body string, input []byte) string {
	v.t.Helper()
	resp, err := v.e.StartThingRegistrationTask(v.now, StartThingRegistrationTaskRequest{TemplateBody: body,
		InputFileBucket: "factory", InputFileKey: "batch/1.jsonl", RoleArn: roleArn, Input: input})
	if err != nil {
		v.t.Fatal(err)
	}
	for i := 0; ; i++ {
		at, ok := v.e.NextDeadline()
		if !ok {
			break
		}
		if at.After(v.now) {
			v.t.Fatalf("a running task's deadline %v is after now %v", at, v.now)
		}
		v.now = v.now.Add(time.Millisecond)
		v.e.Tick(v.now)
		if i > 1e6 {
			v.t.Fatal("the task never ends")
		}
	}
	return resp.TaskId
}

func reportLines(t *testing.T, v *env, taskID, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(v.sink.objects["factory/"+ReportKey(taskID, typ)])), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s line %q: %v", typ, line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestBulkRegistration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		input  string
		errors string
	}{
		{"JSON lines", `{"ThingName": "t1", "SerialNumber": "1"}
{"ThingName": "t2"}
{"ThingName": "bad name"}
not json

{"SerialNumber": "9"}
{"ThingName": "t3", "SerialNumber": 3}
`, "3:InvalidRequestException 4:InvalidInput 6:ResourceRegistrationFailureException"},
		{"CSV", "ThingName,SerialNumber\nt1,1\nt2,\nbad name,7\nx,y,z\n\n,9\nt3,3\n",
			"4:InvalidRequestException 5:InvalidInput 7:ResourceRegistrationFailureException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t)
			v.group("fleet")
			v.e.opts.BulkSliceLines = 2 // several slices
			id := v.runTask(bulkTemplate, []byte(tc.input))

			d, err := v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: id})
			if err != nil || d.Status != TaskCompleted || d.SuccessCount != 3 || d.FailureCount != 3 || d.PercentageProgress != 100 ||
				d.InputFileBucket != "factory" || d.TemplateBody != bulkTemplate {
				t.Errorf("describe = %+v %v", d, err)
			}
			results := reportLines(t, v, id, ReportResults)
			var names []string
			for _, r := range results {
				names = append(names, fmt.Sprint(r["thingName"]))
			}
			if strings.Join(names, ",") != "t1,t2,t3" || results[0]["resourceArns"].(map[string]any)["thing"] != "arn:aws:iot:us-east-1:123456789012:thing/t1" {
				t.Errorf("RESULTS = %v", results)
			}
			errs := reportLines(t, v, id, ReportErrors)
			var lines []string
			for _, e := range errs {
				lines = append(lines, fmt.Sprintf("%v:%v", e["line"], e["errorCode"]))
			}
			if got := strings.Join(lines, " "); got != tc.errors {
				t.Errorf("ERRORS lines = %s\n%v", got, errs)
			}
			d2, _ := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "t2"})
			if d2.Attributes["serial"] != "none" || !v.reg.InThingGroup("t3", "fleet") {
				t.Errorf("t2 = %+v", d2)
			}
			for _, typ := range []string{ReportResults, ReportErrors} {
				links, err := v.e.ListThingRegistrationTaskReports(ListThingRegistrationTaskReportsRequest{TaskId: id, ReportType: typ})
				want := "s3://factory/" + id + "/" + typ + ".jsonl"
				if err != nil || len(links.ResourceLinks) != 1 || links.ResourceLinks[0] != want || links.ReportType != typ {
					t.Errorf("reports %s = %+v %v; want %s", typ, links, err, want)
				}
			}
		})
	}
}

func TestBulkWithCSR(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.billingGroup("billing")
	v.policy("existing")
	var input strings.Builder
	for i := range 3 {
		line, _ := json.Marshal(map[string]string{"ThingName": fmt.Sprint("bulb", i), "CSR": newCSR(t, "b")})
		input.Write(line)
		input.WriteByte('\n')
	}
	id := v.runTask(csrTemplate, []byte(input.String()))
	results := reportLines(t, v, id, ReportResults)
	if len(results) != 3 || !strings.Contains(fmt.Sprint(results[0]["certificatePem"]), "BEGIN CERTIFICATE") {
		t.Errorf("RESULTS = %v", results)
	}
	if links, _ := v.e.ListThingRegistrationTaskReports(ListThingRegistrationTaskReportsRequest{TaskId: id, ReportType: ReportErrors}); len(links.ResourceLinks) != 0 {
		t.Errorf("no errors, yet ERRORS links %v", links.ResourceLinks)
	}
}

func (v *env) policy(name string) {
	v.t.Helper()
	if err := v.createPolicy(name); err != nil {
		v.t.Fatal(err)
	}
}

func TestRegistrationTaskOps(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.e.opts.BulkSliceLines = 1
	start := func(input string) (string, error) {
		resp, err := v.e.StartThingRegistrationTask(v.now, StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate,
			InputFileBucket: "factory", InputFileKey: "in.jsonl", RoleArn: roleArn, Input: []byte(input)})
		return resp.TaskId, err
	}
	for _, tc := range []struct {
		name string
		req  StartThingRegistrationTaskRequest
		code string
	}{
		{"no bucket", StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate, InputFileKey: "k", RoleArn: roleArn, Input: []byte{}}, "InvalidRequestException"},
		{"bad key", StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate, InputFileBucket: "bkt", InputFileKey: "a b", RoleArn: roleArn, Input: []byte{}}, "InvalidRequestException"},
		{"no role", StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate, InputFileBucket: "bkt", InputFileKey: "k", Input: []byte{}}, "InvalidRequestException"},
		{"bad template", StartThingRegistrationTaskRequest{TemplateBody: "{}", InputFileBucket: "bkt", InputFileKey: "k", RoleArn: roleArn, Input: []byte{}}, "InvalidRequestException"},
		{"unreadable input", StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate, InputFileBucket: "bkt", InputFileKey: "k", RoleArn: roleArn}, "InvalidRequestException"},
	} {
		_, err := v.e.StartThingRegistrationTask(v.now, tc.req)
		checkErr(t, tc.name, err, tc.code, "")
	}

	id1, err := start("{\"ThingName\":\"a\"}\n{\"ThingName\":\"b\"}\n{\"ThingName\":\"c\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = start("")
	checkErr(t, "second task while one runs", err, "InvalidRequestException", "one task runs at a time")
	// The first slice ran inside the Start call; one Tick runs the next.
	d, _ := v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: id1})
	if d.Status != TaskInProgress || d.SuccessCount != 1 || d.PercentageProgress >= 100 {
		t.Errorf("after the first slice: %+v", d)
	}
	v.now = v.now.Add(time.Second)
	v.e.Tick(v.now)
	d, _ = v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: id1})
	if d.Status != TaskInProgress || d.SuccessCount != 2 || d.PercentageProgress >= 100 {
		t.Errorf("after one more slice: %+v", d)
	}
	checkErr(t, "stop", v.e.StopThingRegistrationTask(v.now, StopThingRegistrationTaskRequest{TaskId: id1}), "", "")
	checkErr(t, "stop again", v.e.StopThingRegistrationTask(v.now, StopThingRegistrationTaskRequest{TaskId: id1}), "InvalidRequestException", "Cancelled")
	checkErr(t, "stop ghost", v.e.StopThingRegistrationTask(v.now, StopThingRegistrationTaskRequest{TaskId: "ghost"}), "ResourceNotFoundException", "")
	if _, ok := v.e.NextDeadline(); ok {
		t.Errorf("a cancelled task still wants ticks")
	}
	d, _ = v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: id1})
	if d.Status != TaskCancelled || d.SuccessCount != 2 {
		t.Errorf("after stop: %+v", d)
	}
	id2 := v.runTask(bulkTemplate, []byte(`{"ThingName":"z"}`))

	all, err := v.e.ListThingRegistrationTasks(ListThingRegistrationTasksRequest{MaxResults: 1})
	if err != nil || len(all.TaskIds) != 1 || all.TaskIds[0] != id1 || all.NextToken == "" {
		t.Fatalf("list page 1 = %+v %v", all, err)
	}
	all, err = v.e.ListThingRegistrationTasks(ListThingRegistrationTasksRequest{NextToken: all.NextToken})
	if err != nil || len(all.TaskIds) != 1 || all.TaskIds[0] != id2 || all.NextToken != "" {
		t.Errorf("list page 2 = %+v %v", all, err)
	}
	done, _ := v.e.ListThingRegistrationTasks(ListThingRegistrationTasksRequest{Status: TaskCompleted})
	if len(done.TaskIds) != 1 || done.TaskIds[0] != id2 {
		t.Errorf("completed = %v", done.TaskIds)
	}
	_, err = v.e.ListThingRegistrationTasks(ListThingRegistrationTasksRequest{Status: "Done"})
	checkErr(t, "bad status", err, "InvalidRequestException", "enum")
	_, err = v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: "ghost"})
	checkErr(t, "describe ghost", err, "ResourceNotFoundException", "ghost")
	_, err = v.e.ListThingRegistrationTaskReports(ListThingRegistrationTaskReportsRequest{TaskId: id2})
	checkErr(t, "reports without type", err, "InvalidRequestException", "reportType")
	_, err = v.e.ListThingRegistrationTaskReports(ListThingRegistrationTaskReportsRequest{TaskId: "ghost", ReportType: ReportResults})
	checkErr(t, "reports of ghost", err, "InvalidRequestException", "ghost")
	if n := len(v.sink.eventsOf(EventTaskFinished)); n != 2 {
		t.Errorf("finished events = %d", n)
	}
}

func (v *env) createPolicy(name string) error {
	_, err := v.id.CreatePolicy(identity.CreatePolicyRequest{PolicyName: name, PolicyDocument: allowConnect}, v.now)
	return err
}
