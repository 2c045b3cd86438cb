package policy

import (
	"net/netip"
	"strings"
	"testing"
)

type evalCase struct {
	name     string
	action   string
	resource string // appended to arnPrefix unless it starts with arn: or is *
	ctx      Context
	want     bool
}

func runEvalCases(t *testing.T, docs []*Document, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		resource := tt.resource
		if resource != "*" && !strings.HasPrefix(resource, "arn:") {
			resource = arnPrefix + resource
		}
		d := decide(tt.action, resource, tt.ctx, docs...)
		if d.Allowed != tt.want {
			t.Errorf("%s: Evaluate(%s, %s) = %v; want allowed=%v", tt.name, tt.action, resource, d, tt.want)
		}
	}
}

// TestActionResourceTypes covers each action of spec §6.2 on its resource
// type, and the same action on a resource of another type.
func TestActionResourceTypes(t *testing.T) {
	p := doc(t, "types", `[
		{"Effect":"Allow","Action":"iot:Connect","Resource":"`+arnPrefix+`client/sensor-1"},
		{"Effect":"Allow","Action":["iot:Publish","iot:Receive","iot:RetainPublish","iot:GetRetainedMessage"],"Resource":"`+arnPrefix+`topic/dt/sensor-1/*"},
		{"Effect":"Allow","Action":"iot:Subscribe","Resource":"`+arnPrefix+`topicfilter/dt/sensor-1/*"},
		{"Effect":"Allow","Action":"iot:ListRetainedMessages","Resource":"*"},
		{"Effect":"Allow","Action":["iot:GetThingShadow","iot:UpdateThingShadow","iot:DeleteThingShadow","iot:ListNamedShadowsForThing"],"Resource":["`+arnPrefix+`thing/sensor-1","`+arnPrefix+`thing/sensor-1/*"]},
		{"Effect":"Allow","Action":["iot:DescribeJobExecution","iot:GetPendingJobExecutions","iot:UpdateJobExecution","iot:StartNextPendingJobExecution"],"Resource":"`+arnPrefix+`thing/sensor-1"},
		{"Effect":"Allow","Action":"iot:AssumeRoleWithCertificate","Resource":"`+arnPrefix+`rolealias/device-role"}
	]`)
	ctx := attachedCtx()
	runEvalCases(t, []*Document{p}, []evalCase{
		{"connect", ActionConnect, "client/sensor-1", ctx, true},
		{"connect other client", ActionConnect, "client/sensor-2", ctx, false},
		{"connect on topic", ActionConnect, "topic/dt/sensor-1/x", ctx, false},
		{"publish", ActionPublish, "topic/dt/sensor-1/temp", ctx, true},
		{"publish other", ActionPublish, "topic/dt/sensor-2/temp", ctx, false},
		{"publish on topicfilter", ActionPublish, "topicfilter/dt/sensor-1/temp", ctx, false},
		{"retain publish", ActionRetainPublish, "topic/dt/sensor-1/state", ctx, true},
		{"receive", ActionReceive, "topic/dt/sensor-1/cmd", ctx, true},
		{"get retained", ActionGetRetainedMessage, "topic/dt/sensor-1/state", ctx, true},
		{"list retained", ActionListRetainedMessages, "*", ctx, true},
		{"subscribe", ActionSubscribe, "topicfilter/dt/sensor-1/#", ctx, true},
		{"subscribe on topic", ActionSubscribe, "topic/dt/sensor-1/x", ctx, false},
		{"get shadow", ActionGetThingShadow, "thing/sensor-1", ctx, true},
		{"update named shadow", ActionUpdateThingShadow, "thing/sensor-1/config", ctx, true},
		{"delete shadow", ActionDeleteThingShadow, "thing/sensor-1", ctx, true},
		{"list named shadows", ActionListNamedShadowsForThing, "thing/sensor-1", ctx, true},
		{"shadow of other thing", ActionGetThingShadow, "thing/sensor-2", ctx, false},
		{"describe job execution", ActionDescribeJobExecution, "thing/sensor-1", ctx, true},
		{"pending jobs", ActionGetPendingJobExecutions, "thing/sensor-1", ctx, true},
		{"update job execution", ActionUpdateJobExecution, "thing/sensor-1", ctx, true},
		{"start next", ActionStartNextPendingJobExecution, "thing/sensor-1", ctx, true},
		{"jobs of other thing", ActionUpdateJobExecution, "thing/sensor-2", ctx, false},
		{"assume role", ActionAssumeRoleWithCertificate, "rolealias/device-role", ctx, true},
		{"assume other role", ActionAssumeRoleWithCertificate, "rolealias/admin", ctx, false},
		{"unlisted action", "iot:DeleteThing", "thing/sensor-1", ctx, false},
		{"action case-insensitive", "IOT:publish", "topic/dt/sensor-1/temp", ctx, true},
	})
}

