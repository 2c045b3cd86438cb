package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// loadOrCreateCA returns fleetd's certificate authority: DIR/ca.pem and
// DIR/ca-key.pem, generated (ECDSA P-256) on first start. Devices trust
// DIR/ca.pem; the key never leaves the data directory (mode 0600).
func loadOrCreateCA(dir string, log *slog.Logger) (*pki.CA, error) {
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	switch {
	case certErr == nil && keyErr == nil:
		ca, err := pki.LoadCA(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("loading the CA from %s: %w", dir, err)
		}
		log.Info("fleetd CA", "certificate", certPath)
		return ca, nil
	case !errors.Is(certErr, fs.ErrNotExist) && certErr != nil:
		return nil, fmt.Errorf("reading %s: %w", certPath, certErr)
	case !errors.Is(keyErr, fs.ErrNotExist) && keyErr != nil:
		return nil, fmt.Errorf("reading %s: %w", keyPath, keyErr)
	case certErr == nil || keyErr == nil:
		return nil, fmt.Errorf("%s and %s must both exist or both be absent", certPath, keyPath)
	}
	ca, err := pki.NewCA(time.Now(), rand.Reader, pki.CAOptions{})
	if err != nil {
		return nil, fmt.Errorf("generating the CA: %w", err)
	}
	certPEM, keyPEM, err = ca.MarshalPEM()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	log.Info("fleetd generated its CA: devices must trust it", "certificate", certPath)
	return ca, nil
}
