package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index/query"
)

const (
	keyIndexingConfig = "config/indexing"
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
	b, ok := c.reg.Record(key)
	if !ok {
		return nil
	}
	return b
}

// Restore loads one persisted record into an empty Core. Call
// FinishRestore after the last one.
func (c *Core) Restore(key string, value []byte) error {
	switch {
	case key == keyIndexingConfig:
		var cfg IndexingConfiguration
		if err := json.Unmarshal(value, &cfg); err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		if cfg.ThingIndexingConfiguration != nil {
			c.idx.cfg = *cfg.ThingIndexingConfiguration
		}
		if cfg.ThingGroupIndexingConfiguration != nil {
			c.idx.group = *cfg.ThingGroupIndexingConfiguration
		}
	case strings.HasPrefix(key, prefixShadow):
		thing, name, _ := strings.Cut(key[len(prefixShadow):], "/")
		var d shadow.Doc
		if err := json.Unmarshal(value, &d); err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		*c.shadowSlot(thing, name) = d
	case strings.HasPrefix(key, prefixConn):
		var cs connectivity
		if err := json.Unmarshal(value, &cs); err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
		c.conns[key[len(prefixConn):]] = &cs
	default:
		if err := c.reg.Restore(key, value); err != nil {
			return fmt.Errorf("record %s: %w", key, err)
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
	for _, name := range c.reg.Things {
		if v, ok := c.reg.View(name); ok {
			c.views[v.ID] = &v
		}
	}
	for _, g := range c.reg.DynamicGroups() {
		q, err := query.ParseWithLimits(g.QueryString, c.opts.Index.Query)
		if err != nil {
			return fmt.Errorf("dynamic group %s: %w", g.Name, err)
		}
		c.idx.dynamic[g.Name] = newDynamicQuery(q)
		c.idx.dynOrder = append(c.idx.dynOrder, g.Name)
	}
	c.rebuildIndex(now)
	c.Ready() // restoring is not news: drop what the rebuild produced
	return nil
}
