package objects

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Location
		ok   bool
	}{
		{"s3://bucket/jobs/fw.json", Location{Bucket: "bucket", Key: "jobs/fw.json"}, true},
		{"https://bucket.s3.us-east-1.amazonaws.com/jobs/fw.json", Location{Bucket: "bucket", Key: "jobs/fw.json"}, true},
		{"https://s3.us-east-1.amazonaws.com/bucket/fw.json", Location{Bucket: "bucket", Key: "fw.json"}, true},
		{"https://s3.amazonaws.com/bucket/fw.json", Location{Bucket: "bucket", Key: "fw.json"}, true},
		{"file:///tmp/fw.json", Location{File: "/tmp/fw.json"}, true},
		{"s3://bucket/../../etc/passwd", Location{}, false},
		{"s3://bucket", Location{}, false},
		{"s3:///key", Location{}, false},
		{"https://example.com/fw.json", Location{}, false},
		{"ftp://bucket/key", Location{}, false},
		{"%zz", Location{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !awserr.Is(err, awserr.InvalidRequest) {
			t.Errorf("Parse(%q) error %v is not an InvalidRequestException", tt.in, err)
		}
	}
}

func TestReadWrite(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	if _, err := s.Write("b", "dir/doc.json", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read("s3://b/dir/doc.json")
	if err != nil || string(got) != `{"a":1}` {
		t.Fatalf("Read = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "s3", "b", "dir", "doc.json")); err != nil {
		t.Errorf("object not at <dir>/s3/bucket/key: %v", err)
	}
	if _, err := s.Read("s3://b/missing.json"); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("Read(missing) = %v; want InvalidRequestException", err)
	}
	if _, err := s.Read("s3://b/dir"); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("Read(directory) = %v; want InvalidRequestException", err)
	}
}
