package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/provision"
)

func TestHookRunner(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		if strings.Contains(got, "deny") {
			http.Error(w, "nope", http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"allowProvisioning":true}`)
	}))
	defer srv.Close()
	run := hookRunner(map[string]string{"arn:aws:lambda:us-east-1:123456789012:function:check": srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, err := run(ctx, provision.HookCall{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:check", Payload: []byte(`{"parameters":{"SerialNumber":"1"}}`)})
	if err != nil || string(body) != `{"allowProvisioning":true}` || !strings.Contains(got, "SerialNumber") {
		t.Errorf("hook call = %q, %v (endpoint got %q)", body, err, got)
	}
	if _, err := run(ctx, provision.HookCall{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:check", Payload: []byte(`"deny"`)}); err == nil {
		t.Error("a 403 from the endpoint was not an error")
	}
	if _, err := run(ctx, provision.HookCall{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:other"}); err == nil || !strings.Contains(err.Error(), "hookEndpoints") {
		t.Errorf("an unmapped ARN: %v", err)
	}
}
