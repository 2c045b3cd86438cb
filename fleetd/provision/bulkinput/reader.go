package bulkinput

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
)

// DefaultMaxLineBytes bounds a line (a CSV record spanning lines counts
// as one) when Options.MaxLineBytes is zero.
const DefaultMaxLineBytes = 64 << 10

// ErrorCodeInvalidInput is the errorCode of every per-line error.
const ErrorCodeInvalidInput = "InvalidInput"

// Format is the detected input format.
type Format int

const (
	// FormatUnknown: no non-blank line read yet.
	FormatUnknown Format = iota
	// FormatJSONLines: one JSON object per line, as AWS takes it.
	FormatJSONLines
	// FormatCSV: a header row of parameter names, then one row per thing.
	FormatCSV
)

func (f Format) String() string {
	switch f {
	case FormatJSONLines:
		return "JSON lines"
	case FormatCSV:
		return "CSV"
	}
	return "unknown"
}

// Options tune a Reader.
type Options struct {
	// MaxLineBytes is the longest line accepted, without its line ending;
	// zero means DefaultMaxLineBytes.
	MaxLineBytes int
}

// Record is one thing to register: its line and parameters, or why the
// line cannot be used.
type Record struct {
	Line       int               // 1-based line of the input where the record starts
	Parameters map[string]string // nil when Err is set
	Err        *LineError
}

// LineError is a per-line failure, reported in the task's ERRORS file.
type LineError struct {
	Code    string // ErrorCodeInvalidInput
	Message string
}

func (e *LineError) Error() string { return e.Code + ": " + e.Message }

func lineError(format string, args ...any) *LineError {
	return &LineError{Code: ErrorCodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}

// Reader streams the records of a bulk registration input file.
type Reader struct {
	lines  *lineReader
	max    int
	format Format
	err    error // sticky read error

	// CSV state.
	header     []string
	headerLine int
	headerErr  *LineError // the header is unusable; every row fails
	fields     []string   // reused between records
}

// NewReader returns a Reader over r. It reads lazily; r is never closed.
func NewReader(r io.Reader, opts Options) *Reader {
	max := opts.MaxLineBytes
	if max <= 0 {
		max = DefaultMaxLineBytes
	}
	return &Reader{lines: newLineReader(r, max), max: max}
}

// Format returns the format detected from the first non-blank line, or
// FormatUnknown before it.
func (r *Reader) Format() Format { return r.format }

// Next returns the next record, io.EOF after the last one, or a wrapped
// error of the underlying reader (after which it keeps returning it). A
// bad line is a Record with Err set, never an error of Next.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
	}
	return rec, err
}

// All iterates over the records; a read error is the last pair.
func (r *Reader) All() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// nextLine returns the next physical line and its number.
func (r *Reader) nextLine() (text []byte, line int, tooLong bool, err error) {
	text, tooLong, err = r.lines.next()
	return text, r.lines.line, tooLong, err
}

func (r *Reader) next() (Record, error) {
	for {
		text, line, tooLong, err := r.nextLine()
		if err != nil {
			return Record{}, err
		}
		if tooLong {
			return Record{Line: line, Err: lineError("line is longer than %d bytes", r.max)}, nil
		}
		if isBlank(text) {
			continue
		}
		if r.format == FormatUnknown {
			if bytes.TrimLeft(text, " \t")[0] == '{' {
				r.format = FormatJSONLines
			} else {
				r.format = FormatCSV
				if err := r.readHeader(text, line); err != nil {
					return Record{}, err
				}
				if r.headerErr != nil {
					return Record{Line: line, Err: r.headerErr}, nil
				}
				continue
			}
		}
		if r.format == FormatJSONLines {
			params, err := parseJSONLine(text)
			if err != nil {
				return Record{Line: line, Err: lineError("%v", err)}, nil
			}
			return Record{Line: line, Parameters: params}, nil
		}
		return r.csvRecord(text, line)
	}
}

// csvFields reads a whole CSV record starting with text, reading
// further lines while a quoted field is open.
func (r *Reader) csvFields(text []byte) ([]string, *LineError, error) {
	record := string(text)
	for {
		fields, complete, msg := splitCSV(record, r.fields)
		if msg != "" {
			return nil, lineError("%s", msg), nil
		}
		if complete {
			r.fields = fields
			return fields, nil, nil
		}
		more, _, tooLong, err := r.nextLine()
		if errors.Is(err, io.EOF) {
			return nil, lineError("quoted field not closed before the end of the input"), nil
		}
		if err != nil {
			return nil, nil, err
		}
		if tooLong || len(record)+1+len(more) > r.max {
			return nil, lineError("record is longer than %d bytes", r.max), nil
		}
		record += "\n" + string(more)
	}
}

// readHeader reads the CSV header; a bad header sets headerErr.
func (r *Reader) readHeader(text []byte, line int) error {
	r.headerLine = line
	fields, lerr, err := r.csvFields(text)
	if err != nil {
		return err
	}
	if lerr != nil {
		r.headerErr = lineError("CSV header: %s", lerr.Message)
		return nil
	}
	seen := make(map[string]bool, len(fields))
	for i, name := range fields {
		switch {
		case name == "":
			r.headerErr = lineError("CSV header: column %d has no name", i+1)
			return nil
		case seen[name]:
			r.headerErr = lineError("CSV header: duplicate column %q", name)
			return nil
		}
		seen[name] = true
	}
	r.header = append([]string(nil), fields...)
	return nil
}

func (r *Reader) csvRecord(text []byte, line int) (Record, error) {
	fields, lerr, err := r.csvFields(text)
	if err != nil {
		return Record{}, err
	}
	switch {
	case r.headerErr != nil:
		return Record{Line: line, Err: lineError("no usable CSV header (line %d is invalid)", r.headerLine)}, nil
	case lerr != nil:
		return Record{Line: line, Err: lerr}, nil
	case len(fields) != len(r.header):
		return Record{Line: line, Err: lineError("%d fields, the header on line %d has %d", len(fields), r.headerLine, len(r.header))}, nil
	}
	params := make(map[string]string, len(fields))
	for i, v := range fields {
		if v != "" { // an empty cell lets the template's Default apply
			params[r.header[i]] = v
		}
	}
	return Record{Line: line, Parameters: params}, nil
}
