package identity

import (
	crand "crypto/rand"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

func TestCreateKeysAndCertificate(t *testing.T) {
	e := newEnv(t)
	for _, active := range []bool{true, false} {
		resp := e.create(active)
		if !strings.Contains(resp.KeyPair.PrivateKey, "EC PRIVATE KEY") || !strings.Contains(resp.KeyPair.PublicKey, "PUBLIC KEY") {
			t.Errorf("keyPair = %+v; want PEM keys", resp.KeyPair)
		}
		if resp.CertificateArn != "arn:aws:iot:us-east-1:123456789012:cert/"+resp.CertificateId {
			t.Errorf("certificateArn = %s", resp.CertificateArn)
		}
		d, err := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: strings.ToUpper(resp.CertificateId)})
		if err != nil {
			t.Fatal(err)
		}
		desc := d.CertificateDescription
		want := map[bool]string{true: StatusActive, false: StatusInactive}[active]
		if desc.Status != want || desc.CertificateMode != ModeDefault || desc.CaCertificateId != "" ||
			desc.CustomerVersion != 1 || desc.OwnedBy != DefaultAccount || !desc.CreationDate.Equal(t0) ||
			desc.CertificatePem != resp.CertificatePem || desc.GenerationId == "" {
			t.Errorf("DescribeCertificate(setAsActive=%t) = %+v", active, desc)
		}
		cert, _ := pki.ParseCertificatePEM([]byte(resp.CertificatePem))
		if !desc.Validity.NotAfter.Equal(cert.NotAfter) || pki.CertificateID(cert.Raw) != resp.CertificateId {
			t.Errorf("validity/id mismatch: %+v", desc.Validity)
		}
		rec, _ := e.s.Record(certKey(resp.CertificateId))
		if strings.Contains(string(rec), "PRIVATE") {
			t.Errorf("record %s holds a private key", certKey(resp.CertificateId))
		}
	}
}

