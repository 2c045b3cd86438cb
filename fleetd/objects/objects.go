package objects

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// MaxObjectBytes bounds an object read.
const MaxObjectBytes = 256 << 20

// Store reads and writes objects under a data directory.
type Store struct {
	Dir string // the daemon's data directory; objects live in Dir/s3
}

// Location is a bucket and key.
type Location struct {
	Bucket, Key string
	File        string // set instead for file:// locations
}

// Parse reads s3://bucket/key, the S3 HTTPS URL forms, or file:///path.
func Parse(uri string) (Location, error) {
	bad := func(why string) (Location, error) {
		return Location{}, awserr.New(awserr.InvalidRequest, "%q is not an S3 location (s3://bucket/key, an S3 https URL or file:///path): %s", uri, why)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return bad(err.Error())
	}
	var loc Location
	switch u.Scheme {
	case "s3":
		loc = Location{Bucket: u.Host, Key: strings.TrimPrefix(u.Path, "/")}
	case "https", "http":
		host := u.Host
		path := strings.TrimPrefix(u.Path, "/")
		switch {
		case strings.HasPrefix(host, "s3.") || strings.HasPrefix(host, "s3-") || host == "s3.amazonaws.com":
			b, k, _ := strings.Cut(path, "/")
			loc = Location{Bucket: b, Key: k}
		case strings.Contains(host, ".s3.") || strings.Contains(host, ".s3-"):
			loc = Location{Bucket: host[:strings.Index(host, ".s3")], Key: path}
		default:
			return bad("not an S3 host")
		}
	case "file":
		if u.Path == "" {
			return bad("no path")
		}
		return Location{File: u.Path}, nil
	default:
		return bad("unknown scheme")
	}
	if loc.Bucket == "" || loc.Key == "" {
		return bad("bucket and key are both required")
	}
	if loc.Bucket != filepath.Base(loc.Bucket) || loc.Bucket == ".." {
		return bad("invalid bucket")
	}
	for _, part := range strings.Split(loc.Key, "/") {
		if part == ".." {
			return bad("the key may not contain ..")
		}
	}
	return loc, nil
}

// Path is where a location lives on disk.
func (s Store) Path(loc Location) string {
	if loc.File != "" {
		return loc.File
	}
	return filepath.Join(s.Dir, "s3", loc.Bucket, filepath.FromSlash(loc.Key))
}

// Read returns an object's content.
func (s Store) Read(uri string) ([]byte, error) {
	loc, err := Parse(uri)
	if err != nil {
		return nil, err
	}
	p := s.Path(loc)
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, awserr.New(awserr.InvalidRequest, "The object %s does not exist (fleetd reads it from %s)", uri, p)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", uri, err)
	case st.IsDir():
		return nil, awserr.New(awserr.InvalidRequest, "The object %s is a directory (%s)", uri, p)
	case st.Size() > MaxObjectBytes:
		return nil, awserr.New(awserr.InvalidRequest, "The object %s is larger than %d bytes", uri, MaxObjectBytes)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", uri, err)
	}
	return b, nil
}

// Write stores an object, creating its bucket directory.
func (s Store) Write(bucket, key string, data []byte) (Location, error) {
	loc, err := Parse("s3://" + bucket + "/" + key)
	if err != nil {
		return Location{}, err
	}
	p := s.Path(loc)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return Location{}, fmt.Errorf("writing s3://%s/%s: %w", bucket, key, err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return Location{}, fmt.Errorf("writing s3://%s/%s: %w", bucket, key, err)
	}
	return loc, nil
}

// Append adds data to the end of an object, creating it and its bucket
// directory when needed.
func (s Store) Append(bucket, key string, data []byte) error {
	loc, err := Parse("s3://" + bucket + "/" + key)
	if err != nil {
		return err
	}
	p := s.Path(loc)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("appending to s3://%s/%s: %w", bucket, key, err)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("appending to s3://%s/%s: %w", bucket, key, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("appending to s3://%s/%s: %w", bucket, key, err)
	}
	return f.Close()
}