func TestWildcards(t *testing.T) {
	p := doc(t, "wild", `[
		{"Effect":"Allow","Action":"iot:*","Resource":"`+arnPrefix+`topic/any/*"},
		{"Effect":"Allow","Action":"iot:Subscribe","Resource":["`+arnPrefix+`topicfilter/some/+/topic","`+arnPrefix+`topicfilter/a/#"]},
		{"Effect":"Deny","Action":"iot:Subscribe","Resource":"`+arnPrefix+`topicfilter/a/restricted/*"},
		{"Effect":"Allow","Action":"iot:Get*Shadow","Resource":"`+arnPrefix+`thing/dev-??"},
		{"Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/lit/${*}/${?}/${$}x"}
	]`)
	ctx := attachedCtx()
	runEvalCases(t, []*Document{p}, []evalCase{
		{"iot:* any action", ActionReceive, "topic/any/x", ctx, true},
		{"* crosses levels", ActionPublish, "topic/any/a/b/c", ctx, true},
		{"* matches empty", ActionPublish, "topic/any/", ctx, true},
		{"* needs the prefix", ActionPublish, "topic/anyx", ctx, false},
		{"+ literal: the literal filter", ActionSubscribe, "topicfilter/some/+/topic", ctx, true},
		{"+ literal: not a level", ActionSubscribe, "topicfilter/some/x/topic", ctx, false},
		{"# literal: the literal filter", ActionSubscribe, "topicfilter/a/#", ctx, true},
		{"# literal: not a sublevel", ActionSubscribe, "topicfilter/a/b", ctx, false},
		{"deny restricted/* stops restricted/x", ActionSubscribe, "topicfilter/a/restricted/x", ctx, false},
		{"deny restricted/* does not stop a/#", ActionSubscribe, "topicfilter/a/#", ctx, true},
		{"? one char", ActionGetThingShadow, "thing/dev-01", ctx, true},
		{"? not zero chars", ActionGetThingShadow, "thing/dev-1", ctx, false},
		{"? not two chars", ActionGetThingShadow, "thing/dev-001", ctx, false},
		{"? one rune", ActionGetThingShadow, "thing/dev-éé", ctx, true},
		{"action wildcard", ActionUpdateThingShadow, "thing/dev-01", ctx, false},
		{"escapes literal", ActionPublish, "topic/lit/*/?/$x", ctx, true},
		{"escaped * is no wildcard", ActionPublish, "topic/lit/abc/?/$x", ctx, false},
		{"escaped ? is no wildcard", ActionPublish, "topic/lit/*/a/$x", ctx, false},
	})
}

