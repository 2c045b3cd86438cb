// Package query is the AWS IoT fleet-indexing query language (query version
// 2017-09-30): a hand-written lexer and recursive-descent parser producing an
// AST with positions, a printer whose output parses back to the same AST, and
// the small matching helpers (Fold, Wildcard.Match) that every evaluator must
// share so that they agree.
//
// It knows nothing of the index that evaluates the AST.
//
// # Use
//
//	n, err := query.Parse(`thingName:tv* AND attributes.size >= 40`)
//	if err != nil {
//		var qe *query.Error // always an *Error: "1:17: unexpected AND, expected a term"
//		errors.As(err, &qe)
//		return qe.Code(), qe.Error() // "InvalidQueryException", ...
//	}
//	fmt.Println(query.String(n)) // thingName:tv* AND attributes.size:[40 TO *]
//
// Parse applies AWS's limits; ParseWithLimits takes others (a zero field is
// no limit). The AST is plain data: evaluators switch on the node types of
// ast.go. Dump prints a tree with positions for tests and debugging.
//
// # Grammar
//
//	query    := or
//	or       := and ( "OR" and )*
//	and      := unary ( [ "AND" ] unary )*          juxtaposition is AND
//	unary    := ( "NOT" | "-" ) unary | primary
//	primary  := "(" query ")"
//	          | field ":" "(" query ")"              field group
//	          | field ":" value | field ":" range
//	          | field ( "<" | "<=" | ">" | ">=" ) value
//	          | value                                bare value, any field
//	          | "*"                                  every thing
//	range    := ( "[" | "{" ) bound WS "TO" WS bound ( "]" | "}" )
//	value    := word | "quoted phrase"
//
// Precedence is NOT > AND > OR, so "a NOT b" is a AND NOT b and
// "a OR b c" is a OR (b AND c). The keywords AND, OR, NOT and TO are
// upper-case only; "and" is a term. A chain "a AND b AND c" is one And with
// three clauses (likewise Or); a parenthesised "(b AND c)" inside an And
// stays a nested And. Parentheses produce no node.
//
// Fields are dotted paths (attributes.x, shadow.reported.a.b,
// shadow.name.my$shadow.desired.x), case-sensitive, made of any characters
// but whitespace and : ( ) [ ] { } " \ < > = * ?. The ':' must follow the
// field at once, and the value must follow the ':' at once; spaces are
// allowed around comparison operators.
//
// After "field:", a value runs to the next unescaped whitespace or
// parenthesis, so it may contain ':' '-' '.' (thingName:a:b,
// attributes.region:us-east-1, attributes.temp:-5). A bare value also ends
// at ':' '<' '>' and '=', which are errors unless a field name precedes
// them: "a*:b" and "a=b" are reported rather than searched for, and must
// be written a\*\:b and a\=b if meant. A backslash escapes any character;
// Term.Value holds the unescaped text. Within a "quoted phrase" only \" and
// \\ are escapes, other backslashes are literal; a phrase is always a Term,
// never a wildcard, and (outside a range) must be followed by whitespace,
// ')' or the end.
//
// Words become nodes as follows:
//   - f:* is Exists; a bare * is MatchAll; inside f:( ... ), * is Exists.
//   - A word with an unescaped * (any run) or ? (one character) is a
//     Wildcard. Its Pattern keeps the backslashes of literal \* \? \\ only.
//   - Anything else is a Term. The words AND, OR, NOT cannot be values
//     unless escaped (\AND) or quoted.
//   - A leading '-' is NOT, except right after "field:": -5 is NOT 5 but
//     attributes.temp:-5 is the value -5. Write \-5 for a bare -5.
//
// In a field group f:(a OR b*) every value takes the field f; values may be
// words, phrases, ranges and nested groups, combined with the operators.
// A field inside a group is an error.
//
// Ranges: [ and ] include their bound, { and } exclude it, and they mix
// ({75 TO 80]). A bound is a word or a phrase, taken literally (no
// wildcards); * is an open end, represented by a nil *Bound whose Include
// flag is always false. f:[* TO *] stays a Range with two open ends, which
// evaluators treat as Exists. Comparisons desugar to ranges: f<v is
// f:{* TO v}, f<=v is f:[* TO v], f>v is f:{v TO *}, f>=v is f:[v TO *].
//
// Whitespace is Java's Character.isWhitespace, as on AWS: a no-break space
// is part of a word.
//
// # Typing and matching (for evaluators)
//
// The parser does not type values; it records them as written. Evaluators
// follow these rules:
//   - A value is a number when ParseNumber accepts it (a JSON number
//     literal: "00123" and "1." are strings). Registry attributes, which are
//     strings, count as numbers when they parse as one. Quoting changes
//     tokenisation only: f:"5" and f:5 are the same number.
//   - A Term matches numerically when both sides are numbers, otherwise it
//     compares Fold of both sides. Booleans are the words true and false.
//   - A Range is numeric when every present bound and the value are
//     numbers, otherwise lexicographic on folded strings; so
//     firmware < "2.1.0" is a string comparison, where "10.0.0" is smaller,
//     exactly as on AWS.
//   - A Wildcard matches strings only, with Wildcard.Match; a sorted term
//     dictionary of folded values can be seeked to Wildcard.LiteralPrefix.
//   - Fold (strings.ToLower) is the one case folding: the index must fold
//     what it stores with it.
//   - A bare value (Field "") matches a value of any field; Not is the
//     complement over all indexed things; arrays match when any element does.
//
// # Limits
//
// Limits are checked after the syntax, except the length in bytes, which is
// checked first. The defaults (DefaultLimits) are AWS's:
//   - at most 12 terms, counting every leaf: Term, Wildcard, Range (and
//     comparison), Exists and MatchAll (CountTerms);
//   - at most 1000 bytes;
//   - at most one wildcard whose pattern starts with * or ? (neither f:*
//     nor a bare * counts), and a query that has one is at most 100
//     characters (runes).
//
// Nesting (parentheses, groups, NOT chains) is capped at 64 levels whatever
// the limits, so no input can exhaust the stack. The cap applies to the
// query as written and as String prints it, where an And inside an Or gains
// parentheses ("a OR b c" prints as "a OR (b AND c)").
//
// # Errors
//
// Every error from Parse and ParseWithLimits is an *Error with the byte
// offset Pos, its 1-based Line and Col (Col counts runes) and a message that
// says what was found and what was expected. Error() is "line:col: msg":
//
//	1:1: empty query
//	1:1: unexpected AND, expected a term
//	1:7: unexpected OR, expected a term after AND
//	1:5: unterminated quoted phrase
//	1:43: expected a value after ':'
//	1:10: expected TO in range
//	1:3: unexpected end of query, expected ')' to close the '(' at 1:1
//	1:1: invalid field name "attr*": a field name cannot contain '*'
//	1:1: query has 13 terms; at most 12 are allowed
//
// Whole-query errors (empty, too long, too many terms) point at 1:1; a
// leading-wildcard error points at the offending term. Code() is
// "InvalidQueryException", the AWS error code adapters report.
//
// # Printing
//
// String prints a canonical query: explicit AND and OR, NOT for '-',
// parentheses around every And or Or inside another node, comparisons as
// ranges, field groups expanded, and backslashes where a value would
// otherwise be read differently. For every AST that Parse returns,
// Parse(String(n)) equals n apart from positions, and String is a fixed
// point. The canonical form can be longer than the input, so reparse it
// with ParseWithLimits(s, Limits{}) if it came close to a limit.
package query
