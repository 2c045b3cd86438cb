package fleetgen

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteJSONL writes things 0..n-1 to w, one JSON document per line, with
// the shadow as a JSON object: the fleetbench --docs format. Nothing but
// the current document is held in memory.
func WriteJSONL(w io.Writer, spec Spec, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := range n {
		b, err := json.Marshal(Doc(spec, i))
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}
