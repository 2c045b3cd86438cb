// Package objects is fleetd's stand-in for the S3 objects AWS IoT reads
// and writes: job documents (documentSource), bulk-registration input and
// reports. DECISIONS.md maps s3://bucket/key to <data dir>/s3/bucket/key
// on the daemon's machine; the S3 HTTPS forms AWS users paste
// (https://bucket.s3.region.amazonaws.com/key,
// https://s3.region.amazonaws.com/bucket/key) map to the same place, and
// file:// paths are read as they are.
//
// Every failure is an *awserr.Error the adapter can return to the client:
// a missing object, a malformed location, a key that tries to leave the
// bucket with "..". Objects are read whole; the largest AWS allows here (a
// 32 KB job document, a bulk input file) fits in memory, and Read refuses
// anything over MaxObjectBytes.
package objects
