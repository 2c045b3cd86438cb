package bulkinput

import (
	"strconv"
	"strings"
)

// splitCSV splits one CSV record into fields the way encoding/csv does
// with its defaults (comma separator, no lazy quotes, spaces kept): a
// quoted field may hold commas, "" for a quote and newlines; a quote in an
// unquoted field, or text after a closing quote, is an error. complete is
// false when the record ends inside a quoted field and continues on the
// next line. fields reuses the given slice.
func splitCSV(record string, fields []string) (_ []string, complete bool, errMsg string) {
	fields = fields[:0]
	pos := 0
	for {
		if pos < len(record) && record[pos] == '"' {
			field, next, complete, errMsg := quotedField(record, pos+1)
			if !complete || errMsg != "" {
				return nil, complete, errMsg
			}
			fields = append(fields, field)
			pos = next
		} else {
			end := strings.IndexByte(record[pos:], ',')
			if end < 0 {
				end = len(record)
			} else {
				end += pos
			}
			field := record[pos:end]
			if i := strings.IndexByte(field, '"'); i >= 0 {
				return nil, true, columnMsg(pos+i, `bare " in a non-quoted field`)
			}
			fields = append(fields, field)
			pos = end
		}
		if pos == len(record) {
			return fields, true, ""
		}
		pos++ // the comma
	}
}

// quotedField reads a quoted field whose content starts at pos. It
// returns the unquoted text and the position after the closing quote.
func quotedField(record string, pos int) (field string, next int, complete bool, errMsg string) {
	var b strings.Builder
	start := pos
	for {
		i := strings.IndexByte(record[pos:], '"')
		if i < 0 {
			return "", 0, false, ""
		}
		i += pos
		if i+1 < len(record) && record[i+1] == '"' {
			b.WriteString(record[pos : i+1]) // keep one quote of ""
			pos = i + 2
			continue
		}
		if i+1 < len(record) && record[i+1] != ',' {
			return "", 0, true, columnMsg(i+1, `extraneous or missing " in a quoted field`)
		}
		if b.Len() == 0 {
			return record[start:i], i + 1, true, "" // the common case: no "" inside
		}
		b.WriteString(record[pos:i])
		return b.String(), i + 1, true, ""
	}
}

// columnMsg words a CSV syntax error at a byte offset of the record.
func columnMsg(offset int, msg string) string {
	return "column " + strconv.Itoa(offset+1) + ": " + msg
}
