package sigv4

import (
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// TestBotocoreVectors replays requests that botocore itself signed
// (testdata/botocore_vectors.py, which also says how to regenerate them):
// Verify must accept each one and compute the very canonical request
// botocore logged.
func TestBotocoreVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/botocore_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Botocore string
		Vectors  []struct {
			Name, Method, Target, Host, Body string
			Headers                          [][2]string
			AccessKeyID                      string `json:"accessKeyId"`
			SecretAccessKey                  string `json:"secretAccessKey"`
			Now, Service, Region             string
			CanonicalRequest                 string `json:"canonicalRequest"`
			WantCode                         string `json:"wantCode"`
		}
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, vec := range file.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			r := httptest.NewRequest(vec.Method, vec.Target, strings.NewReader(vec.Body))
			r.Host = vec.Host
			for _, h := range vec.Headers {
				r.Header.Add(h[0], h[1])
			}
			now, err := time.Parse(amzDateFormat, vec.Now)
			if err != nil {
				t.Fatal(err)
			}
			v := NewVerifier([]Credentials{{vec.AccessKeyID, vec.SecretAccessKey}}, clockAt(now))
			scope, cr, err := v.verify(r, []byte(vec.Body))
			if vec.WantCode != "" {
				if !awserr.Is(err, vec.WantCode) {
					t.Errorf("Verify = %v; want %s", err, vec.WantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if cr != vec.CanonicalRequest {
				t.Errorf("canonical request\n%s\nbotocore's\n%s", cr, vec.CanonicalRequest)
			}
			want := Scope{vec.AccessKeyID, vec.Now[:8], vec.Region, vec.Service}
			if scope != want {
				t.Errorf("scope = %+v; want %+v", scope, want)
			}
		})
	}
}

// TestAWSDocumentationExample is the worked example of AWS's SigV4
// documentation ("Create a canonical request", GET iam ListUsers):
// canonical request hash f536975d…, signing key c4afb1cc…, signature
// 5d672d79…
func TestAWSDocumentationExample(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	r := httptest.NewRequest("GET", "/?Action=ListUsers&Version=2010-05-08", nil)
	r.Host = "iam.amazonaws.com"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "+
		"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	v := NewVerifier([]Credentials{{"AKIDEXAMPLE", secret}}, clockAt(time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)))
	scope, cr, err := v.verify(r, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := (Scope{"AKIDEXAMPLE", "20150830", "us-east-1", "iam"}); scope != want {
		t.Errorf("scope = %+v; want %+v", scope, want)
	}
	if got, want := sha256Hex([]byte(cr)), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"; got != want {
		t.Errorf("canonical request hash = %s; want %s", got, want)
	}
	if got, want := signingKey(secret, "20150830", "us-east-1", "iam"), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"; hex.EncodeToString(got) != want {
		t.Errorf("signing key = %x; want %s", got, want)
	}
}