func TestCreateCertificateFromCsr(t *testing.T) {
	e := newEnv(t)
	csr := newCSR(t, "sensor-1")
	a, err := e.s.CreateCertificateFromCsr(CreateCertificateFromCsrRequest{CertificateSigningRequest: string(csr), SetAsActive: true}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.s.CreateCertificateFromCsr(CreateCertificateFromCsrRequest{CertificateSigningRequest: string(csr)}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if a.CertificateId == b.CertificateId {
		t.Errorf("the same CSR twice gave one certificate; want two")
	}
	cert, _ := pki.ParseCertificatePEM([]byte(a.CertificatePem))
	if cert.Subject.CommonName != "sensor-1" {
		t.Errorf("subject = %v; want the CSR's", cert.Subject)
	}
	for _, tc := range []struct {
		csr, code, msg string
	}{
		{"", awserr.InvalidRequest, "Value null at 'certificateSigningRequest'"},
		{"garbage", awserr.InvalidRequest, ""},
		{strings.Repeat("x", 4097), awserr.InvalidRequest, "less than or equal to 4096"},
	} {
		_, err := e.s.CreateCertificateFromCsr(CreateCertificateFromCsrRequest{CertificateSigningRequest: tc.csr}, e.now)
		checkErr(t, "CreateCertificateFromCsr("+truncate(tc.csr)+")", err, tc.code, tc.msg)
	}
}

func TestRegisterCertificate(t *testing.T) {
	e := newEnv(t)
	active := customerCA(t, "Customer CA")
	activeID := e.registerCA(active, true)
	inactive := customerCA(t, "Inactive CA")
	e.registerCA(inactive, false)
	stranger := customerCA(t, "Stranger CA")

	ok, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, active, "dev-1"), SetAsActive: ptr(true)}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: ok.CertificateId})
	if d.CertificateDescription.CaCertificateId != activeID || d.CertificateDescription.Status != StatusActive {
		t.Errorf("registered certificate = %+v; want ACTIVE under %s", d.CertificateDescription, activeID)
	}
	dupPEM := d.CertificateDescription.CertificatePem

	withCA, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, active, "dev-2"),
		CaCertificatePem: string(active.CertPEM()), Status: StatusRevoked}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if e.s.CertificateStatus(withCA.CertificateId) != StatusRevoked {
		t.Errorf("status = %s; want REVOKED", e.s.CertificateStatus(withCA.CertificateId))
	}

	for _, tc := range []struct {
		name string
		req  RegisterCertificateRequest
		code string
		msg  string
	}{
		{"missing pem", RegisterCertificateRequest{}, awserr.InvalidRequest, "Value null at 'certificatePem'"},
		{"bad status", RegisterCertificateRequest{CertificatePem: "x", Status: "ON"}, awserr.InvalidRequest, "enum value set"},
		{"internal status", RegisterCertificateRequest{CertificatePem: signedBy(t, active, "d"), Status: StatusPendingActivation},
			awserr.InvalidRequest, "cannot be registered with status PENDING_ACTIVATION"},
		{"contradiction", RegisterCertificateRequest{CertificatePem: signedBy(t, active, "d"), Status: StatusInactive, SetAsActive: ptr(true)},
			awserr.InvalidRequest, "contradicts"},
		{"not pem", RegisterCertificateRequest{CertificatePem: "hello"}, awserr.CertificateValidation, "not in valid PEM format"},
		{"unknown CA", RegisterCertificateRequest{CertificatePem: signedBy(t, stranger, "d")},
			awserr.CertificateValidation, "not signed by any registered CA certificate"},
		{"fleetd CA", RegisterCertificateRequest{CertificatePem: signedBy(t, e.ca, "d")},
			awserr.CertificateValidation, "not signed by any registered CA certificate"},
		{"unregistered caCertificatePem", RegisterCertificateRequest{CertificatePem: signedBy(t, stranger, "d"), CaCertificatePem: string(stranger.CertPEM())},
			awserr.CertificateValidation, "is not registered"},
		{"wrong caCertificatePem", RegisterCertificateRequest{CertificatePem: signedBy(t, inactive, "d"), CaCertificatePem: string(active.CertPEM())},
			awserr.CertificateValidation, "not signed by CA certificate"},
		{"inactive CA", RegisterCertificateRequest{CertificatePem: signedBy(t, inactive, "d")},
			awserr.CertificateState, "only under an ACTIVE CA"},
		{"duplicate", RegisterCertificateRequest{CertificatePem: dupPEM}, awserr.ResourceAlreadyExists, "already provisioned or registered"},
	} {
		before := len(e.s.certs)
		_, err := e.s.RegisterCertificate(tc.req, e.now)
		checkErr(t, "RegisterCertificate "+tc.name, err, tc.code, tc.msg)
		if len(e.s.certs) != before {
			t.Errorf("RegisterCertificate %s changed the store", tc.name)
		}
	}
	_, err = e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: dupPEM}, e.now)
	if ae, _ := awserr.As(err); ae == nil || ae.ResourceID != ok.CertificateId || ae.ResourceArn != ok.CertificateArn {
		t.Errorf("duplicate error = %+v; want resourceId/Arn of the existing certificate", ae)
	}
	expired := e.now.Add(30 * 365 * 24 * time.Hour)
	_, err = e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, active, "late")}, expired)
	checkErr(t, "RegisterCertificate expired", err, awserr.CertificateValidation, "has expired")
}

func TestRegisterCertificateSNI(t *testing.T) {
	e := newEnv(t)
	sni, err := e.s.RegisterCACertificate(RegisterCACertificateRequest{CaCertificate: string(customerCA(t, "SNI CA").CertPEM()),
		CertificateMode: ModeSNIOnly, SetAsActive: true}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := e.s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: sni.CertificateId})
	if d.CertificateDescription.CertificateMode != ModeSNIOnly {
		t.Errorf("mode = %s; want SNI_ONLY", d.CertificateDescription.CertificateMode)
	}
	noCA, err := e.s.RegisterCertificateWithoutCA(RegisterCertificateWithoutCARequest{CertificatePem: signedBy(t, customerCA(t, "X"), "d"),
		Status: StatusActive}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	dd, _ := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: noCA.CertificateId})
	if got := dd.CertificateDescription; got.CertificateMode != ModeSNIOnly || got.CaCertificateId != "" || got.Status != StatusActive {
		t.Errorf("RegisterCertificateWithoutCA = %+v; want ACTIVE, SNI_ONLY, no CA", got)
	}
	// fleetd's own certificates are accepted without a CA once deleted.
	own := e.create(false)
	if err := e.s.DeleteCertificate(DeleteCertificateRequest{CertificateId: own.CertificateId}, e.now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RegisterCertificateWithoutCA(RegisterCertificateWithoutCARequest{CertificatePem: own.CertificatePem}, e.now); err != nil {
		t.Errorf("re-registering fleetd's certificate without CA: %v", err)
	}
}

