package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigFile(t *testing.T) {
	tests := []struct {
		name, file string
		args       []string
		wantHTTP   string
		wantLag    time.Duration
		wantKey    string
		wantErr    string
	}{
		{name: "file sets flags", file: `{"http":"127.0.0.1:9","index-lag":"30s","accessKeyId":"AK","secretAccessKey":"SK"}`,
			wantHTTP: "127.0.0.1:9", wantLag: 30 * time.Second, wantKey: "AK"},
		{name: "command line wins", file: `{"http":"127.0.0.1:9"}`, args: []string{"--http", "127.0.0.1:7"}, wantHTTP: "127.0.0.1:7"},
		{name: "unknown key", file: `{"htp":"x"}`, wantErr: `unknown setting "htp"`},
		{name: "bad value", file: `{"index-lag":"soon"}`, wantErr: "index-lag"},
		{name: "not an object", file: `[1]`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fleetd.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("fleetd", flag.ContinueOnError)
			httpAddr := fs.String("http", "127.0.0.1:8080", "")
			lag := fs.Duration("index-lag", 0, "")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := applyConfigFile(fs, path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("applyConfigFile = %v; want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *httpAddr != tt.wantHTTP || *lag != tt.wantLag || cfg.AccessKeyID != tt.wantKey {
				t.Errorf("http %q lag %v key %q; want %q %v %q", *httpAddr, *lag, cfg.AccessKeyID, tt.wantHTTP, tt.wantLag, tt.wantKey)
			}
		})
	}
}
