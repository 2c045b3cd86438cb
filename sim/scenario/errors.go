package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a scenario, at a position in a file: the scenario
// itself or a template or job file it names. Line and Col are 1-based (Col
// counts characters); both are 0 for a problem with a whole file, such as
// one that cannot be read; Col is 0 for a YAML syntax error, which the YAML
// library reports by line only.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

// Error returns "file:line:col: msg", or "file:line: msg" when only the
// line is known, or "file: msg" without a position.
func (e Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Pos is where something was written; compiled values keep it so that the
// simulator and the report can point back at the scenario.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// ErrorList is the error Load and Parse return for an invalid scenario: every
// problem found, in file order (the scenario first, then the files it names
// in the order it names them), and the warnings found on the way. Match it
// with errors.As.
type ErrorList struct {
	Errors   []Error
	Warnings []Error
}

// Error prints one error per line.
func (l *ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// collector gathers the errors and warnings of one Parse across the files
// it reads, remembering the order in which files were first named.
type collector struct {
	errs, warns []Error
	files       []string
}

func (c *collector) fileRank(f string) int {
	if i := slices.Index(c.files, f); i >= 0 {
		return i
	}
	c.files = append(c.files, f)
	return len(c.files) - 1
}

func (c *collector) add(warn bool, e Error) {
	c.fileRank(e.File)
	if warn {
		c.warns = append(c.warns, e)
	} else {
		c.errs = append(c.errs, e)
	}
}

// sorted returns list ordered by file rank, line and column (stable, so
// messages at one position keep the order they were found in), without
// exact duplicates.
func (c *collector) sorted(list []Error) []Error {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b Error) int {
		return cmp.Or(cmp.Compare(c.fileRank(a.File), c.fileRank(b.File)), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.Compact(out)
}
