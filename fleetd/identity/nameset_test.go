package identity

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestNameSetAgainstSlice runs random inserts and removes on a nameSet and
// on a plain sorted slice, in byte-wise and reversed order, and checks
// after each that the set answers as the slice does and that it spills
// to a slice only while it holds two or more.
func TestNameSetAgainstSlice(t *testing.T) {
	orders := map[string]func(a, b string) int{
		"bytewise": strings.Compare,
		"reversed": func(a, b string) int { return strings.Compare(b, a) },
	}
	for name, cmp := range orders {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			word := func() string { return string("abcde"[rng.IntN(5)]) + string("xy"[rng.IntN(2)]) }
			for run := range 200 {
				var set nameSet
				var oracle []string
				for step := range rng.IntN(40) {
					v := word()
					i, present := slices.BinarySearchFunc(oracle, v, cmp)
					if rng.IntN(2) == 0 {
						if got := set.insert(v, cmp); got != !present {
							t.Fatalf("run %d step %d: insert(%q) = %t; want %t", run, step, v, got, !present)
						}
						if !present {
							oracle = slices.Insert(oracle, i, v)
						}
					} else {
						if got := set.remove(v, cmp); got != present {
							t.Fatalf("run %d step %d: remove(%q) = %t; want %t", run, step, v, got, present)
						}
						if present {
							oracle = slices.Delete(oracle, i, i+1)
						}
					}
					checkNameSet(t, set, oracle, cmp, word())
				}
			}
		})
	}
}

func checkNameSet(t *testing.T, set nameSet, want []string, cmp func(a, b string) int, probe string) {
	t.Helper()
	if got := set.len(); got != len(want) {
		t.Fatalf("len() = %d; want %d (%q)", got, len(want), want)
	}
	if got := set.slice(); !slices.Equal(got, want) || (got == nil) != (len(want) == 0) {
		t.Fatalf("slice() = %q; want %q", got, want)
	}
	if got := set.appendTo([]string{"head"}); !slices.Equal(got, append([]string{"head"}, want...)) {
		t.Fatalf("appendTo([head]) = %q; want head then %q", got, want)
	}
	if got := slices.Collect(set.all()); !slices.Equal(got, want) {
		t.Fatalf("all() = %q; want %q", got, want)
	}
	for i, v := range want {
		if got := set.at(i); got != v {
			t.Fatalf("at(%d) = %q; want %q", i, got, v)
		}
	}
	if got, want := set.contains(probe, cmp), slices.Contains(want, probe); got != want {
		t.Fatalf("contains(%q) = %t; want %t", probe, got, want)
	}
	if set.many != nil && len(set.many) < 2 {
		t.Fatalf("%d element(s) spilled to a slice: %q", len(set.many), set.many)
	}
}

// TestNameSetOf checks that nameSetOf takes a sorted list as it is.
func TestNameSetOf(t *testing.T) {
	for _, list := range [][]string{nil, {}, {"a"}, {"a", "b"}, {"a", "b", "c"}} {
		set := nameSetOf(list)
		checkNameSet(t, set, list, strings.Compare, "b")
	}
}

// TestNameSetReplaceAll checks that replaceAll puts f's strings in place,
// whether the set holds one element or spilled.
func TestNameSetReplaceAll(t *testing.T) {
	for _, list := range [][]string{nil, {"a"}, {"a", "b", "c"}} {
		set := nameSetOf(slices.Clone(list))
		set.replaceAll(func(v string) string { return v + "!" })
		var want []string
		for _, v := range list {
			want = append(want, v+"!")
		}
		checkNameSet(t, set, want, strings.Compare, "a!")
	}
}
