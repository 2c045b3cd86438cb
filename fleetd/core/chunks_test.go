package core

import "testing"

func TestChunksHandsOutDistinctZeroValues(t *testing.T) {
	var c chunks[connectivity]
	seen := map[*connectivity]int{}
	for i := range 3 * maxChunk {
		p := c.new()
		if *p != (connectivity{}) {
			t.Fatalf("value %d is not zero: %+v", i, *p)
		}
		if j, dup := seen[p]; dup {
			t.Fatalf("value %d has the address of value %d", i, j)
		}
		seen[p] = i
		p.Version = int64(i) // written through the pointer, kept by the chunk
	}
	for p, i := range seen {
		if p.Version != int64(i) {
			t.Errorf("value %d reads Version %d: overwritten by a later value", i, p.Version)
		}
	}
}

func TestChunksGrowToMax(t *testing.T) {
	var c chunks[int]
	var caps []int
	for range 1000 {
		c.new()
		if len(c.cur) == 1 {
			caps = append(caps, cap(c.cur))
		}
	}
	want := []int{8, 16, 32, 64, 128, 256, 256, 256}
	if len(caps) != len(want) {
		t.Fatalf("chunk sizes %v; want %v", caps, want)
	}
	for i := range want {
		if caps[i] != want[i] {
			t.Fatalf("chunk sizes %v; want %v", caps, want)
		}
	}
}
