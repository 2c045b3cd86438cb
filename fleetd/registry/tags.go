package registry

import "slices"

// Tags returns the tags of the thing type, thing group or billing group
// an ARN's resource part names ("thingtype", "thinggroup",
// "billinggroup"); false when there is no such resource here.
func (r *Registry) Tags(resourceType, name string) ([]Tag, bool) {
	switch resourceType {
	case "thingtype":
		if tt := r.types[name]; tt != nil {
			return slices.Clone(tt.tags), true
		}
	case "thinggroup":
		if g := r.groups[name]; g != nil {
			return slices.Clone(g.tags), true
		}
	case "billinggroup":
		if b := r.billing[name]; b != nil {
			return slices.Clone(b.tags), true
		}
	}
	return nil, false
}

// SetTags replaces the tags of a resource Tags knows; false when there is
// no such resource.
func (r *Registry) SetTags(resourceType, name string, tags []Tag) bool {
	tags = normTags(tags)
	switch resourceType {
	case "thingtype":
		if tt := r.types[name]; tt != nil {
			tt.tags = tags
			r.ch.record(thingTypeKey(name))
			return true
		}
	case "thinggroup":
		if g := r.groups[name]; g != nil {
			g.tags = tags
			r.ch.record(thingGroupKey(name))
			return true
		}
	case "billinggroup":
		if b := r.billing[name]; b != nil {
			b.tags = tags
			r.ch.record(billingGroupKey(name))
			return true
		}
	}
	return false
}
