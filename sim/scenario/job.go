package scenario

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/schedule"
	"github.com/fleetlab/fleetlab/fleetd/objects"
)

// jobInfo is what the checks after the timeline need to know of a job.
type jobInfo struct {
	job        *CreateJob
	at         time.Duration
	node       *yaml.Node // the jobId
	d          *decoder   // of the file the body is in
	abortMin   []*yaml.Node
	retryTO    *yaml.Node // a retry criterion for TIMED_OUT
	hasTimeout bool
}

const maxJobDocument = 32768

var targetARN = regexp.MustCompile(`^arn:aws[a-z-]*:iot:[a-z0-9-]*:[0-9]*:(thing|thinggroup)/(.+)$`)

func jobIDRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// createJob reads a CreateJob body, inline or {file: path}.
func (p *parser) createJob(n *yaml.Node, s scope, at time.Duration) *CreateJob {
	d := p.d
	j := &CreateJob{}
	root, jd, inline := n, d, true
	if v := deref(n); v.Kind == yaml.MappingNode && len(v.Content) == 2 && deref(v.Content[0]).Value == "file" {
		raw, r, fd, ok := p.include(v, s)
		if !ok {
			p.lostJob = true
			return nil
		}
		j.Body, j.File, root, jd, inline = raw, fd.file, r, fd, false
		s = scope{where: "job body"}
	}
	info := &jobInfo{job: j, at: at, d: jd}
	f, ok := jd.mapping(root, s, "createJob")
	if !ok {
		p.lostJob = true
		return nil
	}
	before := len(p.c.errs)
	if v := f.get("jobId"); v != nil {
		// An invalid id is kept, so that references to it do not add
		// errors of their own; the job is invalid all the same.
		if id, _ := jd.awsName(v, s.key("jobId"), jobIDRune, "[a-zA-Z0-9_-]+", 64); id != "" {
			j.JobID, info.node = id, v
			s = scope{where: "job " + id}
		}
	} else {
		jd.missing(f, s, "jobId", "the job's id")
	}
	if v := f.get("targets"); v != nil {
		p.jobTargets(jd, j, v, s.key("targets"))
	} else {
		jd.missing(f, s, "targets", "thing or thing group ARNs")
	}
	switch src := f.get("documentSource"); {
	case src != nil && f.get("document") != nil:
		jd.errorf(src, s.key("documentSource"), "a job has document or documentSource, not both")
	case src != nil:
		j.Document, j.SourceDocument = p.jobDocumentSource(jd, src, s.key("documentSource"))
	case f.get("document") != nil:
		j.Document = p.jobDocument(jd, f.get("document"), s.key("document"), inline)
	default:
		jd.missing(f, s, "document", "the job document, a JSON string (or documentSource, an S3 location)")
	}
	if v := f.get("schedulingConfig"); v != nil {
		p.schedulingConfig(jd, v, s.key("schedulingConfig"), at)
	}
	if v := f.get("description"); v != nil {
		if desc, ok := jd.str(v, s.key("description")); ok && (utf8.RuneCountInString(desc) > 2028 || strings.IndexFunc(desc, unicode.IsControl) >= 0) {
			jd.errorf(v, s.key("description"), "at most 2028 characters and no control characters")
		}
	}
	if v := f.get("targetSelection"); v != nil {
		sel, _ := jd.enum(v, s.key("targetSelection"), "SNAPSHOT", "CONTINUOUS")
		j.Continuous = sel == "CONTINUOUS"
	}
	if v := f.get("jobExecutionsRolloutConfig"); v != nil {
		jd.rolloutConfig(v, s.key("jobExecutionsRolloutConfig"))
	}
	if v := f.get("abortConfig"); v != nil {
		info.abortMin = jd.abortConfig(v, s.key("abortConfig"))
	}
	if v := f.get("timeoutConfig"); v != nil {
		if g, ok := jd.mapping(v, s.key("timeoutConfig"), "timeoutConfig"); ok && g.has("inProgressTimeoutInMinutes") {
			_, info.hasTimeout = jd.integer(g.get("inProgressTimeoutInMinutes"), s.key("timeoutConfig.inProgressTimeoutInMinutes"), 1, 10080)
		}
	}
	if v := f.get("jobExecutionsRetryConfig"); v != nil {
		info.retryTO = jd.retryConfig(v, s.key("jobExecutionsRetryConfig"))
	}
	if v := f.get("presignedUrlConfig"); v != nil {
		if g, ok := jd.mapping(v, s.key("presignedUrlConfig"), "presignedUrlConfig"); ok {
			if rv := g.get("roleArn"); rv != nil {
				if arn, ok := jd.str(rv, s.key("presignedUrlConfig.roleArn")); ok && (len(arn) < 20 || len(arn) > 2048) {
					jd.errorf(rv, s.key("presignedUrlConfig.roleArn"), "expected an ARN of 20 to 2048 characters")
				}
			}
			if ev := g.get("expiresInSec"); ev != nil {
				jd.integer(ev, s.key("presignedUrlConfig.expiresInSec"), 60, 3600)
			}
		}
	}
	if v := f.get("tags"); v != nil {
		items, _ := jd.seq(v, s.key("tags"), "tags {Key, Value}")
		for i, it := range items {
			ts := s.key("tags").index(i)
			if g, ok := jd.mapping(it, ts, "tag"); ok {
				if !g.has("Key") {
					jd.missing(g, ts, "Key", "1 to 128 characters")
				} else if k, ok := jd.str(g.get("Key"), ts.key("Key")); ok && (k == "" || utf8.RuneCountInString(k) > 128) {
					jd.errorf(g.get("Key"), ts.key("Key"), "expected 1 to 128 characters")
				}
				if tv := g.get("Value"); tv != nil {
					if val, ok := jd.str(tv, ts.key("Value")); ok && utf8.RuneCountInString(val) > 256 {
						jd.errorf(tv, ts.key("Value"), "expected at most 256 characters")
					}
				}
			}
		}
	}
	if j.JobID == "" {
		p.lostJob = true
		return nil
	}
	if prev := p.jobs[j.JobID]; prev != nil {
		jd.errorf(info.node, s, "jobId is used by another createJob (at %s)", prev.d.pos(prev.node))
		return nil
	}
	p.jobs[j.JobID] = info
	if len(p.c.errs) != before {
		return nil
	}
	if inline {
		body, ok := d.toJSON(n, s)
		if !ok {
			return nil
		}
		m := body.(map[string]any)
		if d, has := m["document"]; has {
			if _, isString := d.(string); !isString {
				doc, _ := json.Marshal(d)
				m["document"] = string(doc)
			}
		}
		j.Body, _ = json.Marshal(m)
	}
	return j
}

