package report

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Progress is a snapshot of a running simulation.
type Progress struct {
	Simulated   time.Duration
	Duration    time.Duration // the scenario's limit
	Provisioned int
	Devices     int
	Succeeded   int64 // executions finished SUCCEEDED, all jobs
	Failed      int64 // FAILED, REJECTED or TIMED_OUT
	Events      uint64
	EventsPerS  float64
}

// Live prints progress on one terminal line, overwritten in place.
type Live struct{ w io.Writer }

// NewLive returns a Live printer on w, or nil when w is not a terminal:
// progress is for people watching, never for logs.
func NewLive(w *os.File) *Live {
	fi, err := w.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &Live{w: w}
}

// Update redraws the line.
func (l *Live) Update(p Progress) {
	if l == nil {
		return
	}
	fmt.Fprintf(l.w, "\r\x1b[K%s / %s simulated  %d/%d devices  %d succeeded  %d failed, rejected or timed out  %.2fM events/s",
		clock(p.Simulated), clock(p.Duration), p.Provisioned, p.Devices, p.Succeeded, p.Failed, p.EventsPerS/1e6)
}

// Done clears the line.
func (l *Live) Done() {
	if l != nil {
		fmt.Fprint(l.w, "\r\x1b[K")
	}
}
