package engine

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

func (s *Sim) cohort(d uint32) *scenario.Cohort { return &s.sc.Cohorts[s.fleet.devices[d].cohort] }

// vars answers ${device.*} for device d and, with a job, ${job.*}.
func (s *Sim) vars(d uint32, job *jobInfo) scenario.Vars {
	return func(v scenario.Var) (any, bool) {
		switch v.Kind {
		case scenario.DeviceID:
			return s.fleet.names[d], true
		case scenario.DeviceIndex:
			return json.Number(strconv.Itoa(s.fleet.index(d))), true
		case scenario.DeviceCohort:
			return s.cohort(d).Name, true
		case scenario.JobID:
			if job != nil {
				return job.id, true
			}
		case scenario.JobDocument:
			if job != nil && job.document != nil {
				return scenario.LookupDocument(job.document, v.Path)
			}
		}
		return nil, false
	}
}

// attributes samples a device's registry attributes. They never change, so
// the truth re-samples them instead of storing them.
func (s *Sim) attributes(d uint32) map[string]string {
	c := s.cohort(d)
	if len(c.Attributes) == 0 {
		return nil
	}
	vals := scenario.SampleFields(c.Attributes, s.rng.at(d, purposeAttributes, 0), s.vars(d, nil))
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		out[k] = scenario.FormatAttribute(v)
	}
	return out
}

// provisionNext provisions device d of a ramped cohort and schedules the
// cohort's next device.
func (s *Sim) provisionNext(d uint32) {
	ci := int(s.fleet.devices[d].cohort)
	var refused *refusedError
	if err := s.provision(d); err != nil && !errors.As(err, &refused) {
		s.rep.Warnings = append(s.rep.Warnings, err.Error())
	}
	if next, ok := s.nextInShard(d+1, ci); ok {
		s.wheel.Schedule(wheel.Event{At: s.rampAt(ci, int(next-s.fleet.base[ci])), Kind: kindProvision, Device: next})
	}
}

// deviceSpec is what a provisioner knows of device d: its name, sampled
// attributes and provisioning parameters.
func (s *Sim) deviceSpec(d uint32) DeviceSpec {
	c := s.cohort(d)
	return DeviceSpec{Name: s.fleet.names[d], Index: s.fleet.index(d), Cohort: c, Attributes: s.attributes(d), Parameters: s.parameters(d)}
}

// parameters samples device d's provisioning parameters (nil when its
// cohort has none).
func (s *Sim) parameters(d uint32) map[string]any {
	c := s.cohort(d)
	if len(c.Provisioning.Parameters) == 0 {
		return nil
	}
	return scenario.SampleFields(c.Provisioning.Parameters, s.rng.at(d, purposeAttributes, 1), s.vars(d, nil))
}

// provision creates device d through its cohort's provisioner, then brings
// it online.
func (s *Sim) provision(d uint32) error {
	err := s.provisioners[s.cohort(d).Provisioning.Method].Provision(s.core, s.now(), s.deviceSpec(d))
	s.drain()
	if err != nil {
		return err
	}
	s.online(d)
	return nil
}

// online is a device whose thing exists: it reports its initial shadow,
// connects and starts its behaviours.
func (s *Sim) online(d uint32) {
	c := s.cohort(d)
	s.fleet.devices[d].flags |= flagProvisioned
	s.provisioned++
	if !c.Shadow.Empty() {
		r := s.rng.at(d, purposeShadow, 0)
		s.reportState(d, c.Shadow, r, nil)
	}
	s.connect(d)
	if c.Churn != nil {
		s.scheduleChurn(d)
	}
}