func (p *parser) jobTargets(jd *decoder, j *CreateJob, n *yaml.Node, s scope) {
	items, ok := jd.seq(n, s, "thing or thing group ARNs")
	if !ok {
		return
	}
	if len(items) == 0 {
		jd.errorf(n, s, "expected at least one target")
	}
	for i, it := range items {
		arn, ok := jd.nonEmpty(it, s.index(i))
		if !ok {
			continue
		}
		m := targetARN.FindStringSubmatch(arn)
		if m == nil {
			jd.errorf(it, s.index(i), "expected a thing or thing group ARN (arn:aws:iot:REGION:ACCOUNT:thinggroup/NAME), found %q", arn)
			continue
		}
		t := Target{ARN: arn, Kind: m[1], Name: m[2]}
		if t.Kind == "thinggroup" && p.groups[t.Name] == nil {
			jd.errorf(it, s.index(i), "unknown thing group %q%s", t.Name, p.groupList())
			continue
		}
		j.Targets = append(j.Targets, t)
	}
}

// jobDocument reads the job document: a JSON string holding an object, or,
// in an inline createJob, the object itself.
func (p *parser) jobDocument(jd *decoder, n *yaml.Node, s scope, inline bool) map[string]any {
	v := deref(n)
	var text string
	switch {
	case v.Kind == yaml.MappingNode && inline:
		j, ok := jd.toJSON(v, s)
		if !ok {
			return nil
		}
		b, _ := json.Marshal(j)
		text = string(b)
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
		text = v.Value
	default:
		what := "a JSON string"
		if inline {
			what = "a JSON string or a mapping"
		}
		jd.errorf(n, s, "expected %s, found %s", what, describe(n))
		return nil
	}
	if c := utf8.RuneCountInString(text); c > maxJobDocument {
		jd.errorf(n, s, "the document has %d characters; AWS takes at most %d", c, maxJobDocument)
	}
	if jerr := checkJSON([]byte(text)); jerr != nil {
		jd.errorf(n, s, "%s (at %d:%d of the document)", jerr.Msg, jerr.Line, jerr.Col)
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc any
	dec.Decode(&doc)
	m, ok := doc.(map[string]any)
	if !ok {
		jd.errorf(n, s, "expected a JSON object, found %s", jsonKind(doc))
		return nil
	}
	return m
}

func (d *decoder) rolloutConfig(n *yaml.Node, s scope) {
	f, ok := d.mapping(n, s, "rolloutConfig")
	if !ok {
		return
	}
	if v := f.get("maximumPerMinute"); v != nil {
		d.integer(v, s.key("maximumPerMinute"), 1, 1000)
	}
	v := f.get("exponentialRate")
	if v == nil {
		return
	}
	es := s.key("exponentialRate")
	g, ok := d.mapping(v, es, "exponentialRate")
	if !ok {
		return
	}
	if bv := g.get("baseRatePerMinute"); bv != nil {
		d.integer(bv, es.key("baseRatePerMinute"), 1, 1000)
	} else {
		d.missing(g, es, "baseRatePerMinute", "1 to 1000")
	}
	if iv := g.get("incrementFactor"); iv != nil {
		if x, ok := d.number(iv, es.key("incrementFactor")); ok && (x < 1.1 || x > 5 || !hasDecimals(x, 1)) {
			d.errorf(iv, es.key("incrementFactor"), "expected a number from 1.1 to 5 with at most one decimal place, found %s", num(x))
		}
	} else {
		d.missing(g, es, "incrementFactor", "1.1 to 5")
	}
	rv := g.get("rateIncreaseCriteria")
	if rv == nil {
		d.missing(g, es, "rateIncreaseCriteria", "numberOfNotifiedThings or numberOfSucceededThings")
		return
	}
	rs := es.key("rateIncreaseCriteria")
	h, ok := d.mapping(rv, rs, "rateIncreaseCriteria")
	if !ok {
		return
	}
	if !h.has("numberOfNotifiedThings") && !h.has("numberOfSucceededThings") {
		d.errorf(rv, rs, "expected numberOfNotifiedThings or numberOfSucceededThings (or both)")
	}
	for _, k := range []string{"numberOfNotifiedThings", "numberOfSucceededThings"} {
		if x := h.get(k); x != nil {
			d.integer(x, rs.key(k), 1, math.MaxInt32)
		}
	}
}

// abortConfig checks the criteria and returns their
// minNumberOfExecutedThings nodes.
func (d *decoder) abortConfig(n *yaml.Node, s scope) []*yaml.Node {
	f, ok := d.mapping(n, s, "abortConfig")
	if !ok {
		return nil
	}
	if !f.has("criteriaList") {
		d.missing(f, s, "criteriaList", "at least one abort criterion")
		return nil
	}
	items, ok := d.seq(f.get("criteriaList"), s.key("criteriaList"), "abort criteria")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(f.get("criteriaList"), s.key("criteriaList"), "expected at least one criterion")
	}
	var mins []*yaml.Node
	for i, it := range items {
		cs := s.key("criteriaList").index(i)
		g, ok := d.mapping(it, cs, "abortCriteria")
		if !ok {
			continue
		}
		for _, k := range knownKeys["abortCriteria"] {
			if !g.has(k) {
				d.missing(g, cs, k, map[string]string{
					"failureType": "FAILED, REJECTED, TIMED_OUT or ALL", "action": "CANCEL",
					"thresholdPercentage": "a percentage up to 100", "minNumberOfExecutedThings": "a positive integer",
				}[k])
			}
		}
		if v := g.get("failureType"); v != nil {
			d.enum(v, cs.key("failureType"), "FAILED", "REJECTED", "TIMED_OUT", "ALL")
		}
		if v := g.get("action"); v != nil {
			d.enum(v, cs.key("action"), "CANCEL")
		}
		if v := g.get("thresholdPercentage"); v != nil {
			if x, ok := d.number(v, cs.key("thresholdPercentage")); ok && (x < 0 || x > 100 || !hasDecimals(x, 2)) {
				d.errorf(v, cs.key("thresholdPercentage"), "expected a percentage from 0 to 100 with at most two decimal places, found %s", num(x))
			}
		}
		if v := g.get("minNumberOfExecutedThings"); v != nil {
			if _, ok := d.integer(v, cs.key("minNumberOfExecutedThings"), 1, math.MaxInt32); ok {
				mins = append(mins, v)
			}
		}
	}
	return mins
}

