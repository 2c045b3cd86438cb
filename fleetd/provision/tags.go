package provision

import (
	"slices"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Tags returns the tags of the provisioning template an ARN's resource
// part names ("provisioningtemplate"); false when there is none.
func (e *Engine) Tags(resourceType, name string) ([]registry.Tag, bool) {
	if t := e.templates[name]; resourceType == "provisioningtemplate" && t != nil {
		return slices.Clone(t.tags), true
	}
	return nil, false
}

// SetTags replaces the tags of a resource Tags knows; false when there is
// no such resource.
func (e *Engine) SetTags(resourceType, name string, tags []registry.Tag) bool {
	t := e.templates[name]
	if resourceType != "provisioningtemplate" || t == nil {
		return false
	}
	t.tags = tags
	e.dirtyTemplate(t)
	return true
}
