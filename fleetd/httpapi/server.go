package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/httpapi/sigv4"
	"github.com/fleetlab/fleetlab/fleetd/metrics"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
)

// Options configure the HTTP API.
type Options struct {
	Node     *node.Node
	Verifier *sigv4.Verifier // required: every request is signed
	// MaxBodyBytes bounds request bodies (default 1 MiB; AWS's largest
	// bodies, job documents and templates, are far smaller).
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Objects is where documentSource and bulk-registration files are
	// read from (DECISIONS.md: s3://bucket/key is <data dir>/s3/bucket/key).
	Objects objects.Store
	Metrics *metrics.Metrics // nil: not instrumented
	// Endpoints answer DescribeEndpoint: endpoint type (iot:Data-ATS,
	// iot:Data, iot:Jobs, iot:CredentialProvider) → address. Missing
	// types are "localhost", which the MQTT server certificate covers.
	Endpoints map[string]string
}

// Server serves the three AWS planes on one listener.
type Server struct {
	o      Options
	planes map[string]*router
	links  linkSigner
	reqID  atomic.Uint64
}

// New returns the API handler.
func New(o Options) *Server {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	links := newLinkSigner()
	return &Server{o: o, links: links, planes: map[string]*router{
		"control": controlPlane(o.Node, o.Objects, o.Endpoints, links),
		"data":    dataPlane(o.Node),
		"jobs":    jobsDataPlane(o.Node),
	}}
}

// unrouted answers a request refused before it reached an operation (a
// bad signature, an unknown path) and counts it, so an operator sees
// clients failing to authenticate.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request, plane string, err error) {
	code := awserr.InternalFailure
	if e, ok := awserr.As(err); ok {
		code = e.Code
	}
	s.o.Metrics.Request(plane, "unrouted", code, 0)
	s.fail(w, r, err)
}

// ServeHTTP verifies a request's signature, routes it to its plane's
// operation and writes the AWS-shaped answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := fmt.Sprintf("00000000-0000-4000-8000-%012x", s.reqID.Add(1))
	w.Header().Set("x-amzn-RequestId", id)
	if strings.HasPrefix(r.URL.Path, objectsPrefix) {
		s.links.serve(s, w, r, time.Now()) // pre-signed: no SigV4
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.o.MaxBodyBytes+1))
	if err != nil {
		s.fail(w, r, awserr.New(awserr.InvalidRequest, "reading the request body: %v", err))
		return
	}
	if int64(len(body)) > s.o.MaxBodyBytes {
		s.fail(w, r, awserr.WithStatus(awserr.RequestEntityTooLarge, http.StatusRequestEntityTooLarge, "The request body exceeds %d bytes", s.o.MaxBodyBytes))
		return
	}
	scope, err := s.o.Verifier.Verify(r, body)
	if err != nil {
		s.unrouted(w, r, "none", err)
		return
	}
	plane, ok := sigv4.Plane(scope.Service)
	if !ok {
		// AWS's answer to a request signed for the wrong service.
		s.unrouted(w, r, "none", awserr.WithStatus(sigv4.InvalidSignature, http.StatusForbidden, "Credential should be scoped to correct service: 'iot'. (fleetd serves iot, execute-api, iotdata and iot-jobs-data; this request was signed for %q)", scope.Service))
		return
	}
	ro, params, allowed := s.planes[plane].match(r.Method, r.URL.EscapedPath())
	if ro == nil {
		if allowed {
			s.unrouted(w, r, plane, awserr.New(awserr.MethodNotAllowed, "Method %s is not allowed on %s", r.Method, r.URL.EscapedPath()))
			return
		}
		s.unrouted(w, r, plane, awserr.WithStatus("UnknownOperationException", http.StatusNotFound, "No %s operation at %s %s (not implemented in fleetd yet, or not an AWS path)", plane, r.Method, r.URL.EscapedPath()))
		return
	}
	start := time.Now()
	resp, err := ro.h(&call{r: r, params: params, query: r.URL.Query(), body: body})
	code := "OK"
	if err != nil {
		code = awserr.InternalFailure
		if e, ok := awserr.As(err); ok {
			code = e.Code
		}
	}
	s.o.Metrics.Request(plane, ro.name, code, time.Since(start))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch v := resp.(type) {
	case []byte:
		w.Header().Set("Content-Type", "application/json")
		w.Write(v)
	case nil:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s.fail(w, r, fmt.Errorf("encoding the %s response: %w", ro.name, err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

// fail writes an AWS error: x-amzn-ErrorType and {"message"} (plus the
// resource of ResourceAlreadyExistsException). Anything that is not an
// *awserr.Error is a fault of the server.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := awserr.As(err)
	if !ok {
		s.o.Logger.Error("fleetd request failed", "method", r.Method, "path", r.URL.EscapedPath(), "err", err)
		e = awserr.New(awserr.InternalFailure, "Internal failure: %v", err)
	}
	body := map[string]string{"message": e.Message}
	if e.ResourceID != "" {
		body["resourceId"] = e.ResourceID
	}
	if e.ResourceArn != "" {
		body["resourceArn"] = e.ResourceArn
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	w.Write(b)
}
