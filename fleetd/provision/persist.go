package provision

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Record keys: a template with all its versions and safeguards (it
// changes rarely), its safeguard counters apart (they change with every
// claim registration and stay small), and a task's metadata (its reports
// are objects, written through Sink.AppendObject).
const (
	prefixTemplate = "provtemplate/"
	prefixCounters = "provcounters/"
	prefixTask     = "regtask/"
)

func keyTemplate(name string) string { return prefixTemplate + name }
func keyCounters(name string) string { return prefixCounters + name }
func keyTask(id string) string       { return prefixTask + id }

// OwnsKey reports whether a record key belongs to the provisioning engine.
func OwnsKey(key string) bool {
	return strings.HasPrefix(key, prefixTemplate) || strings.HasPrefix(key, prefixCounters) || strings.HasPrefix(key, prefixTask)
}

type templateRecord struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type"`
	Enabled     bool              `json:"enabled,omitempty"`
	RoleArn     string            `json:"roleArn"`
	Hook        *ProvisioningHook `json:"hook,omitempty"`
	Tags        []registry.Tag    `json:"tags,omitempty"`
	Safeguards  Safeguards        `json:"safeguards,omitzero"`
	Created     time.Time         `json:"created"`
	Modified    time.Time         `json:"modified"`
	DefaultID   int               `json:"defaultVersionId"`
	NextID      int               `json:"nextVersionId"`
	Versions    []versionRecord   `json:"versions"`
}

type versionRecord struct {
	ID      int       `json:"id"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
}

type countersRecord struct {
	PerClaim map[string]int `json:"perClaim,omitempty"`
	TAT      int64          `json:"tat,omitempty"`
}

type taskRecord struct {
	ID           string    `json:"id"`
	Seq          uint64    `json:"seq"`
	Created      time.Time `json:"created"`
	Modified     time.Time `json:"modified"`
	TemplateBody string    `json:"templateBody"`
	Bucket       string    `json:"bucket"`
	Key          string    `json:"key"`
	RoleArn      string    `json:"roleArn"`
	Status       string    `json:"status"`
	Message      string    `json:"message,omitempty"`
	Success      int       `json:"success"`
	Failure      int       `json:"failure"`
	Percent      int       `json:"percent"`
	Reports      []string  `json:"reports,omitempty"`
}

// Record returns the current value of one of the engine's record keys;
// nil when the record no longer exists (delete it).
func (e *Engine) Record(key string) []byte {
	var v any
	switch {
	case strings.HasPrefix(key, prefixTemplate):
		t := e.templates[key[len(prefixTemplate):]]
		if t == nil {
			return nil
		}
		r := templateRecord{Name: t.name, Description: t.description, Type: t.kind, Enabled: t.enabled, RoleArn: t.roleArn,
			Hook: t.hook, Tags: t.tags, Safeguards: t.safeguards, Created: t.created, Modified: t.modified,
			DefaultID: t.defaultID, NextID: t.nextID}
		for _, ver := range t.versions {
			r.Versions = append(r.Versions, versionRecord{ID: ver.id, Body: ver.body, Created: ver.created})
		}
		v = r
	case strings.HasPrefix(key, prefixCounters):
		c := e.counters[key[len(prefixCounters):]]
		if c == nil {
			return nil
		}
		v = countersRecord{PerClaim: c.perClaim, TAT: c.tat}
	case strings.HasPrefix(key, prefixTask):
		t := e.tasks[key[len(prefixTask):]]
		if t == nil {
			return nil
		}
		r := taskRecord{ID: t.id, Seq: t.seq, Created: t.created, Modified: t.modified, TemplateBody: t.templateBody,
			Bucket: t.bucket, Key: t.key, RoleArn: t.roleArn, Status: t.status, Message: t.message, Success: t.success,
			Failure: t.failure, Percent: t.percent}
		for _, typ := range []string{ReportErrors, ReportResults} {
			if t.wrote[typ] {
				r.Reports = append(r.Reports, typ)
			}
		}
		v = r
	default:
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// Keys returns every record key the engine holds, sorted.
func (e *Engine) Keys() []string {
	var keys []string
	for n := range e.templates {
		keys = append(keys, keyTemplate(n))
	}
	for n := range e.counters {
		keys = append(keys, keyCounters(n))
	}
	for id := range e.tasks {
		keys = append(keys, keyTask(id))
	}
	slices.Sort(keys)
	return keys
}

// Restore loads one record into an empty engine, in any order. Call
// FinishRestore after the last.
func (e *Engine) Restore(key string, value []byte) error {
	switch {
	case strings.HasPrefix(key, prefixTemplate):
		var r templateRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("provision: restore %s: %w", key, err)
		}
		t := &provTemplate{name: r.Name, description: r.Description, kind: r.Type, enabled: r.Enabled, roleArn: r.RoleArn,
			hook: r.Hook, tags: r.Tags, safeguards: r.Safeguards.normalised(), created: r.Created, modified: r.Modified,
			defaultID: r.DefaultID, nextID: r.NextID}
		for _, vr := range r.Versions {
			parsed, err := parseBody(vr.Body, r.Type)
			if err != nil {
				return fmt.Errorf("provision: restore %s version %d: %w", key, vr.ID, err)
			}
			t.versions = append(t.versions, &templateVersion{id: vr.ID, body: vr.Body, parsed: parsed, created: vr.Created})
		}
		if t.defaultVersion() == nil {
			return fmt.Errorf("provision: restore %s: default version %d is missing", key, r.DefaultID)
		}
		e.templates[t.name] = t
	case strings.HasPrefix(key, prefixCounters):
		var r countersRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("provision: restore %s: %w", key, err)
		}
		if r.PerClaim == nil {
			r.PerClaim = map[string]int{}
		}
		e.counters[key[len(prefixCounters):]] = &counters{perClaim: r.PerClaim, tat: r.TAT}
	case strings.HasPrefix(key, prefixTask):
		var r taskRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("provision: restore %s: %w", key, err)
		}
		t := &task{id: r.ID, seq: r.Seq, created: r.Created, modified: r.Modified, templateBody: r.TemplateBody,
			bucket: r.Bucket, key: r.Key, roleArn: r.RoleArn, status: r.Status, message: r.Message, success: r.Success,
			failure: r.Failure, percent: r.Percent, wrote: map[string]bool{}}
		for _, typ := range r.Reports {
			t.wrote[typ] = true
		}
		e.tasks[t.id] = t
		e.taskSeq = max(e.taskSeq, t.seq)
	default:
		return fmt.Errorf("provision: restore %s: not a provisioning record", key)
	}
	return nil
}

// FinishRestore orders the restored tasks and fails those that were
// running: their input is not kept, so they cannot resume. Their reports
// hold the lines processed before the restart.
func (e *Engine) FinishRestore(now time.Time) error {
	e.taskOrder = e.taskOrder[:0]
	for _, t := range e.tasks {
		e.taskOrder = append(e.taskOrder, t)
	}
	slices.SortFunc(e.taskOrder, func(a, b *task) int { return int(a.seq) - int(b.seq) })
	for _, t := range e.taskOrder {
		if t.status == TaskInProgress || t.status == TaskCancelling {
			e.endTask(now, t, TaskFailed, fmt.Sprintf(
				"fleetd restarted while the task ran, after %d records; start a task for the remaining lines.", t.success+t.failure))
		}
	}
	return nil
}
