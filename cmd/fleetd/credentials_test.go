package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCredentials: the environment, then --config, then the data
// directory's file, then a new pair; half a pair is an error.
func TestCredentials(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name         string
		envID, envSK string
		file         fileConfig
		wantID, err  string
	}{
		{"environment", "AKENV", "secret", fileConfig{AccessKeyID: "AKFILE", SecretAccessKey: "s"}, "AKENV", ""},
		{"config", "", "", fileConfig{AccessKeyID: "AKFILE", SecretAccessKey: "s"}, "AKFILE", ""},
		{"half the environment", "AKENV", "", fileConfig{}, "", "go together"},
		{"half the config", "", "", fileConfig{AccessKeyID: "AKFILE"}, "", "go together"},
		{"generated", "", "", fileConfig{}, "AKFL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FLEETD_ACCESS_KEY_ID", tc.envID)
			t.Setenv("FLEETD_SECRET_ACCESS_KEY", tc.envSK)
			dir := t.TempDir()
			c, err := credentials(dir, tc.file, log)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v; want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !strings.HasPrefix(c.AccessKeyID, tc.wantID) || c.SecretAccessKey == "" {
				t.Fatalf("credentials = %+v, %v; want key id %s…", c, err, tc.wantID)
			}
			if tc.name == "generated" {
				again, err := credentials(dir, tc.file, log)
				if err != nil || again != c {
					t.Errorf("second start: %+v, %v; want the stored pair %+v", again, err, c)
				}
				if st, err := os.Stat(filepath.Join(dir, "credentials.json")); err != nil || st.Mode().Perm() != 0o600 {
					t.Errorf("credentials.json: %v, %v; want mode 0600", st, err)
				}
			}
		})
	}
}