// retryConfig checks the criteria and returns the TIMED_OUT (or ALL) one.
func (d *decoder) retryConfig(n *yaml.Node, s scope) *yaml.Node {
	f, ok := d.mapping(n, s, "retryConfig")
	if !ok {
		return nil
	}
	if !f.has("criteriaList") {
		d.missing(f, s, "criteriaList", "one or two retry criteria")
		return nil
	}
	items, ok := d.seq(f.get("criteriaList"), s.key("criteriaList"), "retry criteria")
	if !ok {
		return nil
	}
	if len(items) < 1 || len(items) > 2 {
		d.errorf(f.get("criteriaList"), s.key("criteriaList"), "expected one or two criteria, found %d", len(items))
	}
	var timedOut *yaml.Node
	total := int64(0)
	seen := map[string]bool{}
	for i, it := range items {
		cs := s.key("criteriaList").index(i)
		g, ok := d.mapping(it, cs, "retryCriteria")
		if !ok {
			continue
		}
		if !g.has("failureType") {
			d.missing(g, cs, "failureType", "FAILED, TIMED_OUT or ALL")
		} else if ft, ok := d.enum(g.get("failureType"), cs.key("failureType"), "FAILED", "TIMED_OUT", "ALL"); ok {
			if seen[ft] {
				d.errorf(g.get("failureType"), cs.key("failureType"), "%s appears in more than one criterion", ft)
			}
			seen[ft] = true
			if ft != "FAILED" {
				timedOut = g.get("failureType")
			}
		}
		if !g.has("numberOfRetries") {
			d.missing(g, cs, "numberOfRetries", "0 to 10")
		} else if r, ok := d.integer(g.get("numberOfRetries"), cs.key("numberOfRetries"), 0, 10); ok {
			total += r
		}
	}
	if total > 10 {
		d.errorf(f.get("criteriaList"), s.key("criteriaList"), "%d retries in all; AWS allows at most 10 for both failure types combined", total)
	}
	return timedOut
}

