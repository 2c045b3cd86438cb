package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index/query"
)

const (
	keyIndexingConfig = "config/indexing"
	keySessionRNG     = "config/session-rng" // where session identifiers continue from
	prefixShadow      = "shadow/"
	prefixConn        = "conn/"
)

func keyShadow(thing, name string) string { return prefixShadow + thing + "/" + name }
func keyConn(clientID string) string      { return prefixConn + clientID }

// record returns the current value of a record key, nil when the record no
// longer exists.
func (c *Core) record(key string) []byte {
	switch {
	case key == keyIndexingConfig:
		b, _ := json.Marshal(IndexingConfiguration{ThingIndexingConfiguration: &c.idx.cfg, ThingGroupIndexingConfiguration: &c.idx.group})
		return b
	case key == keySessionRNG:
		c.rand()
		b, _ := c.pcg.MarshalBinary()
		return b
	case strings.HasPrefix(key, prefixShadow):
		thing, name, _ := strings.Cut(key[len(prefixShadow):], "/")
		if d := c.shadowDoc(thing, name); d != nil {
			b, _ := d.MarshalJSON() // directly: encoding/json would re-validate it
			return b
		}
		return nil
	case strings.HasPrefix(key, prefixConn):
		if cs := c.conns[key[len(prefixConn):]]; cs != nil {
			b, _ := json.Marshal(cs)
			return b
		}
		return nil
	}
	if jobs.OwnsKey(key) {
		return c.jobs.Record(key)
	}
	if provision.OwnsKey(key) {
		if c.prov == nil {
			return nil
		}
		return c.prov.Record(key)
	}
	if ownedByIdentity(key) {
		if c.ident == nil {
			return nil
		}
		b, ok := c.ident.Record(key)
		if !ok {
			return nil
		}
		return b
	}
	b, ok := c.reg.Record(key)
	if !ok {
		return nil
	}
	return b
}

// Restore loads one persisted record into an empty Core. Call
// FinishRestore after the last one.
func (c *Core) Restore(key string, value []byte) error {
	d, err := DecodeRecord(key, value)
	if err != nil {
		return err
	}
	return c.ApplyRecord(d)
}

// Decoded is a record decoded by DecodeRecord, ready for ApplyRecord.
type Decoded struct {
	key      string
	rng      []byte // the session identifiers' generator state
	indexing *IndexingConfiguration
	shadow   *shadow.Doc
	conn     *connectivity
	jobs     []byte // a jobs record, decoded when applied
	identity []byte // an identity record, decoded when applied
	prov     []byte // a provisioning record, decoded when applied
	registry registry.Decoded
}

// DecodeRecord decodes one persisted record without touching any Core, so
// a restore can decode on several goroutines and apply on one. value must
// stay untouched afterwards: decoded shadows keep pointing into it.
func DecodeRecord(key string, value []byte) (Decoded, error) {
	d := Decoded{key: key}
	var err error
	switch {
	case key == keyIndexingConfig:
		d.indexing = &IndexingConfiguration{}
		err = json.Unmarshal(value, d.indexing)
	case key == keySessionRNG:
		d.rng = value
	case strings.HasPrefix(key, prefixShadow):
		d.shadow = &shadow.Doc{}
		err = d.shadow.UnmarshalJSON(value)
	case strings.HasPrefix(key, prefixConn):
		d.conn = &connectivity{}
		err = json.Unmarshal(value, d.conn)
	case jobs.OwnsKey(key):
		d.jobs = value
	case provision.OwnsKey(key):
		d.prov = value
	case ownedByIdentity(key):
		d.identity = value
	default:
		d.registry, err = registry.DecodeRecord(key, value)
	}
	if err != nil {
		return Decoded{}, fmt.Errorf("record %s: %w", key, err)
	}
	return d, nil
}

// ApplyRecord adds a decoded record to an empty Core.
func (c *Core) ApplyRecord(d Decoded) error {
	switch {
	case d.rng != nil:
		c.rand()
		if err := c.pcg.UnmarshalBinary(d.rng); err != nil {
			return fmt.Errorf("record %s: %w", d.key, err)
		}
	case d.indexing != nil:
		if t := d.indexing.ThingIndexingConfiguration; t != nil {
			c.idx.cfg = *t
		}
		if g := d.indexing.ThingGroupIndexingConfiguration; g != nil {
			c.idx.group = *g
		}
	case d.shadow != nil:
		thing, name, _ := strings.Cut(d.key[len(prefixShadow):], "/")
		*c.shadowSlot(thing, name) = *d.shadow
	case d.conn != nil:
		*c.connSlot(d.key[len(prefixConn):]) = *d.conn
	case d.jobs != nil:
		return c.jobs.Restore(d.key, d.jobs)
	case d.prov != nil:
		if c.prov == nil {
			return fmt.Errorf("record %s: provisioning is stored but this fleetd has no CA: %w", d.key, c.noIdentity())
		}
		return c.prov.Restore(d.key, d.prov)
	case d.identity != nil:
		if c.ident == nil {
			return fmt.Errorf("record %s: certificates and policies are stored but this fleetd has no CA: %w", d.key, c.noIdentity())
		}
		return c.ident.Restore(d.key, d.identity)
	default:
		if err := c.reg.ApplyRecord(d.registry); err != nil {
			return fmt.Errorf("record %s: %w", d.key, err)
		}
	}
	return nil
}

// FinishRestore rebuilds the derived state: the registry's indexes, the
// views, the fleet index and dynamic-group membership.
func (c *Core) FinishRestore(now time.Time) error {
	if err := c.reg.FinishRestore(); err != nil {
		return err
	}
	var names []string
	for _, name := range c.reg.Things {
		names = append(names, name)
	}
	// Views only read the registry: build them through Options.Parallel.
	c.views.grow(c.reg.ThingIDBound())
	views := make([]registry.ThingView, len(names))
	c.opts.Parallel(len(names), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			views[i], _ = c.reg.View(names[i])
		}
	})
	for i := range views {
		c.views.set(views[i])
	}
	for _, g := range c.reg.DynamicGroups() {
		q, err := query.ParseWithLimits(g.QueryString, c.opts.Index.Query)
		if err != nil {
			return fmt.Errorf("dynamic group %s: %w", g.Name, err)
		}
		c.idx.dynamic[g.Name] = newDynamicQuery(q)
		c.idx.dynOrder = append(c.idx.dynOrder, g.Name)
	}
	if err := c.jobs.FinishRestore(now); err != nil {
		return err
	}
	if c.ident != nil {
		if err := c.ident.FinishRestore(); err != nil {
			return err
		}
		c.ident.DrainChanges() // restoring is not a change
	}
	if c.prov != nil {
		if err := c.prov.FinishRestore(now); err != nil {
			return err
		}
	}
	c.rebuildIndex(now)
	c.Ready() // restoring is not news: drop what the rebuild produced
	return nil
}
