// Package transcript runs golden transcript tests in the style of
// cockroachdb/datadriven: a file of cases, each a command line, optional
// input lines, a "----" separator and the expected output, ended by a blank
// line. Lines starting with # between cases are comments that narrate.
//
//	# A second create with the same name is idempotent.
//	create-thing name=foo
//	{"attributePayload":{"attributes":{"a":"1"}}}
//	----
//	{"thingName":"foo",…}
//
// The test function turns each case into output; a mismatch fails the
// test, and `go test -rewrite` writes the actual outputs back into the file
// so a change of behaviour is reviewed as a diff. Expected output may not
// contain blank lines (the runner replaces them with a lone ".").
package transcript
