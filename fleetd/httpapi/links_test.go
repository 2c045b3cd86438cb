package httpapi

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestObjectLinks: a pre-signed link serves its object until it expires,
// and only with its own signature and path.
func TestObjectLinks(t *testing.T) {
	dir := t.TempDir()
	srv, _ := startServerIn(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, "s3", "reports"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s3", "reports", "r.jsonl"), []byte(`{"line":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := srv.Config.Handler.(*Server)
	req := httptest.NewRequest("GET", srv.URL+"/", nil)
	req.Host = strings.TrimPrefix(srv.URL, "http://")
	now := time.Now()
	fresh := s.links.presign(req, "s3://reports/r.jsonl", now)
	stale := s.links.presign(req, "s3://reports/r.jsonl", now.Add(-linkExpiry-time.Minute))
	other := strings.Replace(fresh, "r.jsonl", "other.jsonl", 1)
	for _, tc := range []struct {
		name, url string
		status    int
		body      string
	}{
		{"fresh", fresh, http.StatusOK, `{"line":1}`},
		{"expired", stale, http.StatusForbidden, "expired"},
		{"another object with this signature", other, http.StatusForbidden, "signature"},
		{"unsigned", srv.URL + "/fleetlab-objects/reports/r.jsonl", http.StatusForbidden, "signature"},
	} {
		b, status := httpGet(t, tc.url)
		if status != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s: GET %s = %d %s; want %d containing %q", tc.name, tc.url, status, b, tc.status, tc.body)
		}
	}
	if got := s.links.presign(req, "https://example.com/x", now); got != "https://example.com/x" {
		t.Errorf("presign of a non-s3 link = %s", got)
	}
}
