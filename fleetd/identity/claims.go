package identity

import (
	"cmp"
	"container/heap"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// InvalidOwnershipToken is the errorCode of the fleet-provisioning MQTT API
// for a bad certificateOwnershipToken (spec §3.3); it is not in the control
// plane's catalog, so errors carry status 400 explicitly.
const InvalidOwnershipToken = "InvalidCertificateOwnershipToken"

// claim is the ownership token of a certificate issued by the claim flow.
// A fleet provisioning within the token's hour holds one per device, as
// map values (Store.claims): change a copy and store it back.
type claim struct {
	certID  string
	token   string
	expires time.Time
	used    bool
}

type deadline struct {
	at     time.Time
	certID string
}

func compareDeadlines(a, b deadline) int {
	return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.certID, b.certID))
}

// ClaimCertificate is what $aws/certificates/create and
// create-from-csr accept with: PrivateKey is set only when fleetd made the
// key, and is never stored.
type ClaimCertificate struct {
	CertificateId             string `json:"certificateId"`
	CertificatePem            string `json:"certificatePem"`
	PrivateKey                string `json:"privateKey,omitempty"`
	CertificateOwnershipToken string `json:"certificateOwnershipToken"`
}

// IssueForClaim issues a certificate for fleet provisioning by claim: from
// csrPEM when given, else with a new key. The certificate is
// PENDING_ACTIVATION and comes with an ownership token, valid
// OwnershipTokenLifetime and usable once (ConsumeOwnershipToken). If the
// certificate is still PENDING_ACTIVATION when the token expires, Tick
// deletes it.
func (s *Store) IssueForClaim(now time.Time, csrPEM []byte) (ClaimCertificate, error) {
	var issued *pki.Issued
	var err error
	if csrPEM != nil {
		issued, err = pki.SignCSR(s.opts.CA, csrPEM, now, s.opts.Rand)
	} else {
		issued, err = pki.IssueDeviceCert(s.opts.CA, now, s.opts.Rand, pkix.Name{})
	}
	if err != nil {
		return ClaimCertificate{}, clientOrWrapped("IssueForClaim", err)
	}
	out := ClaimCertificate{CertificatePem: string(issued.PEM)}
	if issued.Key != nil {
		keys, err := issued.KeyPair()
		if err != nil {
			return ClaimCertificate{}, errorf("IssueForClaim: %w", err)
		}
		out.PrivateKey = keys.PrivateKey
	}
	token, err := newToken(s.opts.Rand)
	if err != nil {
		return ClaimCertificate{}, errorf("IssueForClaim: ownership token: %w", err)
	}
	cert := s.addCertificate(issued.Cert, "", StatusPendingActivation, ModeDefault, now)
	s.addClaim(claim{certID: cert.id, token: token, expires: utc(now).Add(OwnershipTokenLifetime)})
	out.CertificateId, out.CertificateOwnershipToken = cert.id, token
	return out, nil
}

