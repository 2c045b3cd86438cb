package provision

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/provision/bulkinput"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Registration task statuses (PascalCase, as the model spells them).
const (
	TaskInProgress = "InProgress"
	TaskCompleted  = "Completed"
	TaskFailed     = "Failed"
	TaskCancelled  = "Cancelled"
	TaskCancelling = "Cancelling"
)

// Report types and the report objects' names: s3://<inputFileBucket>/<taskId>/<type>.jsonl.
const (
	ReportResults = "RESULTS"
	ReportErrors  = "ERRORS"
)

// ReportKey is the object key of a task's report in the input bucket.
func ReportKey(taskID, reportType string) string { return taskID + "/" + reportType + ".jsonl" }

// task is a bulk registration task. parsed, reader, input and size exist
// only while it runs in this process.
type task struct {
	id           string
	seq          uint64
	created      time.Time
	modified     time.Time
	templateBody string
	bucket       string
	key          string
	roleArn      string
	status       string
	message      string
	success      int
	failure      int
	percent      int
	wrote        map[string]bool // report type → object written

	parsed *template.Template
	reader *bulkinput.Reader
	input  *bytes.Reader
	size   int
}

func (t *task) running() bool { return t.status == TaskInProgress && t.reader != nil }

// StartThingRegistrationTaskRequest is the input of
// StartThingRegistrationTask (POST /thing-registration-tasks).
type StartThingRegistrationTaskRequest struct {
	TemplateBody    string `json:"templateBody"`
	InputFileBucket string `json:"inputFileBucket"`
	InputFileKey    string `json:"inputFileKey"`
	RoleArn         string `json:"roleArn"`
	// Input is the content of s3://inputFileBucket/inputFileKey, read by
	// the adapter (the engine does no I/O); nil when it could not be read.
	Input []byte `json:"-"`
}

// StartThingRegistrationTaskResponse is its output.
type StartThingRegistrationTaskResponse struct {
	TaskId string `json:"taskId"`
}

// StartThingRegistrationTask starts a bulk registration: Tick processes
// its input BulkSliceLines lines at a time (see doc.go), appending the
// RESULTS and ERRORS reports through Sink.AppendObject. One task runs at
// a time (spec §1.6.1): another start meanwhile is
// InvalidRequestException, as is an unreadable input or a template that
// does not parse.
func (e *Engine) StartThingRegistrationTask(now time.Time, req StartThingRegistrationTaskRequest) (StartThingRegistrationTaskResponse, error) {
	var c checker
	c.str("templateBody", req.TemplateBody, 0, template.MaxBodyChars, nil, "")
	if c.required("inputFileBucket", req.InputFileBucket) {
		c.str("inputFileBucket", req.InputFileBucket, 3, 256, isBucketRune, patBucket)
	}
	if c.required("inputFileKey", req.InputFileKey) {
		c.str("inputFileKey", req.InputFileKey, 1, 1024, isKeyRune, patKey)
	}
	c.roleArn("roleArn", req.RoleArn, true)
	if err := c.Err(); err != nil {
		return StartThingRegistrationTaskResponse{}, err
	}
	for _, t := range e.taskOrder {
		if t.status == TaskInProgress {
			return StartThingRegistrationTaskResponse{}, awserr.New(awserr.InvalidRequest,
				"Thing registration task %s is in progress; one task runs at a time.", t.id)
		}
	}
	parsed, err := template.Parse([]byte(req.TemplateBody))
	if err != nil {
		return StartThingRegistrationTaskResponse{}, err
	}
	if req.Input == nil {
		return StartThingRegistrationTaskResponse{}, awserr.New(awserr.InvalidRequest,
			"The input file s3://%s/%s cannot be read.", req.InputFileBucket, req.InputFileKey)
	}
	now = now.UTC().Round(0)
	e.taskSeq++
	input := bytes.NewReader(req.Input)
	t := &task{id: e.taskID(now, e.taskSeq), seq: e.taskSeq, created: now, modified: now, templateBody: req.TemplateBody,
		bucket: req.InputFileBucket, key: req.InputFileKey, roleArn: req.RoleArn, status: TaskInProgress,
		wrote: map[string]bool{}, parsed: parsed, reader: bulkinput.NewReader(input, bulkinput.Options{}),
		input: input, size: len(req.Input)}
	e.tasks[t.id] = t
	e.taskOrder = append(e.taskOrder, t)
	e.dirtyTask(t)
	e.sink.Event(Event{Time: now, Kind: EventTaskStarted, TaskID: t.id, Detail: "s3://" + t.bucket + "/" + t.key})
	// The first slice runs at once: a factory batch of a few hundred
	// devices is registered when the call returns, larger ones continue
	// slice by slice on Tick.
	e.runSlice(now, t)
	return StartThingRegistrationTaskResponse{TaskId: t.id}, nil
}

