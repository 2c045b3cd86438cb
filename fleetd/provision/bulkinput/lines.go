package bulkinput

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// utf8BOM is skipped at the start of the input; spreadsheet programs
// write it in front of CSV exports.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// lineReader yields the physical lines of the input without their "\n" or
// "\r\n", numbered from 1. A line longer than max is reported as too long
// and its bytes are dropped, so memory stays bounded by max.
type lineReader struct {
	br      *bufio.Reader
	max     int
	line    int    // number of the last line returned
	scratch []byte // holds a line that spans several bufio buffers
	started bool
	done    bool
}

func newLineReader(r io.Reader, max int) *lineReader {
	size := max + 2 // the line, "\r\n"
	if size > 64<<10 {
		size = 64 << 10
	}
	return &lineReader{br: bufio.NewReaderSize(r, size), max: max}
}

// next returns the next line; it is valid until the following call. It
// returns io.EOF after the last line and any other error from the
// underlying reader wrapped.
func (lr *lineReader) next() (text []byte, tooLong bool, err error) {
	if lr.done {
		return nil, false, io.EOF
	}
	lr.scratch = lr.scratch[:0]
	spanning := false // the line is in scratch, not in the bufio buffer
	var size int
	for {
		chunk, err := lr.br.ReadSlice('\n')
		size += len(chunk)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !tooLong {
				if size > lr.max+2 {
					tooLong, lr.scratch = true, lr.scratch[:0]
				} else {
					lr.scratch = append(lr.scratch, chunk...)
				}
			}
			spanning = true
			continue
		case errors.Is(err, io.EOF):
			lr.done = true
			if size == 0 {
				return nil, false, io.EOF
			}
		case err != nil:
			lr.done = true
			return nil, false, fmt.Errorf("reading bulk input after line %d: %w", lr.line, err)
		}
		lr.line++
		if !tooLong {
			if spanning {
				lr.scratch = append(lr.scratch, chunk...)
				text = lr.scratch
			} else {
				text = chunk
			}
		}
		break
	}
	text = bytes.TrimSuffix(text, []byte("\n"))
	text = bytes.TrimSuffix(text, []byte("\r"))
	if !lr.started {
		lr.started = true
		text = bytes.TrimPrefix(text, utf8BOM)
	}
	if len(text) > lr.max {
		tooLong, text = true, nil
	}
	return text, tooLong, nil
}

// isBlank reports whether a line holds only spaces and tabs.
func isBlank(line []byte) bool {
	for _, b := range line {
		if b != ' ' && b != '\t' {
			return false
		}
	}
	return true
}