// newToken returns an opaque token of 48 random bytes, about the length of
// AWS's.
func newToken(rand io.Reader) (string, error) {
	var b [48]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (s *Store) addClaim(cl claim) {
	s.claims[cl.certID] = cl
	s.claimsPeak = max(s.claimsPeak, len(s.claims))
	s.claimTokens[cl.token] = cl.certID
	heap.Push(&s.deadlines, deadline{at: cl.expires, certID: cl.certID})
	s.dirty(claimKey(cl.certID))
}

// dropClaim forgets a claim. Its deadline stays in the heap and is skipped
// when it comes up (live): removing it from the middle would cost a scan,
// and a million devices provisioning within the token's hour keep a
// million deadlines.
func (s *Store) dropClaim(cl claim) {
	delete(s.claims, cl.certID)
	delete(s.claimTokens, cl.token)
	s.dirty(claimKey(cl.certID))
	s.shrinkClaims()
}

// minShrink is the size under which claim maps and the deadline heap are
// not worth shrinking.
const minShrink = 1024

// shrinkClaims copies the claim maps into new ones once they hold a
// quarter of their peak: a Go map never gives back the room it grew to,
// and a fleet provisioning within the token's hour would otherwise keep
// that hour's maps for good. Each copy follows at least three times as
// many drops, so it costs O(1) a drop.
func (s *Store) shrinkClaims() {
	if s.claimsPeak < minShrink || len(s.claims) > s.claimsPeak/4 {
		return
	}
	claims := make(map[string]claim, len(s.claims))
	tokens := make(map[string]string, len(s.claims))
	for id, cl := range s.claims {
		claims[id] = cl
		tokens[cl.token] = id
	}
	s.claims, s.claimTokens, s.claimsPeak = claims, tokens, len(claims)
}

// live reports whether a deadline still belongs to a pending claim.
func (s *Store) live(d deadline) bool {
	cl, ok := s.claims[d.certID]
	return ok && cl.expires.Equal(d.at)
}

// deadlineHeap orders deadlines by (at, certificate id).
type deadlineHeap []deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return compareDeadlines(h[i], h[j]) < 0 }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	if cap(old) >= minShrink && len(*h) < cap(old)/4 {
		*h = slices.Clone(*h) // give back the room of a past peak
	}
	return d
}

// CheckOwnershipToken returns the certificate an ownership token belongs
// to, without using it up: RegisterThing checks first and consumes only
// once provisioning succeeded.
func (s *Store) CheckOwnershipToken(now time.Time, token string) (string, error) {
	cl, err := s.validClaim(now, token)
	if err != nil {
		return "", err
	}
	return cl.certID, nil
}

// ConsumeOwnershipToken uses up an ownership token and returns its
// certificate id. An empty, unknown, expired or already used token is an
// InvalidCertificateOwnershipToken error saying which.
func (s *Store) ConsumeOwnershipToken(now time.Time, token string) (string, error) {
	cl, err := s.validClaim(now, token)
	if err != nil {
		return "", err
	}
	cl.used = true
	s.claims[cl.certID] = cl
	s.dirty(claimKey(cl.certID))
	return cl.certID, nil
}

func (s *Store) validClaim(now time.Time, token string) (claim, error) {
	if token == "" {
		return claim{}, awserr.WithStatus(InvalidOwnershipToken, 400, "Certificate ownership token cannot be empty.")
	}
	cl, ok := s.claims[s.claimTokens[token]]
	switch {
	case !ok:
		return claim{}, awserr.WithStatus(InvalidOwnershipToken, 400, "Certificate ownership token is not valid.")
	case !now.Before(cl.expires):
		return claim{}, awserr.WithStatus(InvalidOwnershipToken, 400, "Certificate ownership token has expired.")
	case cl.used:
		return claim{}, awserr.WithStatus(InvalidOwnershipToken, 400, "Certificate ownership token has already been used.")
	}
	return cl, nil
}

// NextDeadline returns when Tick next has work: the earliest ownership
// token expiry. false: none pending.
func (s *Store) NextDeadline() (time.Time, bool) {
	for len(s.deadlines) > 0 && !s.live(s.deadlines[0]) {
		heap.Pop(&s.deadlines)
	}
	if len(s.deadlines) == 0 {
		return time.Time{}, false
	}
	return s.deadlines[0].at, true
}

// Tick expires the ownership tokens due at now. A certificate still
// PENDING_ACTIVATION when its token expires is deleted, with its
// attachments; Tick returns the ids of those certificates, sorted by
// expiry.
func (s *Store) Tick(now time.Time) []string {
	var deleted []string
	for len(s.deadlines) > 0 && !now.Before(s.deadlines[0].at) {
		d := heap.Pop(&s.deadlines).(deadline)
		if !s.live(d) {
			continue
		}
		cl := s.claims[d.certID]
		s.dropClaim(cl)
		if cert, ok := s.certs[cl.certID]; ok && cert.statusName() == StatusPendingActivation {
			s.deleteCertificate(cert)
			deleted = append(deleted, cert.id)
		}
	}
	return deleted
}