// reportState samples st and sends it as the device's shadow update; the
// truth follows when the core accepts it. Values are sampled in the
// scenario's field order and written straight into the payload, keys
// sorted, with no map in between; the truth's leaves are slices of the
// payload.
func (s *Sim) reportState(d uint32, st scenario.State, r *rand.Rand, job *jobInfo) {
	vars := s.vars(d, job)
	reported, desired := s.planOf("reported", st.Reported), s.planOf("desired", st.Desired)
	s.samples = s.samples[:0]
	for _, p := range [2]*sectionPlan{reported, desired} {
		if p == nil {
			continue
		}
		for _, f := range p.fields {
			v, ok := f.Value.Sample(r, vars)
			s.samples = append(s.samples, sample{v, ok})
		}
	}
	// The core keeps nothing of the payload, so its buffer is reused; the
	// leaves point into it until merge copies them.
	payload := append(s.payload[:0], `{"state":{`...)
	s.leaves = s.leaves[:0]
	samples := s.samples
	for i, p := range [2]*sectionPlan{reported, desired} {
		if p == nil {
			continue
		}
		if i == 1 && reported != nil {
			payload = append(payload, ',')
		}
		payload = append(payload, p.head...)
		first := true
		for _, fi := range p.sorted {
			sm := samples[fi]
			if !sm.ok {
				continue
			}
			if !first {
				payload = append(payload, ',')
			}
			first = false
			payload = append(payload, p.keys[fi]...)
			switch v := sm.v.(type) {
			case nil:
				payload = append(payload, "null"...)
				s.leaves = append(s.leaves, leaf{path: p.paths[fi], id: p.ids[fi]})
			case map[string]any:
				payload = appendObject(payload, v)
				if len(v) > 0 {
					s.leaves = s.paths.flattenUpdate(s.leaves, p.paths[fi], v)
				}
			default:
				at := len(payload)
				payload = appendJSON(payload, v)
				s.leaves = append(s.leaves, leaf{path: p.paths[fi], id: p.ids[fi], json: payload[at:len(payload):len(payload)]})
			}
		}
		payload = append(payload, '}')
		samples = samples[len(p.fields):]
	}
	payload = append(payload, "}}"...)
	s.payload = payload
	dv := &s.fleet.devices[d]
	h := dv.shadowOf
	if h == (core.ShadowHandle{}) {
		h, _ = s.core.ShadowHandle(s.fleet.names[d]) // zero for a name the core refuses
		dv.shadowOf = h
	}
	var err error
	if h != (core.ShadowHandle{}) {
		_, err = s.core.UpdateThingShadowVia(s.now(), core.FromMQTT, h, "", payload)
	} else {
		_, err = s.core.UpdateThingShadow(s.now(), core.FromMQTT, s.fleet.names[d], "", payload) // rejected as on AWS
	}
	s.drain()
	if err != nil {
		return // rejected: the device's state did not change
	}
	dv.shadow, s.scratch = s.paths.merge(dv.shadow, s.leaves, s.scratch)
}

// sample is one sampled field value; ok false leaves the field out.
type sample struct {
	v  any
	ok bool
}

// sectionPlan is a State section prepared for reportState: its fields in
// scenario order (the order they draw randomness in), the order of their
// names (the payload's), and each field's JSON key and interned leaf path.
type sectionPlan struct {
	head   string // "reported":{
	fields []scenario.Field
	sorted []int
	keys   []string // "name":
	paths  []string
	ids    []uint32
}

// planOf returns the plan of a section (nil when it has no fields),
// built once per distinct field list.
func (s *Sim) planOf(section string, fields []scenario.Field) *sectionPlan {
	if len(fields) == 0 {
		return nil
	}
	if p, ok := s.plans[&fields[0]]; ok {
		return p
	}
	p := &sectionPlan{head: string(appendJSON(nil, section)) + ":{", fields: fields}
	for i, f := range fields {
		p.sorted = append(p.sorted, i)
		p.keys = append(p.keys, string(appendJSON(nil, f.Name))+":")
		path := section + pathSep + f.Name
		p.paths = append(p.paths, path)
		p.ids = append(p.ids, s.paths.id(path))
	}
	slices.SortStableFunc(p.sorted, func(a, b int) int { return strings.Compare(fields[a].Name, fields[b].Name) })
	if s.plans == nil {
		s.plans = map[*scenario.Field]*sectionPlan{}
	}
	s.plans[&fields[0]] = p
	return p
}

func (s *Sim) scheduleChurn(d uint32) {
	r := s.rng.at(d, purposeChurn, s.fleet.devices[d].churnN)
	wait := s.cohort(d).Churn.Every.Sample(r).Milliseconds()
	s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, wait), Kind: kindChurn, Device: d})
}

// churn is a device reporting fresh values by itself; a disconnected device
// cannot, and skips this report.
func (s *Sim) churn(d uint32) {
	dv := &s.fleet.devices[d]
	n := dv.churnN
	dv.churnN++
	if dv.flags&flagConnected != 0 {
		r := s.rng.at(d, purposeChurnValues, n)
		s.reportState(d, s.cohort(d).Churn.State, r, nil)
	}
	s.scheduleChurn(d)
}

// connect opens the device's session; with connectivity it schedules the
// drop. An idle job agent then asks for its next job, since it may have
// missed notifications while away.
func (s *Sim) connect(d uint32) {
	dv := &s.fleet.devices[d]
	if dv.flags&flagConnected != 0 {
		return
	}
	name := s.fleet.names[d]
	s.core.Connect(s.now(), core.ConnectRequest{ClientID: name, PrincipalID: name})
	dv.flags |= flagConnected | flagEverConnected
	dv.connMs = s.nowMs
	s.drain()
	if conn := s.cohort(d).Connectivity; conn != nil {
		r := s.rng.at(d, purposeConnectivity, dv.connN)
		dv.connN++
		s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, conn.Up.Sample(r).Milliseconds()), Kind: kindDisconnect, Device: d})
	}
	s.agentReconnected(d)
}

func (s *Sim) disconnect(d uint32) {
	dv := &s.fleet.devices[d]
	s.core.Disconnect(s.now(), s.fleet.names[d], core.ReasonConnectionLost)
	dv.flags &^= flagConnected
	dv.connMs = s.nowMs
	s.drain()
	r := s.rng.at(d, purposeConnectivity, dv.connN)
	dv.connN++
	s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, s.cohort(d).Connectivity.Down.Sample(r).Milliseconds()), Kind: kindConnect, Device: d})
}