// reissue returns a second CA certificate over ca's key and subject, as a
// CA renewal gives.
func reissue(t *testing.T, ca *pki.CA) *pki.CA {
	t.Helper()
	tmpl := *ca.Cert
	tmpl.SerialNumber = new(big.Int).Add(ca.Cert.SerialNumber, big.NewInt(1))
	der, err := x509.CreateCertificate(crand.Reader, &tmpl, &tmpl, ca.Key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &pki.CA{Cert: cert, Key: ca.Key}
}

func TestRegisterCertificateSharedSubject(t *testing.T) {
	e := newEnv(t)
	a := customerCA(t, "Shared")
	e.registerCA(a, true)
	b := reissue(t, a)
	bID := e.registerCA(b, true)
	dev := signedBy(t, a, "dev")
	_, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: dev}, e.now)
	checkErr(t, "two CAs verify", err, awserr.CertificateConflict, "2 registered CA certificates share its subject and key")
	r, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: dev, CaCertificatePem: string(b.CertPEM())}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: r.CertificateId})
	if d.CertificateDescription.CaCertificateId != bID {
		t.Errorf("caCertificateId = %s; want the named CA %s", d.CertificateDescription.CaCertificateId, bID)
	}
}

func TestUpdateCertificate(t *testing.T) {
	e := newEnv(t)
	c := e.create(true)
	revoked := e.create(false)
	if err := e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: revoked.CertificateId, NewStatus: StatusRevoked}, e.now); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("a", 64)
	for _, tc := range []struct {
		id, status, code, msg string
	}{
		{"abc", StatusActive, awserr.InvalidRequest, "Member must have length greater than or equal to 64"},
		{strings.Repeat("g", 64), StatusActive, awserr.InvalidRequest, "regular expression pattern: (0x)?[a-fA-F0-9]+"},
		{c.CertificateId, "", awserr.InvalidRequest, "Value null at 'newStatus'"},
		{c.CertificateId, "ON", awserr.InvalidRequest, "enum value set"},
		{missing, StatusActive, awserr.ResourceNotFound, "Certificate " + missing + " cannot be found."},
		{c.CertificateId, StatusPendingActivation, awserr.InvalidRequest, "cannot be set to PENDING_ACTIVATION"},
		{c.CertificateId, StatusPendingTransfer, awserr.InvalidRequest, "cannot be set to PENDING_TRANSFER"},
		{c.CertificateId, StatusRegisterInactive, awserr.InvalidRequest, "cannot be set to REGISTER_INACTIVE"},
		{revoked.CertificateId, StatusActive, awserr.CertificateState, "REVOKED"},
		{revoked.CertificateId, StatusRevoked, "", ""},
		{c.CertificateId, StatusActive, "", ""},
	} {
		err := e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: tc.id, NewStatus: tc.status}, e.now)
		checkErr(t, "UpdateCertificate("+truncate(tc.id)+", "+tc.status+")", err, tc.code, tc.msg)
	}
	e.s.DrainChanges()
	later := e.now.Add(time.Minute)
	if err := e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: c.CertificateId, NewStatus: StatusInactive}, later); err != nil {
		t.Fatal(err)
	}
	d, _ := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: c.CertificateId})
	if got := d.CertificateDescription; got.Status != StatusInactive || got.CustomerVersion != 2 || !got.LastModifiedDate.Equal(later) {
		t.Errorf("after UpdateCertificate: %+v; want INACTIVE, version 2, modified %v", got, later)
	}
	ch := e.s.DrainChanges()
	if len(ch.Deactivated) != 1 || ch.Deactivated[0] != c.CertificateId {
		t.Errorf("Deactivated = %v; want [%s]", ch.Deactivated, c.CertificateId)
	}
}

func TestUpdateCertificateInactiveCA(t *testing.T) {
	e := newEnv(t)
	ca := customerCA(t, "CA")
	caID := e.registerCA(ca, true)
	r, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, ca, "d")}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.UpdateCACertificate(UpdateCACertificateRequest{CertificateId: caID, NewStatus: StatusInactive}, e.now); err != nil {
		t.Fatal(err)
	}
	err = e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: r.CertificateId, NewStatus: StatusActive}, e.now)
	checkErr(t, "activate under inactive CA", err, awserr.CertificateState, "its CA certificate "+caID+" is INACTIVE")
}

