package identity

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestOwnershipToken(t *testing.T) {
	e := newEnv(t)
	claimed, err := e.s.IssueForClaim(e.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if claimed.PrivateKey == "" || claimed.CertificateOwnershipToken == "" || e.s.CertificateStatus(claimed.CertificateId) != StatusPendingActivation {
		t.Fatalf("IssueForClaim = %+v, status %s", claimed, e.s.CertificateStatus(claimed.CertificateId))
	}
	fromCSR, err := e.s.IssueForClaim(e.now, newCSR(t, "csr"))
	if err != nil || fromCSR.PrivateKey != "" {
		t.Fatalf("IssueForClaim(csr) = %+v, %v; want no private key", fromCSR, err)
	}
	_, err = e.s.IssueForClaim(e.now, []byte("not a csr"))
	checkErr(t, "IssueForClaim(bad csr)", err, awserr.InvalidRequest, "")

	tok := claimed.CertificateOwnershipToken
	if id, err := e.s.CheckOwnershipToken(e.now, tok); err != nil || id != claimed.CertificateId {
		t.Fatalf("CheckOwnershipToken = %s, %v", id, err)
	}
	for _, tc := range []struct {
		name  string
		at    time.Time
		token string
		want  string // certificate id, or the error message
	}{
		{"empty", e.now, "", "Certificate ownership token cannot be empty."},
		{"unknown", e.now, "bogus", "Certificate ownership token is not valid."},
		{"first use", e.now.Add(59 * time.Minute), tok, claimed.CertificateId},
		{"second use", e.now.Add(59 * time.Minute), tok, "Certificate ownership token has already been used."},
		{"expired", e.now.Add(time.Hour), fromCSR.CertificateOwnershipToken, "Certificate ownership token has expired."},
	} {
		id, err := e.s.ConsumeOwnershipToken(tc.at, tc.token)
		if err != nil {
			ae, ok := awserr.As(err)
			if !ok || ae.Code != InvalidOwnershipToken || ae.Status != 400 || ae.Message != tc.want {
				t.Errorf("ConsumeOwnershipToken %s: %v; want %s (400): %s", tc.name, err, InvalidOwnershipToken, tc.want)
			}
			continue
		}
		if id != tc.want {
			t.Errorf("ConsumeOwnershipToken %s = %s; want %s", tc.name, id, tc.want)
		}
	}
}

func TestClaimExpiry(t *testing.T) {
	e := newEnv(t)
	e.things.addThing("dev", "", nil)
	e.policy("p", allowAll)
	unclaimed, _ := e.s.IssueForClaim(e.now, nil)
	e.attach("p", e.s.CertificateArn(unclaimed.CertificateId))
	e.now = e.now.Add(10 * time.Minute)
	provisioned, _ := e.s.IssueForClaim(e.now, nil)
	if _, err := e.s.ConsumeOwnershipToken(e.now, provisioned.CertificateOwnershipToken); err != nil {
		t.Fatal(err)
	}
	if err := e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: provisioned.CertificateId, NewStatus: StatusActive}, e.now); err != nil {
		t.Fatal(err)
	}
	e.attachThing("dev", e.s.CertificateArn(provisioned.CertificateId))

	at, ok := e.s.NextDeadline()
	if !ok || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextDeadline = %v, %t; want %v", at, ok, t0.Add(time.Hour))
	}
	if got := e.s.Tick(at.Add(-time.Nanosecond)); got != nil {
		t.Errorf("Tick before the deadline deleted %v", got)
	}
	e.s.DrainChanges()
	if got := e.s.Tick(at); len(got) != 1 || got[0] != unclaimed.CertificateId {
		t.Errorf("Tick(%v) = %v; want [%s]", at, got, unclaimed.CertificateId)
	}
	if e.s.CertificateStatus(unclaimed.CertificateId) != "" || len(e.s.policyTargets["p"]) != 0 {
		t.Errorf("unclaimed certificate or its attachment survived expiry")
	}
	ch := e.s.DrainChanges()
	want := []string{targetPoliciesKey(e.s.CertificateArn(unclaimed.CertificateId)), certKey(unclaimed.CertificateId), claimKey(unclaimed.CertificateId)}
	if strings.Join(ch.Records, " ") != strings.Join(want, " ") {
		t.Errorf("changes = %v; want %v", ch.Records, want)
	}
	at, _ = e.s.NextDeadline()
	if got := e.s.Tick(at); got != nil {
		t.Errorf("Tick deleted the provisioned certificate: %v", got)
	}
	if e.s.CertificateStatus(provisioned.CertificateId) != StatusActive {
		t.Errorf("provisioned certificate status = %s", e.s.CertificateStatus(provisioned.CertificateId))
	}
	if _, ok := e.s.NextDeadline(); ok {
		t.Errorf("NextDeadline after every token expired: want none")
	}
	_, err := e.s.ConsumeOwnershipToken(at, provisioned.CertificateOwnershipToken)
	checkErr(t, "token after expiry cleanup", err, InvalidOwnershipToken, "not valid")
}

// TestClaimMapsShrink expires a peak of claims and checks the claim maps
// and the deadline heap were remade at their new size, holding the claims
// still pending.
func TestClaimMapsShrink(t *testing.T) {
	e := newEnv(t)
	add := func(i int, at time.Time) string {
		token := fmt.Sprintf("token-%d", i)
		e.s.addClaim(claim{certID: fmt.Sprintf("%064x", i), token: token, expires: at.Add(OwnershipTokenLifetime)})
		return token
	}
	for i := range 3 * minShrink {
		add(i, e.now)
	}
	var late []string
	for i := range 10 {
		late = append(late, add(3*minShrink+i, e.now.Add(time.Minute)))
	}
	e.s.Tick(e.now.Add(OwnershipTokenLifetime))
	if e.s.claimsPeak >= minShrink || cap(e.s.deadlines) >= minShrink {
		t.Errorf("after expiry: claims peak %d, deadline capacity %d; want both < %d", e.s.claimsPeak, cap(e.s.deadlines), minShrink)
	}
	if _, err := e.s.CheckOwnershipToken(e.now, "token-0"); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("expired token: %v; want not valid", err)
	}
	for i, tok := range late {
		if id, err := e.s.CheckOwnershipToken(e.now, tok); err != nil || id != fmt.Sprintf("%064x", 3*minShrink+i) {
			t.Errorf("pending token %s = %s, %v", tok, id, err)
		}
	}
	if at, ok := e.s.NextDeadline(); !ok || !at.Equal(e.now.Add(time.Minute+OwnershipTokenLifetime)) {
		t.Errorf("NextDeadline = %v, %t", at, ok)
	}
}