// hasDecimals reports whether x has at most places digits after the
// decimal point, as AWS checks incrementFactor (1) and thresholdPercentage
// (2).
func hasDecimals(x float64, places int) bool {
	p := math.Pow10(places)
	return math.Abs(x*p-math.Round(x*p)) < 1e-9*p
}

// cancelJob reads {jobId, force, reasonCode, comment}.
func (p *parser) cancelJob(n *yaml.Node, s scope) *CancelJob {
	d := p.d
	f, ok := d.mapping(n, s, "cancelJob")
	if !ok {
		return nil
	}
	c := &CancelJob{}
	before := len(p.c.errs)
	if v := f.get("jobId"); v != nil {
		c.JobID, _ = d.awsName(v, s.key("jobId"), jobIDRune, "[a-zA-Z0-9_-]+", 64)
	} else {
		d.missing(f, s, "jobId", "the job to cancel")
	}
	if v := f.get("force"); v != nil {
		c.Force, _ = d.boolean(v, s.key("force"))
	}
	if v := f.get("reasonCode"); v != nil {
		if rc, ok := d.str(v, s.key("reasonCode")); ok {
			if rc == "" || len(rc) > 128 || strings.IndexFunc(rc, func(r rune) bool { return !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '_' }) >= 0 {
				d.errorf(v, s.key("reasonCode"), "expected 1 to 128 upper-case letters, digits and _, found %q", rc)
			}
			c.ReasonCode = rc
		}
	}
	if v := f.get("comment"); v != nil {
		if cm, ok := d.str(v, s.key("comment")); ok {
			if utf8.RuneCountInString(cm) > 2028 || strings.IndexFunc(cm, unicode.IsControl) >= 0 {
				d.errorf(v, s.key("comment"), "at most 2028 characters and no control characters")
			}
			c.Comment = cm
		}
	}
	if len(p.c.errs) != before {
		return nil
	}
	return c
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "an object"
}

