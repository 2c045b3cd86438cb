package httpapi

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/node"
)

type ident = identity.Store

// identOp binds a request and runs a mutating identity operation through
// the node; identOpEmpty for operations whose AWS response is empty;
// identRead for reads.
func identOp[Req, Resp any](n *node.Node, op func(*ident, Req, time.Time) (Resp, error)) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (Resp, error) { return core.DoIdentity(co, now, op, req) })
}

func identOpEmpty[Req any](n *node.Node, op func(*ident, Req, time.Time) error) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (any, error) {
		return nil, core.DoIdentityErr(co, now, op, req)
	})
}

func identRead[Req, Resp any](n *node.Node, op func(*ident, Req) (Resp, error)) handler {
	return coreRead(n, func(co *core.Core, req Req) (Resp, error) { return core.ReadIdentity(co, op, req) })
}

// addIdentityRoutes adds certificates, CA certificates, policies and
// principals at the botocore model's paths.
func addIdentityRoutes(rt *router, n *node.Node) {
	// Certificates.
	rt.add("POST", "/keys-and-certificate", "CreateKeysAndCertificate", identOp(n, (*ident).CreateKeysAndCertificate))
	rt.add("POST", "/certificates", "CreateCertificateFromCsr", identOp(n, (*ident).CreateCertificateFromCsr))
	rt.add("POST", "/certificate/register", "RegisterCertificate", identOp(n, (*ident).RegisterCertificate))
	rt.add("POST", "/certificate/register-no-ca", "RegisterCertificateWithoutCA", identOp(n, (*ident).RegisterCertificateWithoutCA))
	rt.add("PUT", "/certificates/{certificateId}", "UpdateCertificate", identOpEmpty(n, (*ident).UpdateCertificate))
	rt.add("GET", "/certificates/{certificateId}", "DescribeCertificate", identRead(n, (*ident).DescribeCertificate))
	rt.add("DELETE", "/certificates/{certificateId}", "DeleteCertificate", identOpEmpty(n, (*ident).DeleteCertificate))
	rt.add("GET", "/certificates", "ListCertificates", identRead(n, (*ident).ListCertificates))
	rt.add("GET", "/certificates-by-ca/{caCertificateId}", "ListCertificatesByCA", identRead(n, (*ident).ListCertificatesByCA))
	// CA certificates.
	rt.add("GET", "/registrationcode", "GetRegistrationCode", identOp(n, (*ident).GetRegistrationCode))
	rt.add("DELETE", "/registrationcode", "DeleteRegistrationCode", identOpEmpty(n, (*ident).DeleteRegistrationCode))
	rt.add("POST", "/cacertificate", "RegisterCACertificate", identOp(n, (*ident).RegisterCACertificate))
	rt.add("PUT", "/cacertificate/{caCertificateId}", "UpdateCACertificate", identOpEmpty(n, (*ident).UpdateCACertificate))
	rt.add("GET", "/cacertificate/{caCertificateId}", "DescribeCACertificate", identRead(n, (*ident).DescribeCACertificate))
	rt.add("DELETE", "/cacertificate/{caCertificateId}", "DeleteCACertificate", identOpEmpty(n, (*ident).DeleteCACertificate))
	rt.add("GET", "/cacertificates", "ListCACertificates", identRead(n, (*ident).ListCACertificates))
	// Policies.
	rt.add("POST", "/policies/{policyName}", "CreatePolicy", identOp(n, (*ident).CreatePolicy))
	rt.add("GET", "/policies/{policyName}", "GetPolicy", identRead(n, (*ident).GetPolicy))
	rt.add("GET", "/policies", "ListPolicies", identRead(n, (*ident).ListPolicies))
	rt.add("DELETE", "/policies/{policyName}", "DeletePolicy", identOpEmpty(n, (*ident).DeletePolicy))
	rt.add("POST", "/policies/{policyName}/version", "CreatePolicyVersion", identOp(n, (*ident).CreatePolicyVersion))
	rt.add("GET", "/policies/{policyName}/version/{policyVersionId}", "GetPolicyVersion", identRead(n, (*ident).GetPolicyVersion))
	rt.add("GET", "/policies/{policyName}/version", "ListPolicyVersions", identRead(n, (*ident).ListPolicyVersions))
	rt.add("DELETE", "/policies/{policyName}/version/{policyVersionId}", "DeletePolicyVersion", identOpEmpty(n, (*ident).DeletePolicyVersion))
	rt.add("PATCH", "/policies/{policyName}/version/{policyVersionId}", "SetDefaultPolicyVersion", identOpEmpty(n, (*ident).SetDefaultPolicyVersion))
	rt.add("PUT", "/target-policies/{policyName}", "AttachPolicy", identOpEmpty(n, (*ident).AttachPolicy))
	rt.add("POST", "/target-policies/{policyName}", "DetachPolicy", identOpEmpty(n, (*ident).DetachPolicy))
	rt.add("POST", "/attached-policies/{target}", "ListAttachedPolicies", identRead(n, (*ident).ListAttachedPolicies))
	rt.add("POST", "/test-authorization", "TestAuthorization", identRead(n, (*ident).TestAuthorization))
	rt.add("POST", "/effective-policies", "GetEffectivePolicies", identRead(n, (*ident).GetEffectivePolicies))
	rt.add("POST", "/policy-targets/{policyName}", "ListTargetsForPolicy", identRead(n, (*ident).ListTargetsForPolicy))
	rt.add("PUT", "/principal-policies/{policyName}", "AttachPrincipalPolicy", identOpEmpty(n, (*ident).AttachPrincipalPolicy))
	rt.add("DELETE", "/principal-policies/{policyName}", "DetachPrincipalPolicy", identOpEmpty(n, (*ident).DetachPrincipalPolicy))
	rt.add("GET", "/principal-policies", "ListPrincipalPolicies", identRead(n, (*ident).ListPrincipalPolicies))
	rt.add("GET", "/policy-principals", "ListPolicyPrincipals", identRead(n, (*ident).ListPolicyPrincipals))
	// Principals of things.
	rt.add("PUT", "/things/{thingName}/principals", "AttachThingPrincipal", identOpEmpty(n, (*ident).AttachThingPrincipal))
	rt.add("DELETE", "/things/{thingName}/principals", "DetachThingPrincipal", identOpEmpty(n, (*ident).DetachThingPrincipal))
	rt.add("GET", "/things/{thingName}/principals", "ListThingPrincipals", identRead(n, (*ident).ListThingPrincipals))
	rt.add("GET", "/principals/things", "ListPrincipalThings", identRead(n, (*ident).ListPrincipalThings))
	rt.add("GET", "/things/{thingName}/principals-v2", "ListThingPrincipalsV2", identRead(n, (*ident).ListThingPrincipalsV2))
	rt.add("GET", "/principals/things-v2", "ListPrincipalThingsV2", identRead(n, (*ident).ListPrincipalThingsV2))
}
