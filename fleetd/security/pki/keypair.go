package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// KeyPair is AWS's KeyPair shape (CreateKeysAndCertificate keyPair); the
// json names are AWS's capitalised ones.
type KeyPair struct {
	PublicKey  string `json:"PublicKey"`
	PrivateKey string `json:"PrivateKey"`
}

// KeyPairPEM encodes a private key and its public half as AWS returns them:
// PublicKey is PKIX ("PUBLIC KEY"); PrivateKey is PKCS#1 ("RSA PRIVATE
// KEY") for RSA, as AWS sends, and SEC1 ("EC PRIVATE KEY") for ECDSA, the
// form the AWS device SDK samples load. Other key types get PKCS#8
// ("PRIVATE KEY").
func KeyPairPEM(key crypto.Signer) (KeyPair, error) {
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: encoding public key: %w", err)
	}
	var block *pem.Block
	switch k := key.(type) {
	case *rsa.PrivateKey:
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return KeyPair{}, fmt.Errorf("pki: encoding EC private key: %w", err)
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return KeyPair{}, fmt.Errorf("pki: encoding private key: %w", err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return KeyPair{
		PublicKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		PrivateKey: string(pem.EncodeToMemory(block)),
	}, nil
}