// jobDocumentSource reads the job document documentSource names: an S3
// location (s3://bucket/key or an S3 https URL) is the file s3/bucket/key
// in the scenario's directory, as fleetd maps S3 to its data directory;
// file:// paths are read as they are.
func (p *parser) jobDocumentSource(jd *decoder, n *yaml.Node, s scope) (map[string]any, string) {
	uri, ok := jd.nonEmpty(n, s)
	if !ok {
		return nil, ""
	}
	loc, err := objects.Parse(uri)
	if err != nil {
		jd.errorf(n, s, "%s", err.Error())
		return nil, ""
	}
	path := loc.File
	if path == "" {
		path = filepath.Join(p.dir, "s3", loc.Bucket, filepath.FromSlash(loc.Key))
	}
	if p.read == nil {
		jd.errorf(n, s, "cannot read %s: no files can be read here", uri)
		return nil, ""
	}
	data, err := p.read(path)
	if err != nil {
		jd.errorf(n, s, "cannot read %s (%s): %s", uri, path, ioMessage(err))
		return nil, ""
	}
	text := string(data)
	tmp := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text, Line: n.Line, Column: n.Column}
	doc := p.jobDocument(jd, tmp, s, false)
	if doc == nil {
		return nil, ""
	}
	return doc, text
}

// schedulingConfig checks a job's schedulingConfig as fleetd will when the
// job is created at at: its times are absolute (Epoch is at: 0s), the
// start at least 30 minutes after the job is created, as on AWS.
func (p *parser) schedulingConfig(jd *decoder, n *yaml.Node, s scope, at time.Duration) {
	body, ok := jd.toJSON(n, s)
	if !ok {
		return
	}
	raw, _ := json.Marshal(body)
	var cfg schedule.SchedulingConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		jd.errorf(n, s, "expected an AWS schedulingConfig (startTime, endTime, endBehavior, maintenanceWindows): %v", err)
		return
	}
	if _, err := schedule.Compile(&cfg, Epoch.Add(at), schedule.Options{}); err != nil {
		msg := err.Error()
		if ae, ok := awserr.As(err); ok {
			msg = ae.Message
		}
		jd.errorf(n, s, "%s (the simulation starts at %s; this job is created at %s)", msg,
			Epoch.Format("2006-01-02T15:04"), Epoch.Add(at).Format("2006-01-02T15:04"))
	}
}
