package engine

import (
	"fmt"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Provisioner brings one device into the registry the way its cohort's
// provisioning method does: the thing with its type, attributes and static
// groups. registry, claim (claim.go) and jitp (jitp.go) are built in;
// bulk is not a per-device provisioner but one registration task per
// cohort (bulk.go). Options.Provisioners may replace them.
type Provisioner interface {
	Provision(c *core.Core, now time.Time, d DeviceSpec) error
}

// DeviceSpec is what a provisioner needs to know of a device.
type DeviceSpec struct {
	Name       string
	Index      int // within the cohort
	Cohort     *scenario.Cohort
	Attributes map[string]string
	// Parameters are the cohort's provisioning parameters sampled for
	// this device (RegisterThing parameters, or a JITP certificate's
	// subject fields).
	Parameters map[string]any
}

// registryProvisioner creates things directly (method registry): no
// provisioning traffic, as if they existed before the rehearsal.
type registryProvisioner struct{}

func (registryProvisioner) Provision(c *core.Core, now time.Time, d DeviceSpec) error {
	req := registry.CreateThingRequest{ThingName: d.Name, ThingTypeName: d.Cohort.ThingType}
	if len(d.Attributes) > 0 {
		req.AttributePayload = &registry.AttributePayload{Attributes: d.Attributes}
	}
	if _, err := core.Do(c, now, (*registry.Registry).CreateThing, req); err != nil {
		return fmt.Errorf("CreateThing %s: %w", d.Name, err)
	}
	for _, g := range d.Cohort.Groups {
		err := core.DoErr(c, now, (*registry.Registry).AddThingToThingGroup, registry.AddThingToThingGroupRequest{ThingGroupName: g, ThingName: d.Name})
		if err != nil {
			return fmt.Errorf("AddThingToThingGroup %s %s: %w", g, d.Name, err)
		}
	}
	return nil
}
