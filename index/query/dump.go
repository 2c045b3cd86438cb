package query

import (
	"fmt"
	"strings"
)

// Dump prints n as an indented tree, one node per line with its byte
// position, for tests and debugging:
//
//	And@0
//	  Term@0 field="attributes.a" value="b"
//	  Range@19 field="attributes.c" lower="1" (inclusive) upper=open
//
// Unlike String it shows what the printer normalises away: positions,
// and which values were quoted.
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n, 0)
	return b.String()
}

func dump(b *strings.Builder, n Node, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	switch n := n.(type) {
	case *Or:
		fmt.Fprintf(b, "Or@%d\n", n.At)
		for _, c := range n.Clauses {
			dump(b, c, depth+1)
		}
	case *And:
		fmt.Fprintf(b, "And@%d\n", n.At)
		for _, c := range n.Clauses {
			dump(b, c, depth+1)
		}
	case *Not:
		fmt.Fprintf(b, "Not@%d\n", n.At)
		dump(b, n.X, depth+1)
	case *MatchAll:
		fmt.Fprintf(b, "MatchAll@%d\n", n.At)
	case *Exists:
		fmt.Fprintf(b, "Exists@%d field=%q\n", n.At, n.Field)
	case *Term:
		fmt.Fprintf(b, "Term@%d field=%q value=%q%s\n", n.At, n.Field, n.Value, quotedNote(n.Quoted))
	case *Wildcard:
		fmt.Fprintf(b, "Wildcard@%d field=%q pattern=%q\n", n.At, n.Field, n.Pattern)
	case *Range:
		fmt.Fprintf(b, "Range@%d field=%q lower=%s upper=%s\n", n.At, n.Field,
			dumpBound(n.Lower, n.IncludeLower), dumpBound(n.Upper, n.IncludeUpper))
	case nil:
		b.WriteString("<nil>\n")
	default:
		fmt.Fprintf(b, "%T\n", n)
	}
}

func quotedNote(q bool) string {
	if q {
		return " quoted"
	}
	return ""
}

func dumpBound(bd *Bound, incl bool) string {
	if bd == nil {
		if incl {
			return "open (inclusive!)" // not produced by Parse; flag it
		}
		return "open"
	}
	kind := "exclusive"
	if incl {
		kind = "inclusive"
	}
	if bd.Quoted {
		kind += ", quoted"
	}
	return fmt.Sprintf("%q (%s)", bd.Value, kind)
}
