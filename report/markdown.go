package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// clock prints a simulated time as h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func verdict(passed bool) string {
	if passed {
		return "PASSED"
	}
	return "FAILED"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func seconds(p *float64) string {
	if p == nil {
		return "—"
	}
	return clock(time.Duration(*p * float64(time.Second)))
}

// WriteMarkdown writes the human report: verdict, expectations, jobs with
// their per-minute timeline, latency distributions and queries.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s — %s\n\n", r.Scenario, verdict(r.Passed))
	fmt.Fprintf(&b, "Seed %d, %d devices, %s simulated, %d events in %.1f s wall (%.0f events/s, peak RSS %d MiB).\n\n",
		r.Seed, r.Devices, clock(time.Duration(r.SimulatedSeconds*float64(time.Second))), r.Events,
		r.Wall.Seconds, r.Wall.EventsPerSecond, r.Wall.PeakRSSBytes>>20)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "> warning: %s\n", w)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("## Expectations\n\n| | expectation | observed |\n|---|---|---|\n")
	for _, e := range r.Expectations {
		mark := "✅"
		if !e.Passed {
			mark = "❌"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mark, e.Expect, e.Detail)
	}
	writeProvisioning(&b, r.Provisioning, r.Devices, true)
	for _, id := range sortedKeys(r.Jobs) {
		writeJob(&b, id, r.Jobs[id], r.Timeline[id])
	}
	if len(r.Queries) > 0 {
		b.WriteString("\n## Queries\n\n| query | at | index | truth | same things |\n|---|---|---|---|---|\n")
		for _, name := range sortedKeys(r.Queries) {
			q := r.Queries[name]
			same := "yes"
			if !q.SameThings {
				same = "no " + strings.Join(q.Differences, " ")
			}
			if q.Error != "" {
				same = "error: " + q.Error
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", name, seconds(&q.At), q.Count, q.Truth, same)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJob(b *strings.Builder, id string, j Job, h *JobHistory) {
	fmt.Fprintf(b, "\n## Job %s — %s", id, j.Status)
	if j.ReasonCode != "" {
		fmt.Fprintf(b, " (%s)", j.ReasonCode)
	}
	b.WriteString("\n\n")
	if j.Error != "" {
		fmt.Fprintf(b, "CreateJob refused it: %s\n", j.Error)
		return
	}
	d := j.JobProcessDetails
	fmt.Fprintf(b, "Created at %s, completed at %s. Succeeded %d, failed %d, rejected %d, timed out %d, canceled %d, removed %d, queued %d, in progress %d.\n",
		seconds(j.CreatedAt), seconds(j.CompletedAt), d.NumberOfSucceededThings, d.NumberOfFailedThings, d.NumberOfRejectedThings,
		d.NumberOfTimedOutThings, d.NumberOfCanceledThings, d.NumberOfRemovedThings, d.NumberOfQueuedThings, d.NumberOfInProgressThings)
	if h == nil {
		return
	}
	if h.Abort != nil {
		fmt.Fprintf(b, "\n**Aborted at %s**: %s\n", clock(h.Abort.At), h.Abort.Text)
	}
	if l := j.Latency; l != nil {
		b.WriteString("\n| latency (s) | executions | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|\n")
		for _, row := range []struct {
			name string
			p    *Percentiles
		}{{"queued → terminal", l.QueuedToTerminal}, {"in progress → terminal", l.StartedToTerminal}} {
			if row.p != nil {
				fmt.Fprintf(b, "| %s | %d | %.1f | %.1f | %.1f | %.1f |\n", row.name, row.p.Count, row.p.P50, row.p.P90, row.p.P99, row.p.Max)
			}
		}
	}
	b.WriteString("\nPer simulated minute (minutes without activity left out; notified = executions queued, the rollout rate):\n\n")
	b.WriteString("| minute | notified | in progress | succeeded | failed | rejected | timed out | canceled | removed | total succeeded | note |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	notes := h.Notes
	var total int64
	for m, c := range h.Minutes {
		total += c.Succeeded
		var texts []string
		for len(notes) > 0 && notes[0].At < time.Duration(m+1)*time.Minute {
			texts = append(texts, clock(notes[0].At)+" "+notes[0].Text)
			notes = notes[1:]
		}
		if c == (Minute{}) && len(texts) == 0 {
			continue
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", clock(time.Duration(m) * time.Minute)[:len(clock(time.Duration(m)*time.Minute))-3],
			c.Notified, c.Started, c.Succeeded, c.Failed, c.Rejected, c.TimedOut, c.Canceled, c.Removed, total, strings.Join(texts, "; "))
	}
	for _, n := range notes {
		fmt.Fprintf(b, "| %s | | | | | | | | | | %s |\n", clock(n.At), n.Text)
	}
}

// WriteSummary writes the final summary table for a terminal.
func WriteSummary(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %s (seed %d, %d devices, %s simulated, %.1f s wall, %.0f events/s)\n",
		r.Scenario, verdict(r.Passed), r.Seed, r.Devices, clock(time.Duration(r.SimulatedSeconds*float64(time.Second))), r.Wall.Seconds, r.Wall.EventsPerSecond)
	writeProvisioning(tw, r.Provisioning, r.Devices, false)
	if len(r.Jobs) > 0 {
		fmt.Fprintln(tw, "\njob\tstatus\tsucceeded\tfailed\trejected\ttimed out\tcanceled\tqueued\tin progress\tended")
		for _, id := range sortedKeys(r.Jobs) {
			j := r.Jobs[id]
			d := j.JobProcessDetails
			st := j.Status
			if j.ReasonCode != "" {
				st += " (" + j.ReasonCode + ")"
			}
			if j.Error != "" {
				st = "refused: " + j.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", id, st, d.NumberOfSucceededThings, d.NumberOfFailedThings,
				d.NumberOfRejectedThings, d.NumberOfTimedOutThings, d.NumberOfCanceledThings, d.NumberOfQueuedThings, d.NumberOfInProgressThings, seconds(j.CompletedAt))
		}
	}
	if len(r.Queries) > 0 {
		fmt.Fprintln(tw, "\nquery\tat\tindex\ttruth\tsame things")
		for _, name := range sortedKeys(r.Queries) {
			q := r.Queries[name]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%v\n", name, seconds(&q.At), q.Count, q.Truth, q.SameThings)
		}
	}
	fmt.Fprintln(tw, "\n\texpectation\tobserved")
	for _, e := range r.Expectations {
		mark := "ok"
		if !e.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, e.Expect, e.Detail)
	}
	return tw.Flush()
}
