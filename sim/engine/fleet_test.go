package engine

import (
	"testing"
	"unsafe"
)

// An event reads one device record: a field more would make every record
// straddle two cache lines.
func TestDeviceRecordIsACacheLine(t *testing.T) {
	if size := unsafe.Sizeof(device{}); size != 64 {
		t.Errorf("a device record is %d bytes, want 64", size)
	}
}
