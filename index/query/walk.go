package query

// walk calls f for n and every node below it, in query order.
func walk(n Node, f func(Node)) {
	f(n)
	switch n := n.(type) {
	case *Or:
		for _, c := range n.Clauses {
			walk(c, f)
		}
	case *And:
		for _, c := range n.Clauses {
			walk(c, f)
		}
	case *Not:
		walk(n.X, f)
	}
}

// CountTerms returns the number of leaves in n (Term, Wildcard, Range,
// Exists and MatchAll), which is what the MaxTerms limit counts.
func CountTerms(n Node) int {
	c := 0
	walk(n, func(n Node) {
		switch n.(type) {
		case *Term, *Wildcard, *Range, *Exists, *MatchAll:
			c++
		}
	})
	return c
}

// Fields returns the distinct field names n uses, in order of first
// appearance. Bare terms (Field "") search every field and add nothing.
func Fields(n Node) []string {
	var fields []string
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			fields = append(fields, f)
		}
	}
	walk(n, func(n Node) {
		switch n := n.(type) {
		case *Term:
			add(n.Field)
		case *Wildcard:
			add(n.Field)
		case *Range:
			add(n.Field)
		case *Exists:
			add(n.Field)
		}
	})
	return fields
}

// HasBareTerm reports whether n has a bare term or wildcard (Field ""),
// which searches every field.
func HasBareTerm(n Node) bool {
	bare := false
	walk(n, func(n Node) {
		switch n := n.(type) {
		case *Term:
			bare = bare || n.Field == ""
		case *Wildcard:
			bare = bare || n.Field == ""
		}
	})
	return bare
}
