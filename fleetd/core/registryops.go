package core

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Do runs a mutating registry operation — any method of the registry with
// the AWS shape op(request, now) (response, error), passed as a method
// expression such as (*registry.Registry).CreateThing — and applies its
// consequences: re-indexing, dynamic groups, records and events.
//
// Dynamic thing groups are created and updated through the Core's own
// methods, which check the query against the index first.
func Do[Req, Resp any](c *Core, now time.Time, op func(*registry.Registry, Req, time.Time) (Resp, error), req Req) (Resp, error) {
	resp, err := op(c.reg, req, now)
	c.afterRegistry(now)
	return resp, err
}

// DoErr is Do for operations whose AWS response is empty.
func DoErr[Req any](c *Core, now time.Time, op func(*registry.Registry, Req, time.Time) error, req Req) error {
	err := op(c.reg, req, now)
	c.afterRegistry(now)
	return err
}

// Read runs a read-only registry operation (Describe*, List*).
func Read[Req, Resp any](c *Core, op func(*registry.Registry, Req) (Resp, error), req Req) (Resp, error) {
	return op(c.reg, req)
}

// Registry gives read access to the registry for what the operations do
// not cover (dense ids, views). Mutating it directly bypasses the index:
// use Do.
func (c *Core) Registry() *registry.Registry { return c.reg }
