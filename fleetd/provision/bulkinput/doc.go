// Package bulkinput reads the input file of a bulk registration
// (StartThingRegistrationTask): one set of template parameters per thing.
// It is pure: it reads the io.Reader it is given and nothing else, starts
// no goroutines and keeps no global state.
//
// # What it owns
//
// The two input formats and their per-line errors:
//
//   - JSON lines, as AWS takes them: one object per line, e.g.
//     {"ThingName": "foo", "SerialNumber": "123", "CSR": "csr1"}.
//     String values are parameters as they are; numbers and booleans
//     become their literal text (12 → "12", 1.5e3 → "1.5e3", true →
//     "true"); null, objects and arrays, duplicate keys, and anything
//     after the object make the line an error.
//   - CSV with a header row (a FleetLab extension): the header names the
//     parameters, each later row gives one thing. Fields follow
//     encoding/csv: commas, "" and line breaks inside quoted fields, no
//     quote inside an unquoted field, spaces kept. A row with more or
//     fewer fields than the header is an error. An empty cell is left out
//     of the parameters, so that the template's Default applies.
//
// The format is chosen by the first non-blank line: JSON lines when it
// starts with '{' (after spaces), else CSV with that line as the header.
// A header with an empty or repeated name is an error on its line and
// every row after it fails with "no usable CSV header".
//
// # Invariants
//
//   - Record.Line is the 1-based line of the file where the record starts
//     (a CSV record whose quoted field spans lines takes its first line);
//     lines strictly increase from record to record.
//   - A bad line never stops the others: it is a Record with Err set
//     (Code ErrorCodeInvalidInput and a message naming the column where
//     it helps). Next returns an error only when the io.Reader fails, and
//     then keeps returning it.
//   - Blank lines (spaces and tabs only) are skipped; "\r\n" and "\n" both
//     end lines; a UTF-8 byte-order mark at the start is ignored.
//   - Memory is bounded by Options.MaxLineBytes (DefaultMaxLineBytes,
//     64 KiB): a longer line, or a CSV record longer in total, is an error
//     for that line and its bytes are skipped, not buffered.
//
// # How to use it
//
//	r := bulkinput.NewReader(file, bulkinput.Options{})
//	for rec, err := range r.All() {
//		if err != nil {
//			// the task fails: the input could not be read
//		}
//		if rec.Err != nil {
//			// ERRORS report: rec.Line, rec.Err.Code, rec.Err.Message
//			continue
//		}
//		res, err := tmpl.Evaluate(rec.Parameters) // fleetd/provision/template
//		...
//	}
//
// The caller owns the task: evaluating the template per record, turning
// evaluation failures into ERRORS lines with the record's line number, and
// writing the RESULTS and ERRORS reports.
package bulkinput
