package identity

import (
	"slices"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Tags returns the tags of the policy or CA certificate an ARN's resource
// part names ("policy", "cacert"); false when there is no such resource.
func (s *Store) Tags(resourceType, name string) ([]registry.Tag, bool) {
	switch resourceType {
	case "policy":
		if p := s.policies[name]; p != nil {
			return slices.Clone(p.tags), true
		}
	case "cacert":
		if ca := s.cas[normalizeCertificateID(name)]; ca != nil {
			return slices.Clone(ca.tags), true
		}
	}
	return nil, false
}

// SetTags replaces the tags of a resource Tags knows; false when there is
// no such resource.
func (s *Store) SetTags(resourceType, name string, tags []registry.Tag) bool {
	switch resourceType {
	case "policy":
		if p := s.policies[name]; p != nil {
			p.tags = tags
			s.dirty(policyKey(p.name))
			return true
		}
	case "cacert":
		if ca := s.cas[normalizeCertificateID(name)]; ca != nil {
			ca.tags = tags
			s.dirty(caKey(ca.id))
			return true
		}
	}
	return false
}
