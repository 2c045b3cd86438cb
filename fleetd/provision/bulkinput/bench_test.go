package bulkinput

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

const benchRecords = 100_000

// benchInput builds a typical bulk file: thing name, serial, location and
// a short CSR-like value per line.
func benchInput(format Format) []byte {
	var b bytes.Buffer
	if format == FormatCSV {
		b.WriteString("ThingName,SerialNumber,Location,CSR\n")
	}
	for i := range benchRecords {
		if format == FormatCSV {
			fmt.Fprintf(&b, "bulb-%06d,SN%06d,\"Berlin, DE\",csr-%x\n", i, i, i*7919)
		} else {
			fmt.Fprintf(&b, `{"ThingName": "bulb-%06d", "SerialNumber": "SN%06d", "Location": "Berlin, DE", "CSR": "csr-%x"}`+"\n", i, i, i*7919)
		}
	}
	return b.Bytes()
}

func benchRead(b *testing.B, format Format) {
	input := benchInput(format)
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		r := NewReader(bytes.NewReader(input), Options{})
		n := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatalf("line %d: %v %v", rec.Line, err, rec.Err)
			}
			n++
		}
		if n != benchRecords {
			b.Fatalf("read %d records; want %d", n, benchRecords)
		}
	}
	b.ReportMetric(float64(b.N)*benchRecords/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkRead100kCSV(b *testing.B)       { benchRead(b, FormatCSV) }
func BenchmarkRead100kJSONLines(b *testing.B) { benchRead(b, FormatJSONLines) }
