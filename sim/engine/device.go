package engine

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

func (s *Sim) cohort(d uint32) *scenario.Cohort { return &s.sc.Cohorts[s.fleet.cohortOf[d]] }

// vars answers ${device.*} for device d and, with a job, ${job.*}.
func (s *Sim) vars(d uint32, job *jobInfo) scenario.Vars {
	return func(v scenario.Var) (any, bool) {
		switch v.Kind {
		case scenario.DeviceID:
			return s.fleet.names[d], true
		case scenario.DeviceIndex:
			return json.Number(strconv.Itoa(int(s.fleet.index[d]))), true
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
	ci := int(s.fleet.cohortOf[d])
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
	spec := DeviceSpec{Name: s.fleet.names[d], Index: int(s.fleet.index[d]), Cohort: c, Attributes: s.attributes(d)}
	if len(c.Provisioning.Parameters) > 0 {
		spec.Parameters = scenario.SampleFields(c.Provisioning.Parameters, s.rng.at(d, purposeAttributes, 1), s.vars(d, nil))
	}
	return spec
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
	s.fleet.flags[d] |= flagProvisioned
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
// truth follows when the core accepts it.
func (s *Sim) reportState(d uint32, st scenario.State, r *rand.Rand, job *jobInfo) {
	vars := s.vars(d, job)
	var reported, desired map[string]any
	if len(st.Reported) > 0 {
		reported = scenario.SampleFields(st.Reported, r, vars)
	}
	if len(st.Desired) > 0 {
		desired = scenario.SampleFields(st.Desired, r, vars)
	}
	// A fresh buffer: the core may keep what it is given.
	s.payload = append(make([]byte, 0, 64+len(s.payload)), `{"state":{`...)
	if reported != nil {
		s.payload = appendObject(append(s.payload, `"reported":`...), reported)
	}
	if desired != nil {
		if reported != nil {
			s.payload = append(s.payload, ',')
		}
		s.payload = appendObject(append(s.payload, `"desired":`...), desired)
	}
	s.payload = append(s.payload, "}}"...)
	payload := s.payload
	var err error
	_, err = s.core.UpdateThingShadow(s.now(), core.FromMQTT, s.fleet.names[d], "", payload)
	s.drain()
	if err != nil {
		return // rejected: the device's state did not change
	}
	s.leaves = s.paths.flattenUpdate(s.leaves[:0], "reported", reported)
	s.leaves = s.paths.flattenUpdate(s.leaves, "desired", desired)
	s.fleet.shadow[d], s.scratch = s.paths.merge(s.fleet.shadow[d], s.leaves, s.scratch)
}

func (s *Sim) scheduleChurn(d uint32) {
	r := s.rng.at(d, purposeChurn, s.fleet.churnN[d])
	wait := s.cohort(d).Churn.Every.Sample(r).Milliseconds()
	s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, wait), Kind: kindChurn, Device: d})
}

// churn is a device reporting fresh values by itself; a disconnected device
// cannot, and skips this report.
func (s *Sim) churn(d uint32) {
	n := s.fleet.churnN[d]
	s.fleet.churnN[d]++
	if s.fleet.has(d, flagConnected) {
		r := s.rng.at(d, purposeChurnValues, n)
		s.reportState(d, s.cohort(d).Churn.State, r, nil)
	}
	s.scheduleChurn(d)
}

// connect opens the device's session; with connectivity it schedules the
// drop. An idle job agent then asks for its next job, since it may have
// missed notifications while away.
func (s *Sim) connect(d uint32) {
	f := &s.fleet
	if f.has(d, flagConnected) {
		return
	}
	s.core.Connect(s.now(), core.ConnectRequest{ClientID: f.names[d], PrincipalID: f.names[d]})
	f.flags[d] |= flagConnected | flagEverConnected
	f.connMs[d] = s.nowMs
	s.drain()
	if conn := s.cohort(d).Connectivity; conn != nil {
		r := s.rng.at(d, purposeConnectivity, f.connN[d])
		f.connN[d]++
		s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, conn.Up.Sample(r).Milliseconds()), Kind: kindDisconnect, Device: d})
	}
	s.agentReconnected(d)
}

func (s *Sim) disconnect(d uint32) {
	f := &s.fleet
	s.core.Disconnect(s.now(), f.names[d], core.ReasonConnectionLost)
	f.flags[d] &^= flagConnected
	f.connMs[d] = s.nowMs
	s.drain()
	r := s.rng.at(d, purposeConnectivity, f.connN[d])
	f.connN[d]++
	s.wheel.Schedule(wheel.Event{At: s.nowMs + max(1, s.cohort(d).Connectivity.Down.Sample(r).Milliseconds()), Kind: kindConnect, Device: d})
}
