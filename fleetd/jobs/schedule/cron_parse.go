package schedule

import (
	"fmt"
	"strconv"
	"strings"
)

// CronError is a syntax error in a cron expression. Column is 1-based
// within the whole expression, "cron(" included; Field is 1..6, or 0 for an
// error in the expression's frame (the "cron(" wrapper, the field count).
type CronError struct {
	Expr   string
	Column int
	Field  int
	Msg    string
}

func (e *CronError) Error() string {
	if e.Field == 0 {
		return fmt.Sprintf("column %d: %s", e.Column, e.Msg)
	}
	return fmt.Sprintf("column %d: cron field %d (%s): %s", e.Column, e.Field, cronFields[e.Field-1].name, e.Msg)
}

// fieldKind indexes cronFields in expression order.
type fieldKind int

const (
	fieldMinute fieldKind = iota
	fieldHour
	fieldDayOfMonth
	fieldMonth
	fieldDayOfWeek
	fieldYear
)

// cronField describes one of the six fields: its name in errors, its range
// and, for month and day-of-week, the three-letter names of lo, lo+1, ….
type cronField struct {
	name   string
	lo, hi int
	names  []string
}

var cronFields = [6]cronField{
	{name: "minutes", lo: 0, hi: 59},
	{name: "hours", lo: 0, hi: 23},
	{name: "day-of-month", lo: 1, hi: 31},
	{name: "month", lo: 1, hi: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", lo: 1, hi: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
	{name: "year", lo: MinCronYear, hi: MaxCronYear},
}

// ParseCron parses an AWS cron expression, cron(Minutes Hours
// Day-of-month Month Day-of-week Year), as maintenanceWindows[].startTime
// carries it. See the package documentation for the syntax.
func ParseCron(expr string) (*Cron, error) {
	const open = "cron("
	if !strings.HasPrefix(expr, open) {
		return nil, &CronError{Expr: expr, Column: 1, Msg: `expected "cron(" at the start`}
	}
	if !strings.HasSuffix(expr, ")") || len(expr) == len(open) {
		return nil, &CronError{Expr: expr, Column: len(expr) + 1, Msg: `expected ")" at the end`}
	}
	body := expr[len(open) : len(expr)-1]
	type token struct {
		text string
		col  int
	}
	var tokens []token
	for i := 0; i < len(body); {
		if body[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(body) && body[j] != ' ' {
			j++
		}
		tokens = append(tokens, token{body[i:j], len(open) + i + 1})
		i = j
	}
	if len(tokens) != 6 {
		return nil, &CronError{Expr: expr, Column: len(open) + 1,
			Msg: fmt.Sprintf("expected 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(tokens))}
	}
	c := &Cron{}
	texts := make([]string, 6)
	for k, tok := range tokens {
		p := fieldParser{expr: expr, kind: fieldKind(k), col: tok.col}
		if err := p.parse(tok.text, c); err != nil {
			return nil, err
		}
		texts[k] = tok.text
	}
	if c.dom.any == c.dow.any {
		col := tokens[fieldDayOfWeek].col
		msg := `exactly one of day-of-month and day-of-week must be "?"`
		if c.dom.any {
			msg = `day-of-month and day-of-week cannot both be "?"`
		}
		return nil, &CronError{Expr: expr, Column: col, Field: int(fieldDayOfWeek) + 1, Msg: msg}
	}
	c.text = open + strings.Join(texts, " ") + ")"
	return c, nil
}

// fieldParser parses one field into a Cron; col is the field's column.
type fieldParser struct {
	expr string
	kind fieldKind
	col  int
}

func (p *fieldParser) errorf(offset int, format string, args ...any) error {
	return &CronError{Expr: p.expr, Column: p.col + offset, Field: int(p.kind) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *fieldParser) parse(text string, c *Cron) error {
	if text == "?" {
		switch p.kind {
		case fieldDayOfMonth:
			c.dom.any = true
			return nil
		case fieldDayOfWeek:
			c.dow.any = true
			return nil
		}
		return p.errorf(0, `"?" is allowed only in day-of-month and day-of-week`)
	}
	offset := 0
	for item := range strings.SplitSeq(text, ",") {
		if err := p.item(item, offset, c); err != nil {
			return err
		}
		offset += len(item) + 1
	}
	return nil
}

// item parses one comma-separated element at offset within the field.
func (p *fieldParser) item(item string, offset int, c *Cron) error {
	f := cronFields[p.kind]
	if item == "" {
		return p.errorf(offset, "empty list element")
	}
	if strings.Contains(item, "?") {
		return p.errorf(offset+strings.Index(item, "?"), `"?" must be the whole field`)
	}
	if done, err := p.special(item, offset, c); done || err != nil {
		return err
	}
	rangePart, stepPart, hasStep := strings.Cut(item, "/")
	lo, hi := f.lo, f.hi
	if rangePart != "*" {
		a, b, isRange := strings.Cut(rangePart, "-")
		var err error
		if lo, err = p.value(a, offset); err != nil {
			return err
		}
		hi = lo
		if isRange {
			if hi, err = p.value(b, offset+len(a)+1); err != nil {
				return err
			}
			if hi < lo {
				return p.errorf(offset, "range %s runs backwards", rangePart)
			}
		} else if hasStep {
			hi = f.hi // a/n is a..max every n, as in EventBridge
		}
	}
	step := 1
	if hasStep {
		stepOffset := offset + len(rangePart) + 1
		n, err := strconv.Atoi(stepPart)
		if err != nil || !isDigits(stepPart) {
			return p.errorf(stepOffset, "step %q is not a number", stepPart)
		}
		if n < 1 {
			return p.errorf(stepOffset, "step must be at least 1, got %d", n)
		}
		step = n
	}
	for v := lo; v <= hi; v += step {
		p.add(c, v)
	}
	return nil
}

// add puts value v of the field into c.
func (p *fieldParser) add(c *Cron, v int) {
	switch p.kind {
	case fieldMinute:
		c.minute.add(v)
	case fieldHour:
		c.hour.add(v)
	case fieldDayOfMonth:
		c.dom.days |= 1 << (v - 1)
	case fieldMonth:
		c.month.add(v - 1)
	case fieldDayOfWeek:
		c.dow.days |= 1 << (v - 1)
	case fieldYear:
		c.year.add(v - MinCronYear)
	}
}

// special parses the L, W and # forms of day-of-month and day-of-week. It
// reports done when item was one of them.
func (p *fieldParser) special(item string, offset int, c *Cron) (done bool, err error) {
	switch p.kind {
	case fieldDayOfMonth:
		switch {
		case strings.EqualFold(item, "L"):
			c.dom.last = true
			return true, nil
		case strings.EqualFold(item, "LW"):
			c.dom.lastWeekday = true
			return true, nil
		case len(item) > 1 && (item[len(item)-1] == 'W' || item[len(item)-1] == 'w'):
			d, err := p.value(item[:len(item)-1], offset)
			if err != nil {
				return true, err
			}
			c.dom.nearest |= 1 << (d - 1)
			return true, nil
		}
	case fieldDayOfWeek:
		switch {
		case strings.EqualFold(item, "L"):
			c.dow.days |= 1 << 6 // L alone is the week's last day, SAT
			return true, nil
		case len(item) > 1 && (item[len(item)-1] == 'L' || item[len(item)-1] == 'l'):
			x, err := p.value(item[:len(item)-1], offset)
			if err != nil {
				return true, err
			}
			c.dow.last |= 1 << (x - 1)
			return true, nil
		case strings.Contains(item, "#"):
			a, b, _ := strings.Cut(item, "#")
			x, err := p.value(a, offset)
			if err != nil {
				return true, err
			}
			k, err := strconv.Atoi(b)
			if err != nil || !isDigits(b) {
				return true, p.errorf(offset+len(a)+1, "%q after # is not a number", b)
			}
			if k < 1 || k > 5 {
				return true, p.errorf(offset+len(a)+1, "week number %d after # is out of range 1..5", k)
			}
			c.dow.nth[k-1] |= 1 << (x - 1)
			return true, nil
		}
	}
	return false, nil
}

// value parses a number or, for month and day-of-week, a three-letter
// name, and checks the field's range.
func (p *fieldParser) value(s string, offset int) (int, error) {
	f := cronFields[p.kind]
	if s == "" {
		return 0, p.errorf(offset, "missing value")
	}
	if isDigits(s) {
		v, err := strconv.Atoi(s)
		if err != nil || v < f.lo || v > f.hi {
			return 0, p.errorf(offset, "%s is out of range %d..%d", s, f.lo, f.hi)
		}
		return v, nil
	}
	for i, name := range f.names {
		if strings.EqualFold(s, name) {
			return f.lo + i, nil
		}
	}
	if f.names != nil {
		return 0, p.errorf(offset, "%q is neither a number nor one of %s-%s", s, f.names[0], f.names[len(f.names)-1])
	}
	return 0, p.errorf(offset, "unexpected %q", s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
