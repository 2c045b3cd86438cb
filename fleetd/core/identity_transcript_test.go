package core

import (
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/internal/transcript"
)

// Identity commands of the transcript language. Certificate ids and ARNs
// depend on ECDSA signatures, which no seed fixes, so the harness names
// them: create-keys-and-certificate as=NAME binds $NAME and $NAMEArn, and
// every later input, argument and output uses those names.
func init() {
	ops["create-keys-and-certificate"] = func(h *harness, tc transcript.Case) (any, error) {
		resp, err := DoIdentity(h.c, h.now, (*identity.Store).CreateKeysAndCertificate,
			identity.CreateKeysAndCertificateRequest{SetAsActive: tc.Has("active")})
		if err != nil {
			return nil, err
		}
		name := tc.Arg("as", "cert")
		h.bind(name, resp.CertificateId)
		h.bind(name+"Arn", resp.CertificateArn)
		return map[string]string{"certificateId": resp.CertificateId, "certificateArn": resp.CertificateArn}, nil
	}
	ops["create-policy"] = identityOp((*identity.Store).CreatePolicy)
	ops["attach-policy"] = identityErrOp((*identity.Store).AttachPolicy)
	ops["attach-thing-principal"] = identityErrOp((*identity.Store).AttachThingPrincipal)
	ops["detach-thing-principal"] = identityErrOp((*identity.Store).DetachThingPrincipal)
	ops["update-certificate"] = identityErrOp((*identity.Store).UpdateCertificate)
	ops["list-thing-principals"] = func(h *harness, tc transcript.Case) (any, error) {
		var req identity.ListThingPrincipalsRequest
		if err := h.decodeRequest(tc, &req); err != nil {
			return nil, err
		}
		return ReadIdentity(h.c, (*identity.Store).ListThingPrincipals, req)
	}
	ops["certificate-status"] = func(h *harness, tc transcript.Case) (any, error) {
		var req identity.DescribeCertificateRequest
		if err := h.decodeRequest(tc, &req); err != nil {
			return nil, err
		}
		d, err := ReadIdentity(h.c, (*identity.Store).DescribeCertificate, req)
		if err != nil {
			return nil, err
		}
		return d.CertificateDescription.Status, nil
	}
	ops["allowed"] = func(h *harness, tc transcript.Case) (any, error) {
		d, err := h.c.Identity().Allowed(h.expand(tc.Arg("cert", "")), tc.Arg("client", ""), tc.Arg("action", ""), h.expand(tc.Arg("resource", "")))
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	}
}

func identityOp[Req, Resp any](op func(*identity.Store, Req, time.Time) (Resp, error)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := h.decodeRequest(tc, &req); err != nil {
			return nil, err
		}
		return DoIdentity(h.c, h.now, op, req)
	}
}

func identityErrOp[Req any](op func(*identity.Store, Req, time.Time) error) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := h.decodeRequest(tc, &req); err != nil {
			return nil, err
		}
		return nil, DoIdentityErr(h.c, h.now, op, req)
	}
}

// bind names a generated value for the rest of the transcript.
func (h *harness) bind(name, value string) {
	if h.vars == nil {
		h.vars = map[string]string{}
	}
	h.vars[name] = value
}

// expand replaces $names with their values, longest names first.
func (h *harness) expand(s string) string {
	for _, k := range h.varNames() {
		s = strings.ReplaceAll(s, "$"+k, h.vars[k])
	}
	return s
}

// redact replaces bound values with their $names.
func (h *harness) redact(s string) string {
	for _, k := range h.varNames() {
		s = strings.ReplaceAll(s, h.vars[k], "$"+k)
	}
	return s
}

func (h *harness) varNames() []string {
	names := make([]string, 0, len(h.vars))
	for k := range h.vars {
		names = append(names, k)
	}
	// Longest first, so $certArn is not read as $cert + "Arn".
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if len(names[j]) > len(names[i]) || (len(names[j]) == len(names[i]) && names[j] < names[i]) {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

// decodeRequest decodes the case's JSON input, then sets the fields tagged
// uri, query or header from the arguments of the same name, as the HTTP
// adapter binds them.
func (h *harness) decodeRequest(tc transcript.Case, req any) error {
	if in := strings.TrimSpace(h.expand(tc.Input)); in != "" {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		if err := dec.Decode(req); err != nil {
			return err
		}
	}
	v := reflect.ValueOf(req).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		for _, tag := range []string{"uri", "query", "header"} {
			name := f.Tag.Get(tag)
			raw, ok := tc.Args[name]
			if name == "" || !ok {
				continue
			}
			raw = h.expand(raw)
			field := v.Field(i)
			if field.Kind() == reflect.Pointer {
				field.Set(reflect.New(field.Type().Elem()))
				field = field.Elem()
			}
			switch field.Kind() {
			case reflect.String:
				field.SetString(raw)
			case reflect.Bool:
				field.SetBool(raw == "" || raw == "true")
			case reflect.Int, reflect.Int64:
				n, _ := strconv.ParseInt(raw, 10, 64)
				field.SetInt(n)
			}
		}
	}
	return nil
}

func TestTranscriptIdentity(t *testing.T) {
	ca, err := pki.NewCA(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), rand.Reader, pki.CAOptions{CommonName: "FleetLab test CA"})
	if err != nil {
		t.Fatal(err)
	}
	runTranscript(t, "identity.txt", Options{Seed: 1, CA: ca})
}
