// Package report turns what happened in a simulation into verdicts and
// documents: report.json (the contract CI reads), a Markdown report for
// people, a summary table for the terminal and live progress on a TTY.
//
// It consumes values only — JobEvents as the simulator sees them, the
// final job descriptions and query answers the simulator fills in — and
// never reaches into the fleetd core.
//
// # Use
//
//	rec := report.NewRecorder()
//	rec.Job(report.JobEvent{At: 90 * time.Second, Kind: report.ExecutionQueued, Job: "fw", Thing: "rev-a-000001"})
//	...
//	rep := &report.Report{Scenario: sc.Name, Seed: sc.Seed, ...}
//	rep.Jobs["fw"] = report.Job{Status: "CANCELED", ...}
//	rep.Queries["old"] = report.Query{Count: 12, Truth: 12, SameThings: true}
//	rep.Timeline = rec.Timelines()
//	report.Evaluate(rep, sc.Expect) // fills Expectations and Passed
//	json, _ := rep.JSON()           // report.json
//	report.WriteMarkdown(w, rep)    // report.md
//
// # report.json
//
// Keys (the contract): scenario, seed, simulatedSeconds, devices, jobs
// (jobId → {status, reasonCode, createdAt, completedAt, jobProcessDetails}
// with AWS's counter names, times in simulated seconds, completedAt null
// while the job is not done), queries (name → {count, truth}), expectations
// (a list of {expect, passed, detail}), passed, and wall ({seconds,
// eventsPerSecond, peakRSSBytes}). Added keys: shard ("i/n" for one shard
// of a run), events (events the loop processed), jobs.*.comment (why it
// was canceled), jobs.*.error (CreateJob refused), jobs.*.latency
// (percentiles in seconds), jobs.*.history (the per-minute timeline, notes
// and the HdrHistograms, compressed, so that Read and Merge can combine
// shard reports), queries.*.at, queries.*.sameThings and
// queries.*.differences (a few things on one side only), and provisioning
// ({provisioned, refused, refusedBy: reason → count, registrationTasks:
// bulk cohort → {taskId, status, successCount, failureCount, startedAt,
// finishedAt, error}}), which the provisioned, refused and
// registrationTask expectations read (provisioning.go). Everything except wall depends on the scenario and seed alone:
// maps are written with sorted keys and numbers in a fixed format, so two
// runs give byte-identical files once wall is removed (Deterministic).
//
// # Timeline and latency
//
// The Recorder buckets job events by simulated minute (notified = an
// execution queued, started, and terminal statuses), keeps rollout-rate
// steps and the abort with its cause, and measures per execution the time
// from queued to terminal and from started to terminal in HdrHistograms
// (1 ms to 30 days, 3 significant digits).
package report
