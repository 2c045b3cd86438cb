package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/fleetlab/fleetlab/fleetd/provision"
)

// hookRunner calls pre-provisioning hooks over HTTP: AWS invokes a Lambda
// with the event; fleetd POSTs the same JSON to the endpoint configured
// for the Lambda's ARN and reads the same answer
// ({"allowProvisioning": true, "parameterOverrides": {...}}). The engine
// bounds the call by AWS's 5 s.
func hookRunner(endpoints map[string]string) func(ctx context.Context, call provision.HookCall) ([]byte, error) {
	client := &http.Client{}
	return func(ctx context.Context, call provision.HookCall) ([]byte, error) {
		url, ok := endpoints[call.TargetArn]
		if !ok {
			return nil, fmt.Errorf("no endpoint is configured for the pre-provisioning hook %s (hookEndpoints in --config)", call.TargetArn)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(call.Payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("the hook endpoint %s answered %s", url, resp.Status)
		}
		return body, nil
	}
}
