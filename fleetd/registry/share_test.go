package registry

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestShareTableReturnsEqualValues feeds a share table random strings and
// lists from small pools, each built afresh, and checks that every answer
// equals its argument (sharing must never change a value) and that values
// do get shared.
func TestShareTableReturnsEqualValues(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var tab shareTable
	var sharedStrs, sharedLists int
	for range 20000 {
		s := strings.Clone(fmt.Sprintf("v%d", r.IntN(300)))
		if got := tab.str(s); got != s {
			t.Fatalf("str(%q) = %q", s, got)
		} else if unsafe.StringData(got) != unsafe.StringData(s) {
			sharedStrs++
		}
		var l []string
		for j := range r.IntN(4) {
			l = append(l, fmt.Sprintf("g%d", j+r.IntN(3)))
		}
		slices.Sort(l)
		l = slices.Compact(l)
		if got := tab.names(l); !slices.Equal(got, l) {
			t.Fatalf("names(%q) = %q", l, got)
		} else if len(l) > 0 && &got[0] != &l[0] {
			sharedLists++
		}
	}
	if sharedStrs < 10000 || sharedLists < 10000 {
		t.Errorf("shared %d strings and %d lists of 20000; want most of them", sharedStrs, sharedLists)
	}
}

func TestShareTableShares(t *testing.T) {
	var tab shareTable
	first := strings.Clone("us-east-1")
	tab.str(first)
	if got := tab.str(strings.Clone("us-east-1")); unsafe.StringData(got) != unsafe.StringData(first) {
		t.Error("str: an equal string seen just before is not shared")
	}
	long := strings.Repeat("x", maxSharedLen+1)
	tab.str(long)
	if got := tab.str(strings.Clone(long)); unsafe.StringData(got) == unsafe.StringData(long) {
		t.Errorf("str: a %d-byte string is shared; the limit is %d", len(long), maxSharedLen)
	}
	l := []string{"a", "b"}
	tab.names(l)
	if got := tab.names([]string{"a", "b"}); &got[0] != &l[0] {
		t.Error("names: an equal list seen just before is not shared")
	}
	if got := tab.names([]string{"a", "bc"}); len(got) != 2 || got[1] != "bc" {
		t.Errorf("names([a bc]) = %q", got)
	}
	if got := tab.names([]string{}); got != nil {
		t.Errorf("names([]) = %#v; want nil", got)
	}
}

func TestWithNameAndWithoutName(t *testing.T) {
	tests := []struct {
		in      []string
		name    string
		with    []string
		without []string
	}{
		{nil, "a", []string{"a"}, nil},
		{[]string{"b"}, "a", []string{"a", "b"}, []string{"b"}},
		{[]string{"a"}, "a", []string{"a"}, nil},
		{[]string{"a", "c"}, "b", []string{"a", "b", "c"}, []string{"a", "c"}},
		{[]string{"a", "b", "c"}, "b", []string{"a", "b", "c"}, []string{"a", "c"}},
		{[]string{"a", "b"}, "c", []string{"a", "b", "c"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		in := slices.Clip(slices.Clone(tt.in))
		if cap(in) > len(in) {
			t.Fatal("test slice has spare capacity")
		}
		in = append(in, "z")[:len(tt.in)] // spare capacity the functions must not write into
		if got := withName(in, tt.name); !slices.Equal(got, tt.with) {
			t.Errorf("withName(%q, %q) = %q; want %q", tt.in, tt.name, got, tt.with)
		}
		removedLast := len(tt.in) == 1 && tt.in[0] == tt.name
		if got := withoutName(in, tt.name); !slices.Equal(got, tt.without) || (removedLast && got != nil) {
			t.Errorf("withoutName(%q, %q) = %#v; want %#v", tt.in, tt.name, got, tt.without)
		}
		if !slices.Equal(in, tt.in) || in[:cap(in)][len(in)] != "z" {
			t.Errorf("withName/withoutName(%q, %q) modified their argument: %q", tt.in, tt.name, in[:cap(in)])
		}
	}
}
