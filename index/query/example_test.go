package query_test

import (
	"errors"
	"fmt"

	"github.com/fleetlab/fleetlab/index/query"
)

func ExampleParse() {
	n, err := query.Parse(`thingName:(tv* AND -plasma) attributes.size >= 40`)
	if err != nil {
		panic(err)
	}
	fmt.Println(query.String(n))
	fmt.Print(query.Dump(n))
	// Output:
	// (thingName:tv* AND NOT thingName:plasma) AND attributes.size:[40 TO *]
	// And@0
	//   And@0
	//     Wildcard@11 field="thingName" pattern="tv*"
	//     Not@19
	//       Term@20 field="thingName" value="plasma"
	//   Range@28 field="attributes.size" lower="40" (inclusive) upper=open
}

func ExampleParse_error() {
	_, err := query.Parse(`connectivity.connected:true AND OR thingName:x`)
	var qe *query.Error
	if errors.As(err, &qe) {
		fmt.Println(qe.Code())
		fmt.Println(qe)
	}
	// Output:
	// InvalidQueryException
	// 1:33: unexpected OR, expected a term after AND
}

func ExampleWildcard_Match() {
	w := &query.Wildcard{Field: "thingName", Pattern: "TV-?*"}
	fmt.Println(w.Match("tv-42"), w.Match("tv-"), w.LiteralPrefix())
	// Output: true false tv-
}
