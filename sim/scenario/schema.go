package scenario

import (
	_ "embed"
	"slices"
)

//go:embed schema.json
var schemaJSON []byte

// JSONSchema returns a JSON Schema (draft 2020-12) of the scenario format,
// for editors (fleetsim schema prints it). Its $defs are named like the
// decoder's kinds of mapping and list the same keys; a test holds the two
// equal and checks the scenario library against both.
func JSONSchema() []byte { return slices.Clone(schemaJSON) }