func TestDeleteCertificate(t *testing.T) {
	e := newEnv(t)
	e.things.addThing("dev1", "", nil)
	e.policy("p", allowAll)
	active := e.create(true)
	onThing := e.create(false)
	e.attachThing("dev1", onThing.CertificateArn)
	withPolicy := e.create(false)
	e.attach("p", withPolicy.CertificateArn)
	plain := e.create(false)
	for _, tc := range []struct {
		name  string
		id    string
		force bool
		code  string
		msg   string
	}{
		{"bad id", "xyz", false, awserr.InvalidRequest, "at 'certificateId'"},
		{"missing", strings.Repeat("b", 64), false, awserr.ResourceNotFound, "cannot be found"},
		{"active", active.CertificateId, true, awserr.CertificateState, "is ACTIVE"},
		{"thing", onThing.CertificateId, true, awserr.DeleteConflict, "attached to 1 thing(s), e.g. dev1"},
		{"policy", withPolicy.CertificateId, false, awserr.DeleteConflict, "1 attached policies, e.g. p"},
		{"policy forced", withPolicy.CertificateId, true, "", ""},
		{"plain", plain.CertificateId, false, "", ""},
	} {
		err := e.s.DeleteCertificate(DeleteCertificateRequest{CertificateId: tc.id, ForceDelete: tc.force}, e.now)
		checkErr(t, "DeleteCertificate "+tc.name, err, tc.code, tc.msg)
	}
	if got := e.s.policyTargets["p"]; len(got) != 0 {
		t.Errorf("policy p targets after forced delete = %v; want none", got)
	}
	if _, err := e.s.DescribeCertificate(DescribeCertificateRequest{CertificateId: plain.CertificateId}); code(err) != awserr.ResourceNotFound {
		t.Errorf("DescribeCertificate of deleted: %v", err)
	}
	ch := e.s.DrainChanges()
	if _, ok := e.s.Record(certKey(plain.CertificateId)); ok {
		t.Errorf("record of deleted certificate still exists")
	}
	found := false
	for _, k := range ch.Records {
		found = found || k == certKey(plain.CertificateId)
	}
	if !found {
		t.Errorf("DrainChanges().Records = %v; want the deleted certificate's key", ch.Records)
	}
}

func TestListCertificates(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 7 {
		e.now = t0.Add(time.Duration(i) * time.Second)
		ids = append(ids, e.create(i%2 == 0).CertificateId)
	}
	walk := func(asc bool, size int) []string {
		var got []string
		marker := ""
		for range 10 {
			resp, err := e.s.ListCertificates(ListCertificatesRequest{PageSize: &size, Marker: marker, AscendingOrder: asc})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Certificates) > size {
				t.Fatalf("page of %d; want at most %d", len(resp.Certificates), size)
			}
			for _, c := range resp.Certificates {
				got = append(got, c.CertificateId)
			}
			if marker = resp.NextMarker; marker == "" {
				break
			}
		}
		return got
	}
	if got := walk(true, 3); strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("ascending walk = %v; want %v", got, ids)
	}
	desc := walk(false, 2)
	for i := range ids {
		if desc[i] != ids[len(ids)-1-i] {
			t.Fatalf("descending walk = %v; want the reverse of %v", desc, ids)
		}
	}
	// A marker survives the deletion of the item it points after.
	two := 2
	first, _ := e.s.ListCertificates(ListCertificatesRequest{PageSize: &two, AscendingOrder: true})
	if err := e.s.DeleteCertificate(DeleteCertificateRequest{CertificateId: ids[1]}, e.now); err != nil {
		t.Fatal(err)
	}
	next, err := e.s.ListCertificates(ListCertificatesRequest{PageSize: &two, AscendingOrder: true, Marker: first.NextMarker})
	if err != nil || next.Certificates[0].CertificateId != ids[2] {
		t.Errorf("page after deleting the marker's item = %+v, %v; want it to start at %s", next, err, ids[2])
	}
	for _, tc := range []struct {
		req  ListCertificatesRequest
		code string
		msg  string
	}{
		{ListCertificatesRequest{PageSize: ptr(0)}, awserr.InvalidRequest, "greater than or equal to 1"},
		{ListCertificatesRequest{PageSize: ptr(251)}, awserr.InvalidRequest, "less than or equal to 250"},
		{ListCertificatesRequest{Marker: "bm90IGEgbWFya2Vy"}, awserr.InvalidRequest, "pagination token"},
		{ListCertificatesRequest{Marker: "a_b"}, awserr.InvalidRequest, "regular expression pattern"},
	} {
		_, err := e.s.ListCertificates(tc.req)
		checkErr(t, "ListCertificates", err, tc.code, tc.msg)
	}
	def, _ := e.s.ListCertificates(ListCertificatesRequest{})
	if len(def.Certificates) != 6 || def.NextMarker != "" {
		t.Errorf("default page = %d items, marker %q; want all 6", len(def.Certificates), def.NextMarker)
	}
}

