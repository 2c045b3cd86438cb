package provision

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkClaimProvisioning is one device's whole claim flow in process:
// $aws/certificates/create/json (a new ECDSA P-256 key and certificate
// signed by fleetd's CA) then RegisterThing (token, template evaluation,
// thing, group, policy, attachments, activation).
func BenchmarkClaimProvisioning(b *testing.B) {
	v := newEnv(b)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	i := 0
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, "$aws/certificates/create/json", nil)
		if !strings.HasSuffix(topic, "/accepted") {
			b.Fatalf("%s %s", topic, payload)
		}
		var issued struct {
			Token string `json:"certificateOwnershipToken"`
		}
		_ = json.Unmarshal(payload, &issued)
		body, _ := json.Marshal(registerPayload{CertificateOwnershipToken: issued.Token, Parameters: map[string]string{"SerialNumber": strconv.Itoa(i)}})
		topic, payload = v.e.HandleMQTT(v.now, "client", claimCert, "$aws/provisioning-templates/factory/provision/json", body)
		if !strings.HasSuffix(topic, "/accepted") {
			b.Fatalf("%s %s", topic, payload)
		}
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "provisionings/s")
}

// BenchmarkRegisterThingByClaim is RegisterThing alone: the certificates
// are issued before the timer runs.
func BenchmarkRegisterThingByClaim(b *testing.B) {
	v := newEnv(b)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	var tokens []string
	i := 0
	var elapsed time.Duration
	b.ReportAllocs()
	for b.Loop() {
		if i == len(tokens) {
			// Issue the next certificates outside the measurement.
			b.StopTimer()
			for range 1000 {
				tokens = append(tokens, v.claim().CertificateOwnershipToken)
			}
			b.StartTimer()
		}
		start := time.Now()
		body, _ := json.Marshal(registerPayload{CertificateOwnershipToken: tokens[i], Parameters: map[string]string{"SerialNumber": strconv.Itoa(i)}})
		topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, "$aws/provisioning-templates/factory/provision/json", body)
		if !strings.HasSuffix(topic, "/accepted") {
			b.Fatalf("%s %s", topic, payload)
		}
		elapsed += time.Since(start)
		i++
	}
	b.ReportMetric(float64(i)/elapsed.Seconds(), "registrations/s")
}

// BenchmarkBulkRegistration runs a 20k-line task (thing, attributes,
// group; no certificate) to completion through Tick.
func BenchmarkBulkRegistration(b *testing.B) {
	const lines = 20000
	var input strings.Builder
	for i := range lines {
		fmt.Fprintf(&input, "{\"ThingName\":\"thing-%d\",\"SerialNumber\":\"%d\"}\n", i, i)
	}
	data := []byte(input.String())
	total := 0
	var elapsed time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		v := newEnv(b)
		v.group("fleet")
		b.StartTimer()
		start := time.Now()
		resp, err := v.e.StartThingRegistrationTask(v.now, StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate,
			InputFileBucket: "factory", InputFileKey: "k", RoleArn: roleArn, Input: data})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, ok := v.e.NextDeadline(); !ok {
				break
			}
			v.e.Tick(v.now)
		}
		elapsed += time.Since(start)
		d, _ := v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: resp.TaskId})
		if d.SuccessCount != lines {
			b.Fatalf("task = %+v", d)
		}
		total += lines
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "things/s")
}
