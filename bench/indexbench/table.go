package indexbench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writeTable prints the results as an aligned table.
func writeTable(w io.Writer, o Options, results []queryResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if o.Agg != "" {
		fmt.Fprintln(tw, "P50\tP99\t\tQUERY / RESULT\t")
		for _, r := range results {
			if r.Error != nil {
				fmt.Fprintf(tw, "-\t-\t\t%s\t\n\t\t\t  %s: %s\t\n", r.Query, r.Error.Code, r.Error.Message)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t\t%s\t\n\t\t\t  %s %s: %s\t\n", dur(*r.P50), dur(*r.P99), r.Query, r.Aggregation, r.Field, r.Result)
		}
		tw.Flush()
		return
	}
	fmt.Fprintln(tw, "COUNT\tP50\tP99\tSCAN P50\tSPEEDUP\t\tQUERY\t")
	for _, r := range results {
		if r.Error != nil {
			fmt.Fprintf(tw, "-\t-\t-\t-\t-\t\t%s\t\n\t\t\t\t\t\t  %s: %s\t\n", r.Query, r.Error.Code, r.Error.Message)
			continue
		}
		scanCol, speed := "-", "-"
		if r.ScanP50 != nil {
			scanCol = dur(*r.ScanP50)
			speed = fmt.Sprintf("%.0f×", *r.Speedup)
			if r.scanEstimated {
				scanCol, speed = "~"+scanCol, "~"+speed
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t\t%s\t\n", *r.Count, dur(*r.P50), dur(*r.P99), scanCol, speed, r.Query)
		if len(r.Names) > 0 {
			fmt.Fprintf(tw, "\t\t\t\t\t\t  %s\t\n", strings.Join(r.Names, " "))
		}
	}
	tw.Flush()
}

// dur formats microseconds with a unit that keeps three digits.
func dur(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.1fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.2fs", us/1e6)
}
