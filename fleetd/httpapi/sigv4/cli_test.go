package sigv4

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// TestRealCLI points the real aws CLI at a loopback server that verifies
// every request, and compares the canonical request the CLI logged (with
// --debug) with the one Verify computed. It needs `aws` on PATH (v1 from
// pip; v2 signs the same way); without it the test is skipped.
func TestRealCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws CLI is not on PATH: install it (pip install awscli) to check Verify against the real signer")
	}
	const akid, secret = "AKIDFLEETLABTEST", "fleetlab/test+secret"
	outfile := filepath.Join(t.TempDir(), "shadow.json")
	tests := []struct {
		name    string
		args    []string
		target  string // request target as received
		service string
		plane   string
		uri     string // canonical URI, if worth pinning
	}{
		{
			name: "describe-thing", args: []string{"iot", "describe-thing", "--thing-name", "foo"},
			target: "/things/foo", service: "iot", plane: PlaneControl, uri: "/things/foo",
		},
		{
			name: "create-thing", args: []string{"iot", "create-thing", "--thing-name", "foo", "--attribute-payload", "attributes={a=b}"},
			target: "/things/foo", service: "iot", plane: PlaneControl,
		},
		{
			name: "publish to a reserved topic", args: []string{"iot-data", "publish", "--topic", "$aws/things/x/shadow/update", "--payload", "{}"},
			target: "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate", service: "iotdata", plane: PlaneData,
			uri: "/topics/%2524aws%252Fthings%252Fx%252Fshadow%252Fupdate",
		},
		{
			name: "search-index", args: []string{"iot", "search-index", "--query-string", "thingName:a*"},
			target: "/indices/search", service: "iot", plane: PlaneControl,
		},
		{
			name: "describe-job-execution $next", args: []string{"iot-jobs-data", "describe-job-execution", "--thing-name", "foo", "--job-id", "$next"},
			target: "/things/foo/jobs/%24next", service: "iot-jobs-data", plane: PlaneJobs, uri: "/things/foo/jobs/%2524next",
		},
		{
			name: "list-things with an awkward query", args: []string{"iot", "list-things", "--attribute-name", "a", "--attribute-value", "x y+z/~$é", "--page-size", "5"},
			target: "/things?attributeName=a&attributeValue=x%20y%2Bz%2F~%24%C3%A9&maxResults=5", service: "iot", plane: PlaneControl,
		},
		{
			name: "get-thing-shadow of a:b", args: []string{"iot-data", "get-thing-shadow", "--thing-name", "a:b", "--shadow-name", "s 1", outfile},
			target: "/things/a%3Ab/shadow?name=s%201", service: "iotdata", plane: PlaneData, uri: "/things/a%253Ab/shadow",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newVerifyingServer(t, NewVerifier([]Credentials{{akid, secret}}, time.Now))
			stdout, stderr, err := runCLI(t, awsPath, srv.URL, akid, secret, tt.args...)
			if err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(tt.args, " "), err, lastLines(stderr, 5))
			}
			seen := srv.requests()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests; want 1: %+v", len(seen), seen)
			}
			got := seen[0]
			if got.err != nil {
				t.Fatalf("Verify(%s %s) = %v", got.method, got.target, got.err)
			}
			if got.target != tt.target || got.scope.Service != tt.service || got.scope.AccessKeyID != akid || got.scope.Region != "us-east-1" {
				t.Errorf("request %s with scope %+v; want %s, service %s", got.target, got.scope, tt.target, tt.service)
			}
			if p, _ := Plane(got.scope.Service); p != tt.plane {
				t.Errorf("Plane(%q) = %q; want %q", got.scope.Service, p, tt.plane)
			}
			want, ok := botocoreCanonical(stderr)
			if !ok {
				t.Fatalf("no CanonicalRequest in the CLI's debug log:\n%s", lastLines(stderr, 20))
			}
			if got.canonical != want {
				t.Errorf("canonical request\n%s\nbotocore's\n%s", got.canonical, want)
			}
			uri := strings.Split(got.canonical, "\n")[1]
			t.Logf("%s %s (scope service %s) → canonical URI %s", got.method, got.target, got.scope.Service, uri)
			if tt.uri != "" && uri != tt.uri {
				t.Errorf("canonical URI %s; want %s", uri, tt.uri)
			}
			if len(bytes.TrimSpace(stdout)) > 0 && !json.Valid(stdout) {
				t.Errorf("CLI output is not JSON: %s", stdout)
			}
		})
	}

	refusals := []struct {
		name, akid, secret, want string
	}{
		{"wrong secret", akid, "not-the-secret", "An error occurred (InvalidSignatureException) when calling the DescribeThing operation: " + msgSignatureMismatch},
		{"unknown access key", "AKIDSOMEONEELSE", secret, "An error occurred (UnrecognizedClientException) when calling the DescribeThing operation: The security token included in the request is invalid."},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newVerifyingServer(t, NewVerifier([]Credentials{{akid, secret}}, time.Now))
			_, stderr, err := runCLI(t, awsPath, srv.URL, tt.akid, tt.secret, "iot", "describe-thing", "--thing-name", "foo")
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("aws iot describe-thing = %v; want a non-zero exit", err)
			}
			if got := lastLines(stderr, 1); got != tt.want {
				t.Errorf("CLI stderr ends with\n%q\nwant\n%q", got, tt.want)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("server saw %d requests; want 1 (a 403 is not retried)", n)
			}
		})
	}
}

// seenRequest is what the test server recorded of one request.
type seenRequest struct {
	method, target string
	scope          Scope
	canonical      string
	err            error
}

type verifyingServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func (s *verifyingServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

// newVerifyingServer answers 200 {} to a request Verify accepts and AWS's
// error shape (x-amzn-ErrorType, {"message"}) otherwise. httptest listens
// on 127.0.0.1 only.
func newVerifyingServer(t *testing.T, v *Verifier) *verifyingServer {
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		scope, cr, err := v.verify(r, body)
		s.mu.Lock()
		s.seen = append(s.seen, seenRequest{r.Method, r.RequestURI, scope, cr, err})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			e, ok := awserr.As(err)
			if !ok {
				e = awserr.WithStatus("InternalFailureException", 500, "%v", err)
			}
			w.Header().Set("x-amzn-ErrorType", e.Code)
			w.WriteHeader(e.Status)
			json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
			return
		}
		io.WriteString(w, "{}")
	}))
	t.Cleanup(s.Close)
	return s
}

// runCLI runs aws --debug against endpoint with fixed credentials and no
// configuration from the environment or the home directory.
func runCLI(t *testing.T, awsPath, endpoint, akid, secret string, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsPath, append([]string{"--endpoint-url", endpoint, "--debug"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"AWS_ACCESS_KEY_ID="+akid,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_PAGER=",
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.Bytes(), errOut.Bytes(), err
}

// logLine starts a line of botocore's debug log.
var logLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - `)

// botocoreCanonical extracts the canonical request from a --debug log: the
// lines after "CanonicalRequest:" up to the next log line.
func botocoreCanonical(log []byte) (string, bool) {
	_, after, ok := strings.Cut(string(log), "botocore.auth - DEBUG - CanonicalRequest:\n")
	if !ok {
		return "", false
	}
	var lines []string
	for _, l := range strings.Split(after, "\n") {
		if logLine.MatchString(l) {
			break
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), true
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