func TestListCertificatesByCA(t *testing.T) {
	e := newEnv(t)
	ca := customerCA(t, "CA")
	caID := e.registerCA(ca, true)
	e.create(true)
	r, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, ca, "d")}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.s.ListCertificatesByCA(ListCertificatesByCARequest{CaCertificateId: strings.ToUpper(caID)})
	if err != nil || len(resp.Certificates) != 1 || resp.Certificates[0].CertificateId != r.CertificateId {
		t.Errorf("ListCertificatesByCA = %+v, %v; want only %s", resp, err, r.CertificateId)
	}
	_, err = e.s.ListCertificatesByCA(ListCertificatesByCARequest{CaCertificateId: "1"})
	checkErr(t, "ListCertificatesByCA bad id", err, awserr.InvalidRequest, "at 'caCertificateId'")
}

// TestCertificatePemAnswers checks that the store, keeping the DER, answers
// every certificate with the PEM it was issued or registered with, byte
// for byte: DescribeCertificate, CertificatePEM and the record, before
// and after a restore.
func TestCertificatePemAnswers(t *testing.T) {
	e := newEnv(t)
	customer := customerCA(t, "Customer CA")
	e.registerCA(customer, true)
	type issued struct{ id, pem string }
	var all []issued
	must := func(id, pem string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, issued{id, pem})
	}
	keys, err := e.s.CreateKeysAndCertificate(CreateKeysAndCertificateRequest{}, e.now)
	must(keys.CertificateId, keys.CertificatePem, err)
	fromCSR, err := e.s.CreateCertificateFromCsr(CreateCertificateFromCsrRequest{CertificateSigningRequest: string(newCSR(t, "csr"))}, e.now)
	must(fromCSR.CertificateId, fromCSR.CertificatePem, err)
	claimed, err := e.s.IssueForClaim(e.now, nil)
	must(claimed.CertificateId, claimed.CertificatePem, err)
	claimedCSR, err := e.s.IssueForClaim(e.now, newCSR(t, "claim"))
	must(claimedCSR.CertificateId, claimedCSR.CertificatePem, err)
	prov, err := e.s.IssueProvisioningClaim(e.now, "tmpl")
	must(prov.CertificateId, prov.CertificatePem, err)
	// Registered certificates keep their first block alone, whatever
	// follows it in the request.
	devicePEM := signedBy(t, customer, "dev")
	reg, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: devicePEM + string(customer.CertPEM())}, e.now)
	must(reg.CertificateId, devicePEM, err)
	sniPEM := signedBy(t, customerCA(t, "Other CA"), "sni")
	sni, err := e.s.RegisterCertificateWithoutCA(RegisterCertificateWithoutCARequest{CertificatePem: sniPEM + "trailing text\n"}, e.now)
	must(sni.CertificateId, sniPEM, err)

	for _, s := range []*Store{e.s, restored(t, e)} {
		for _, c := range all {
			d, err := s.DescribeCertificate(DescribeCertificateRequest{CertificateId: c.id})
			if err != nil || d.CertificateDescription.CertificatePem != c.pem {
				t.Errorf("DescribeCertificate(%s).certificatePem = %q, %v; want %q", c.id, d.CertificateDescription.CertificatePem, err, c.pem)
			}
			if pem, err := s.CertificatePEM(c.id); err != nil || pem != c.pem {
				t.Errorf("CertificatePEM(%s) = %q, %v; want %q", c.id, pem, err, c.pem)
			}
			rec, _ := s.Record(certKey(c.id))
			var r certRecord
			if err := json.Unmarshal(rec, &r); err != nil || r.PEM != c.pem {
				t.Errorf("record %s certificatePem = %q, %v; want %q", certKey(c.id), r.PEM, err, c.pem)
			}
		}
	}
}

// TestIDAndDER checks that idAndDER gives the certificate id and the DER,
// in one allocation.
func TestIDAndDER(t *testing.T) {
	der := []byte("not really DER, but any bytes hash")
	id, got := idAndDER(der)
	if want := pki.CertificateID(der); id != want {
		t.Errorf("idAndDER id = %s; want %s", id, want)
	}
	if got != string(der) {
		t.Errorf("idAndDER der = %q; want %q", got, der)
	}
	if n := testing.AllocsPerRun(10, func() { idAndDER(der) }); n != 1 {
		t.Errorf("idAndDER makes %v allocations; want 1", n)
	}
}
