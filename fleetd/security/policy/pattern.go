package policy

import "strings"

// A pattern is a compiled Action, Resource or condition value: literal
// text, policy variables and (in glob patterns) the wildcards * and ?.
// Compiling once means evaluation never parses, never builds a regexp and
// never concatenates: variables are matched in place as literal text.
type pattern struct {
	kind   patternKind
	text   string  // the literal (patLiteral) or the prefix before a final * (patPrefix)
	tokens []token // patGeneral only
	nvars  int     // variables in tokens
}

type patternKind uint8

const (
	patLiteral patternKind = iota // no wildcard, no variable: compare
	patAny                        // "*"
	patPrefix                     // literal text then a final "*"
	patGeneral                    // anything else: globMatch over tokens
)

type token struct {
	kind tokenKind
	text string // tokLiteral
	ref  varRef // tokVar
	slot int    // tokVar: index of the resolved value passed to globMatch
}

type tokenKind uint8

const (
	tokLiteral tokenKind = iota
	tokVar
	tokStar // any run of characters, "/" and ":" included
	tokOne  // exactly one character (rune)
)

// compilePattern compiles src. With glob, * and ? are wildcards, else
// literal text. With variables, "${name}" is a policy variable and ${*},
// ${?} and ${$} are literal *, ? and $; an unterminated "${" is literal.
// MQTT's + and # are always literal.
func compilePattern(src string, glob, variables bool) pattern {
	var tokens []token
	var lit strings.Builder
	nvars := 0
	flush := func() {
		if lit.Len() > 0 {
			tokens = append(tokens, token{kind: tokLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case variables && c == '$' && i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i+2:], '}')
			if end < 0 { // literal "${"; wildcards after it still count
				lit.WriteString("${")
				i += 2
				continue
			}
			name := src[i+2 : i+2+end]
			i += 2 + end + 1
			switch name {
			case "*", "?", "$":
				lit.WriteString(name)
				continue
			}
			flush()
			tokens = append(tokens, token{kind: tokVar, ref: parseVarName(name), slot: nvars})
			nvars++
		case glob && c == '*':
			flush()
			if n := len(tokens); n == 0 || tokens[n-1].kind != tokStar { // ** is *
				tokens = append(tokens, token{kind: tokStar})
			}
			i++
		case glob && c == '?':
			flush()
			tokens = append(tokens, token{kind: tokOne})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()

	switch {
	case len(tokens) == 0:
		return pattern{kind: patLiteral}
	case len(tokens) == 1 && tokens[0].kind == tokLiteral:
		return pattern{kind: patLiteral, text: tokens[0].text}
	case len(tokens) == 1 && tokens[0].kind == tokStar:
		return pattern{kind: patAny}
	case len(tokens) == 2 && tokens[0].kind == tokLiteral && tokens[1].kind == tokStar:
		return pattern{kind: patPrefix, text: tokens[0].text}
	}
	return pattern{kind: patGeneral, tokens: tokens, nvars: nvars}
}