func TestVariables(t *testing.T) {
	p := doc(t, "vars", `[
		{"Effect":"Allow","Action":"iot:Connect","Resource":"`+arnPrefix+`client/${iot:Connection.Thing.ThingName}"},
		{"Effect":"Allow","Action":"iot:Publish","Resource":[
			"`+arnPrefix+`topic/client/${iot:ClientId}",
			"`+arnPrefix+`topic/type/${iot:Connection.Thing.ThingTypeName}",
			"`+arnPrefix+`topic/site/${iot:Connection.Thing.Attributes[site]}/*",
			"`+arnPrefix+`topic/attached/${iot:Connection.Thing.IsAttached}",
			"`+arnPrefix+`topic/cn/${iot:Certificate.Subject.CommonName}",
			"`+arnPrefix+`topic/ou0/${iot:Certificate.Subject.OrganizationalUnit}",
			"`+arnPrefix+`topic/ou1/${iot:Certificate.Subject.OrganizationalUnit.1}",
			"`+arnPrefix+`topic/ou2/${iot:Certificate.Subject.OrganizationalUnit.2}",
			"`+arnPrefix+`topic/oulist/${iot:Certificate.Subject.OrganizationalUnit.List}",
			"`+arnPrefix+`topic/issuer/${iot:Certificate.Issuer.CommonName}",
			"`+arnPrefix+`topic/cert/${iot:CertificateId}",
			"`+arnPrefix+`topic/ip/${aws:SourceIp}",
			"`+arnPrefix+`topic/unknown/${iot:NoSuchThing}",
			"`+arnPrefix+`topic/case/${IOT:CLIENTID}"
		]}
	]`)
	attached := attachedCtx()
	detached := attachedCtx()
	detached.Thing.IsAttached = false
	noThing := attachedCtx()
	noThing.Thing = nil
	bare := Context{}
	plus := attachedCtx()
	plus.ClientID = "+"
	runEvalCases(t, []*Document{p}, []evalCase{
		{"thing name", ActionConnect, "client/sensor-1", attached, true},
		{"thing name mismatch", ActionConnect, "client/sensor-2", attached, false},
		{"thing name: not attached", ActionConnect, "client/sensor-1", detached, false},
		{"thing name: no thing", ActionConnect, "client/sensor-1", noThing, false},
		{"thing name: empty literal", ActionConnect, "client/", noThing, false},
		{"client id", ActionPublish, "topic/client/sensor-1", attached, true},
		{"client id without thing", ActionPublish, "topic/client/sensor-1", noThing, true},
		{"client id absent", ActionPublish, "topic/client/", bare, false},
		{"client id literal +", ActionPublish, "topic/client/+", plus, true},
		{"client id + is no wildcard", ActionPublish, "topic/client/x", plus, false},
		{"type", ActionPublish, "topic/type/thermometer", attached, true},
		{"type: not attached", ActionPublish, "topic/type/thermometer", detached, false},
		{"attribute", ActionPublish, "topic/site/berlin/x", attached, true},
		{"attribute other value", ActionPublish, "topic/site/paris/x", attached, false},
		{"is attached true", ActionPublish, "topic/attached/true", attached, true},
		{"is attached false", ActionPublish, "topic/attached/false", detached, true},
		{"is attached false, no thing", ActionPublish, "topic/attached/false", noThing, true},
		{"is attached wrong", ActionPublish, "topic/attached/true", detached, false},
		{"common name", ActionPublish, "topic/cn/sensor-1", attached, true},
		{"multi-valued bare is .0", ActionPublish, "topic/ou0/labs", attached, true},
		{"multi-valued .1", ActionPublish, "topic/ou1/ops", attached, true},
		{"multi-valued .1 is not .0", ActionPublish, "topic/ou1/labs", attached, false},
		{"index out of range", ActionPublish, "topic/ou2/", attached, false},
		{".List in a resource", ActionPublish, "topic/oulist/labs", attached, false},
		{"issuer", ActionPublish, "topic/issuer/Fleet CA", attached, true},
		{"certificate id", ActionPublish, "topic/cert/c0ffee", attached, true},
		{"certificate id: no certificate", ActionPublish, "topic/cert/", bare, false},
		{"source ip", ActionPublish, "topic/ip/10.1.2.3", attached, true},
		{"unknown variable", ActionPublish, "topic/unknown/", attached, false},
		{"names are case-insensitive", ActionPublish, "topic/case/sensor-1", attached, true},
	})
}