// taskID is a UUID-shaped id derived from the account, the task sequence
// and the start time: deterministic, and unique per engine.
func (e *Engine) taskID(now time.Time, seq uint64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d", e.opts.Account, seq, now.UnixNano()))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (e *Engine) dirtyTask(t *task) { e.sink.Dirty(keyTask(t.id)) }

// resultLine is one RESULTS line: a thing the task created or updated.
type resultLine struct {
	Line           int               `json:"line"`
	ThingName      string            `json:"thingName,omitempty"`
	CertificateId  string            `json:"certificateId,omitempty"`
	CertificatePem string            `json:"certificatePem,omitempty"`
	ResourceArns   map[string]string `json:"resourceArns"`
}

// errorLine is one ERRORS line.
type errorLine struct {
	Line         int    `json:"line"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// runSlice processes up to BulkSliceLines records of a running task.
func (e *Engine) runSlice(now time.Time, t *task) {
	var results, errs bytes.Buffer
	enc := func(buf *bytes.Buffer, v any) {
		b, _ := json.Marshal(v)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	done := false
	for range e.opts.BulkSliceLines {
		rec, err := t.reader.Next()
		if errors.Is(err, io.EOF) {
			done = true
			break
		}
		if err != nil {
			t.status, t.message = TaskFailed, "Reading the input file failed: "+err.Error()
			done = true
			break
		}
		if rec.Err != nil {
			t.failure++
			enc(&errs, errorLine{Line: rec.Line, ErrorCode: rec.Err.Code, ErrorMessage: rec.Err.Message})
			continue
		}
		line, err := e.registerLine(now, t, rec)
		if err != nil {
			t.failure++
			code, msg := awserr.InternalFailure, err.Error()
			if ae, ok := awserr.As(err); ok {
				code, msg = ae.Code, ae.Message
			}
			enc(&errs, errorLine{Line: rec.Line, ErrorCode: code, ErrorMessage: msg})
			continue
		}
		t.success++
		enc(&results, line)
	}
	e.writeReport(t, ReportResults, results.Bytes())
	e.writeReport(t, ReportErrors, errs.Bytes())
	t.modified = now.UTC().Round(0)
	if t.size > 0 {
		t.percent = min(99, (t.size-t.input.Len())*100/t.size)
	}
	if done {
		final := TaskCompleted
		if t.status == TaskFailed {
			final = TaskFailed
		}
		e.endTask(now, t, final, t.message)
	}
	e.dirtyTask(t)
}

func (e *Engine) registerLine(now time.Time, t *task, rec bulkinput.Record) (resultLine, error) {
	res, err := t.parsed.Evaluate(e.baseParameters(rec.Parameters, "", nil))
	if err != nil {
		return resultLine{}, err
	}
	p, err := e.apply(now, res, "")
	if err != nil {
		return resultLine{}, err
	}
	out := resultLine{Line: rec.Line, ThingName: p.ThingName, CertificateId: p.CertificateID, ResourceArns: p.resourceArns()}
	if res.Certificate != nil && res.Certificate.Source == template.SourceCSR {
		// The device made the key; it needs the certificate signed for it.
		if pem, err := e.certificatePEM(p.CertificateID); err == nil {
			out.CertificatePem = pem
		}
	}
	return out, nil
}

func (e *Engine) writeReport(t *task, reportType string, data []byte) {
	if len(data) == 0 {
		return
	}
	e.sink.AppendObject(t.bucket, ReportKey(t.id, reportType), data)
	t.wrote[reportType] = true
}

// endTask moves a task to a final status and drops its input.
func (e *Engine) endTask(now time.Time, t *task, status, message string) {
	t.status, t.message = status, message
	if status == TaskCompleted {
		t.percent = 100
	}
	t.parsed, t.reader, t.input = nil, nil, nil
	t.modified = now.UTC().Round(0)
	e.dirtyTask(t)
	e.sink.Event(Event{Time: now, Kind: EventTaskFinished, TaskID: t.id,
		Detail: fmt.Sprintf("%s: %d succeeded, %d failed", status, t.success, t.failure)})
}

func (e *Engine) task(id string) (*task, error) {
	var c checker
	if c.required("taskId", id) {
		c.str("taskId", id, 0, 40, nil, "")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	t := e.tasks[id]
	if t == nil {
		return nil, awserr.New(awserr.ResourceNotFound, "Thing registration task %s cannot be found.", id)
	}
	return t, nil
}

// DescribeThingRegistrationTaskRequest is the input of
// DescribeThingRegistrationTask (GET /thing-registration-tasks/{taskId}).
type DescribeThingRegistrationTaskRequest struct {
	TaskId string `json:"-" uri:"taskId"`
}

// DescribeThingRegistrationTaskResponse is its output.
type DescribeThingRegistrationTaskResponse struct {
	TaskId             string             `json:"taskId"`
	CreationDate       registry.Timestamp `json:"creationDate"`
	LastModifiedDate   registry.Timestamp `json:"lastModifiedDate"`
	TemplateBody       string             `json:"templateBody"`
	InputFileBucket    string             `json:"inputFileBucket"`
	InputFileKey       string             `json:"inputFileKey"`
	RoleArn            string             `json:"roleArn"`
	Status             string             `json:"status"`
	Message            string             `json:"message,omitempty"`
	SuccessCount       int                `json:"successCount"`
	FailureCount       int                `json:"failureCount"`
	PercentageProgress int                `json:"percentageProgress"`
}

// DescribeThingRegistrationTask describes a task.
func (e *Engine) DescribeThingRegistrationTask(req DescribeThingRegistrationTaskRequest) (DescribeThingRegistrationTaskResponse, error) {
	t, err := e.task(req.TaskId)
	if err != nil {
		return DescribeThingRegistrationTaskResponse{}, err
	}
	return DescribeThingRegistrationTaskResponse{TaskId: t.id, CreationDate: registry.Timestamp{Time: t.created},
		LastModifiedDate: registry.Timestamp{Time: t.modified}, TemplateBody: t.templateBody, InputFileBucket: t.bucket,
		InputFileKey: t.key, RoleArn: t.roleArn, Status: t.status, Message: t.message, SuccessCount: t.success,
		FailureCount: t.failure, PercentageProgress: t.percent}, nil
}

// ListThingRegistrationTasksRequest is the input of
// ListThingRegistrationTasks (GET /thing-registration-tasks).
type ListThingRegistrationTasksRequest struct {
	NextToken  string `json:"-" query:"nextToken"`
	MaxResults int    `json:"-" query:"maxResults"`
	Status     string `json:"-" query:"status"`
}

// ListThingRegistrationTasksResponse is its output.
type ListThingRegistrationTasksResponse struct {
	TaskIds   []string `json:"taskIds"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListThingRegistrationTasks lists task ids in start order, optionally
// only those with a status.
func (e *Engine) ListThingRegistrationTasks(req ListThingRegistrationTasksRequest) (ListThingRegistrationTasksResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	c.enum("status", req.Status, TaskInProgress, TaskCompleted, TaskFailed, TaskCancelled, TaskCancelling)
	if err := c.Err(); err != nil {
		return ListThingRegistrationTasksResponse{}, err
	}
	list := "tasks/" + req.Status
	after, err := decodeToken(list, req.NextToken)
	if err != nil {
		return ListThingRegistrationTasksResponse{}, err
	}
	var keys []string
	bySeq := map[string]*task{}
	for _, t := range e.taskOrder {
		if req.Status == "" || t.status == req.Status {
			k := fmt.Sprintf("%020d", t.seq)
			keys = append(keys, k)
			bySeq[k] = t
		}
	}
	ids, next := page(list, keys, after, limit(req.MaxResults), func(k string) string { return bySeq[k].id })
	return ListThingRegistrationTasksResponse{TaskIds: ids, NextToken: next}, nil
}

// StopThingRegistrationTaskRequest is the input of StopThingRegistrationTask
// (PUT /thing-registration-tasks/{taskId}/cancel).
type StopThingRegistrationTaskRequest struct {
	TaskId string `json:"-" uri:"taskId"`
}

// StopThingRegistrationTask cancels a task in progress. Slices run between
// commands, so no line is half done: the task goes straight to Cancelled
// (never Cancelling), keeping the reports of the lines already processed.
// Stopping a finished task is InvalidRequestException.
func (e *Engine) StopThingRegistrationTask(now time.Time, req StopThingRegistrationTaskRequest) error {
	t, err := e.task(req.TaskId)
	if err != nil {
		return err
	}
	if t.status != TaskInProgress {
		return awserr.New(awserr.InvalidRequest, "Thing registration task %s is %s, not InProgress.", t.id, t.status)
	}
	e.endTask(now, t, TaskCancelled, "Cancelled by StopThingRegistrationTask after "+
		strconv.Itoa(t.success+t.failure)+" records.")
	return nil
}

// ListThingRegistrationTaskReportsRequest is the input of
// ListThingRegistrationTaskReports (GET /thing-registration-tasks/{taskId}/reports).
type ListThingRegistrationTaskReportsRequest struct {
	TaskId     string `json:"-" uri:"taskId"`
	ReportType string `json:"-" query:"reportType"`
	NextToken  string `json:"-" query:"nextToken"`
	MaxResults int    `json:"-" query:"maxResults"`
}

// ListThingRegistrationTaskReportsResponse is its output.
type ListThingRegistrationTaskReportsResponse struct {
	ResourceLinks []string `json:"resourceLinks"`
	ReportType    string   `json:"reportType"`
	NextToken     string   `json:"nextToken,omitempty"`
}

// ListThingRegistrationTaskReports returns the s3:// URI of the task's
// report of that type (one object per type, appended as the task runs),
// or no link when the report is empty. An unknown task is
// InvalidRequestException: the model lists no ResourceNotFoundException
// for this operation.
func (e *Engine) ListThingRegistrationTaskReports(req ListThingRegistrationTaskReportsRequest) (ListThingRegistrationTaskReportsResponse, error) {
	var c checker
	if c.required("reportType", req.ReportType) {
		c.enum("reportType", req.ReportType, ReportErrors, ReportResults)
	}
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListThingRegistrationTaskReportsResponse{}, err
	}
	t, err := e.task(req.TaskId)
	if awserr.Is(err, awserr.ResourceNotFound) {
		return ListThingRegistrationTaskReportsResponse{}, awserr.New(awserr.InvalidRequest, "%s", err.(*awserr.Error).Message)
	}
	if err != nil {
		return ListThingRegistrationTaskReportsResponse{}, err
	}
	list := "reports/" + t.id + "/" + req.ReportType
	after, err := decodeToken(list, req.NextToken)
	if err != nil {
		return ListThingRegistrationTaskReportsResponse{}, err
	}
	var keys []string
	if t.wrote[req.ReportType] {
		keys = []string{"s3://" + t.bucket + "/" + ReportKey(t.id, req.ReportType)}
	}
	links, next := page(list, keys, after, limit(req.MaxResults), func(k string) string { return k })
	return ListThingRegistrationTaskReportsResponse{ResourceLinks: links, ReportType: req.ReportType, NextToken: next}, nil
}
