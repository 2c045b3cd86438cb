package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
)

// Pool is a trust set: the CA certificates whose signatures fleetd accepts.
// Rotation keeps the retired CA's certificate here next to the new CA's, so
// devices holding certificates from either still verify; Remove drops a CA
// once nothing it signed is in use. Certificates are kept in insertion order
// and are unique by CertificateID. A Pool is not safe for concurrent
// mutation.
type Pool struct {
	certs []*x509.Certificate
}

// NewPool returns a pool holding certs (duplicates dropped).
func NewPool(certs ...*x509.Certificate) *Pool {
	p := &Pool{}
	for _, c := range certs {
		p.Add(c)
	}
	return p
}

// ParsePoolPEM parses concatenated CA certificates, as MarshalPEM writes
// them. Every block must be a CA certificate.
func ParsePoolPEM(pemBytes []byte) (*Pool, error) {
	p := &Pool{}
	rest := pemBytes
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		cert, err := parseCACertificateBlock(block)
		if err != nil {
			return nil, fmt.Errorf("pki: trust pool certificate %d: %w", n, err)
		}
		p.Add(cert)
	}
	if len(p.certs) == 0 {
		return nil, fmt.Errorf("pki: trust pool: %w", errNoPEM)
	}
	return p, nil
}

// Add adds cert and reports whether it was new.
func (p *Pool) Add(cert *x509.Certificate) bool {
	if p.index(CertificateID(cert.Raw)) >= 0 {
		return false
	}
	p.certs = append(p.certs, cert)
	return true
}

// Remove drops the certificate with the given id and reports whether it was
// there.
func (p *Pool) Remove(id string) bool {
	i := p.index(id)
	if i < 0 {
		return false
	}
	p.certs = slices.Delete(p.certs, i, i+1)
	return true
}

func (p *Pool) index(id string) int {
	return slices.IndexFunc(p.certs, func(c *x509.Certificate) bool { return CertificateID(c.Raw) == id })
}

// Len returns the number of certificates.
func (p *Pool) Len() int { return len(p.certs) }

// Certs returns the certificates in insertion order (a copy of the slice).
func (p *Pool) Certs() []*x509.Certificate { return slices.Clone(p.certs) }

// CertPool returns an x509.CertPool for tls.Config.ClientCAs or RootCAs.
func (p *Pool) CertPool() *x509.CertPool {
	cp := x509.NewCertPool()
	for _, c := range p.certs {
		cp.AddCert(c)
	}
	return cp
}

// MarshalPEM returns the certificates concatenated, for the caller to
// persist; ParsePoolPEM reads it back.
func (p *Pool) MarshalPEM() []byte {
	var out []byte
	for _, c := range p.certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// Issuer returns the pool's CA whose key signed cert (see FindIssuer).
func (p *Pool) Issuer(cert *x509.Certificate) (*x509.Certificate, error) {
	i, err := FindIssuer(cert, p.certs)
	if err != nil {
		return nil, err
	}
	return p.certs[i], nil
}