// TestVariablesNeedVersion checks that without Version 2012-10-17 "${...}"
// is literal text.
func TestVariablesNeedVersion(t *testing.T) {
	d, err := Parse([]byte(`{"Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"` + arnPrefix + `topic/${iot:ClientId}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := attachedCtx()
	if got := decide(ActionPublish, arnPrefix+"topic/sensor-1", ctx, d); got.Allowed {
		t.Errorf("legacy document substituted a variable: %v", got)
	}
	if got := decide(ActionPublish, arnPrefix+"topic/${iot:ClientId}", ctx, d); !got.Allowed {
		t.Errorf("legacy document: literal ${iot:ClientId} = %v; want allowed", got)
	}
}

// TestUnresolvedInDeny documents the choice for Deny: an unresolved
// variable makes the entry match nothing, so the Deny does not apply, and
// a NotResource with one does not apply either.
func TestUnresolvedInDeny(t *testing.T) {
	allow := doc(t, "allow", `{"Effect":"Allow","Action":"iot:Publish","Resource":"*"}`)
	deny := doc(t, "deny", `[
		{"Effect":"Deny","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/secret/${iot:Connection.Thing.ThingName}"},
		{"Effect":"Deny","Action":"iot:Publish","NotResource":"`+arnPrefix+`topic/own/${iot:Connection.Thing.ThingName}/*"}
	]`)
	attached, noThing := attachedCtx(), attachedCtx()
	noThing.Thing = nil
	runEvalCases(t, []*Document{allow, deny}, []evalCase{
		{"deny resolved", ActionPublish, "topic/secret/sensor-1", attached, false},
		{"not resource resolved: own topic", ActionPublish, "topic/own/sensor-1/x", attached, true},
		{"not resource resolved: other topic", ActionPublish, "topic/other", attached, false},
		{"deny unresolved does not deny", ActionPublish, "topic/secret/sensor-1", noThing, true},
		{"not resource unresolved does not deny", ActionPublish, "topic/other", noThing, true},
	})
}

func TestConditions(t *testing.T) {
	p := doc(t, "cond", `[
		{"Sid":"attached","Effect":"Allow","Action":"iot:Connect","Resource":"*",
		 "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":["true"]}}},
		{"Sid":"ou","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/ou",
		 "Condition":{"ForAnyValue:StringEquals":{"iot:Certificate.Subject.OrganizationalUnit.List":["ops","admin"]}}},
		{"Sid":"allou","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/allou",
		 "Condition":{"ForAllValues:StringLike":{"iot:Certificate.Subject.OrganizationalUnit.List":["l*","o*"]}}},
		{"Sid":"country1","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/country1",
		 "Condition":{"StringEquals":{"iot:Certificate.Subject.Country.1":"FR"}}},
		{"Sid":"ip","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/ip",
		 "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.7"]}}},
		{"Sid":"notip","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/notip",
		 "Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Sid":"var","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/var",
		 "Condition":{"StringEquals":{"iot:ClientId":"${iot:Certificate.Subject.CommonName}"}}},
		{"Sid":"notequals","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/notequals",
		 "Condition":{"StringNotEquals":{"iot:Connection.Thing.ThingTypeName":"camera"}}},
		{"Sid":"ifexists","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/ifexists",
		 "Condition":{"StringEqualsIfExists":{"iot:Connection.Thing.Attributes[site]":"berlin"}}},
		{"Sid":"null","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/null",
		 "Condition":{"Null":{"iot:Connection.Thing.ThingTypeName":"true"}}},
		{"Sid":"ignorecase","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/ignorecase",
		 "Condition":{"StringEqualsIgnoreCase":{"iot:Certificate.Subject.Organization":"FLEETLAB"}}},
		{"Sid":"notlike-unresolved","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/notlike",
		 "Condition":{"StringNotLike":{"iot:ClientId":"${iot:Connection.Thing.ThingName}*"}}},
		{"Sid":"two","Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/two",
		 "Condition":{"StringEquals":{"iot:ClientId":"sensor-1"},"Bool":{"iot:Connection.Thing.IsAttached":true}}}
	]`)
	attached, detached, noThing := attachedCtx(), attachedCtx(), attachedCtx()
	detached.Thing.IsAttached = false
	noThing.Thing = nil
	oneOU := attachedCtx()
	oneOU.Certificate.Subject["OrganizationalUnit"] = []string{"labs"}
	noOU := attachedCtx()
	delete(noOU.Certificate.Subject, "OrganizationalUnit")
	otherIP := attachedCtx()
	otherIP.SourceIP = netip.MustParseAddr("192.0.2.7")
	mappedIP := attachedCtx()
	mappedIP.SourceIP = netip.MustParseAddr("::ffff:10.9.9.9")
	noIP := attachedCtx()
	noIP.SourceIP = netip.Addr{}
	camera := attachedCtx()
	camera.Thing.TypeName = "camera"
	otherCN := attachedCtx()
	otherCN.ClientID = "sensor-2"
	runEvalCases(t, []*Document{p}, []evalCase{
		{"IsAttached true", ActionConnect, "client/x", attached, true},
		{"IsAttached false", ActionConnect, "client/x", detached, false},
		{"IsAttached no thing", ActionConnect, "client/x", noThing, false},
		{"ForAnyValue .List: second value matches", ActionPublish, "topic/ou", attached, true},
		{"ForAnyValue .List: none matches", ActionPublish, "topic/ou", oneOU, false},
		{"ForAnyValue .List: absent", ActionPublish, "topic/ou", noOU, false},
		{"ForAllValues: all match", ActionPublish, "topic/allou", attached, true},
		{"ForAllValues: absent holds", ActionPublish, "topic/allou", noOU, true},
		{".1 index", ActionPublish, "topic/country1", attached, true},
		{"IpAddress in CIDR", ActionPublish, "topic/ip", attached, true},
		{"IpAddress single address", ActionPublish, "topic/ip", otherIP, true},
		{"IpAddress v4-mapped", ActionPublish, "topic/ip", mappedIP, true},
		{"IpAddress absent", ActionPublish, "topic/ip", noIP, false},
		{"NotIpAddress inside", ActionPublish, "topic/notip", attached, false},
		{"NotIpAddress outside", ActionPublish, "topic/notip", otherIP, true},
		{"NotIpAddress absent holds", ActionPublish, "topic/notip", noIP, true},
		{"variable in value", ActionPublish, "topic/var", attached, true},
		{"variable in value mismatch", ActionPublish, "topic/var", otherCN, false},
		{"StringNotEquals holds", ActionPublish, "topic/notequals", attached, true},
		{"StringNotEquals fails", ActionPublish, "topic/notequals", camera, false},
		{"StringNotEquals absent key holds", ActionPublish, "topic/notequals", noThing, true},
		{"IfExists present", ActionPublish, "topic/ifexists", attached, true},
		{"IfExists absent", ActionPublish, "topic/ifexists", noThing, true},
		{"Null: key present", ActionPublish, "topic/null", attached, false},
		{"Null: key absent", ActionPublish, "topic/null", noThing, true},
		{"IgnoreCase", ActionPublish, "topic/ignorecase", attached, true},
		{"negated with unresolved value fails", ActionPublish, "topic/notlike", noThing, false},
		{"negated with resolved value", ActionPublish, "topic/notlike", otherCN, true},
		{"two operators both hold", ActionPublish, "topic/two", attached, true},
		{"two operators one fails", ActionPublish, "topic/two", detached, false},
	})
}

func TestExplicitDenyAcrossPolicies(t *testing.T) {
	allow := doc(t, "allow-all@1", `{"Sid":"all","Effect":"Allow","Action":"iot:*","Resource":"*"}`)
	deny := doc(t, "no-admin@2", `[
		{"Effect":"Allow","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/admin/*"},
		{"Sid":"admin","Effect":"Deny","Action":"iot:Publish","Resource":"`+arnPrefix+`topic/admin/*"}
	]`)
	tests := []struct {
		resource string
		want     Decision
	}{
		{"topic/admin/reboot", Decision{Allowed: false, Effect: Deny, Policy: "no-admin@2", PolicyIndex: 1, Statement: 1, Sid: "admin"}},
		{"topic/dt/x", Decision{Allowed: true, Effect: Allow, Policy: "allow-all@1", PolicyIndex: 0, Statement: 0, Sid: "all"}},
	}
	for _, tt := range tests {
		if got := decide(ActionPublish, arnPrefix+tt.resource, attachedCtx(), allow, deny); got != tt.want {
			t.Errorf("Evaluate(%s) = %+v; want %+v", tt.resource, got, tt.want)
		}
	}
	got := decide(ActionConnect, arnPrefix+"client/x", attachedCtx(), deny)
	if got != implicitDeny || got.String() != "denied: implicit deny (no statement allows the request)" {
		t.Errorf("Evaluate(connect) = %+v %q; want implicit deny", got, got)
	}
	d := decide(ActionPublish, arnPrefix+"topic/admin/x", attachedCtx(), allow, deny)
	if want := `denied: explicit Deny by policy no-admin@2 statement 1 (Sid "admin")`; d.String() != want {
		t.Errorf("Decision.String() = %q; want %q", d, want)
	}
	if got := Evaluate([]*Document{allow, nil, deny}, Request{Action: ActionPublish, Resource: arnPrefix + "topic/admin/x"}); got.Allowed || got.PolicyIndex != 2 {
		t.Errorf("Evaluate with a nil document = %+v; want the Deny of policy 2", got)
	}
}

func TestNotActionNotResource(t *testing.T) {
	p := doc(t, "not", `[
		{"Effect":"Allow","NotAction":["iot:Connect","iot:Delete*"],"Resource":"`+arnPrefix+`*"},
		{"Effect":"Allow","Action":"iot:Connect","NotResource":"`+arnPrefix+`client/admin-*"}
	]`)
	ctx := attachedCtx()
	runEvalCases(t, []*Document{p}, []evalCase{
		{"NotAction lets other actions", ActionPublish, "topic/x", ctx, true},
		{"NotAction excludes listed", ActionDeleteThingShadow, "thing/x", ctx, false},
		{"NotResource lets others", ActionConnect, "client/sensor-1", ctx, true},
		{"NotResource excludes listed", ActionConnect, "client/admin-1", ctx, false},
	})
}

// TestGreengrassActions: a Greengrass core device's policy parses, and its
// greengrass: actions grant no iot: action.
func TestGreengrassActions(t *testing.T) {
	p := doc(t, "greengrass", `[
		{"Effect":"Allow","Action":["greengrass:*"],"Resource":"*"},
		{"Effect":"Allow","Action":"iot:Connect","Resource":"`+arnPrefix+`client/sensor-1"}
	]`)
	ctx := attachedCtx()
	runEvalCases(t, []*Document{p}, []evalCase{
		{"greengrass action", "greengrass:GetDeployment", "*", ctx, true},
		{"iot publish not granted by greengrass:*", ActionPublish, "topic/x", ctx, false},
		{"connect", ActionConnect, "client/sensor-1", ctx, true},
	})
}
