package jobs

import "slices"

// Tags returns the tags of the job or job template an ARN's resource part
// names ("job", "jobtemplate"); false when there is no such resource.
func (e *Engine) Tags(resourceType, name string) ([]Tag, bool) {
	switch resourceType {
	case "job":
		if j := e.jobs[name]; j != nil && !j.deleted {
			return slices.Clone(j.spec.Tags), true
		}
	case "jobtemplate":
		if t := e.tmpls[name]; t != nil {
			return slices.Clone(t.req.Tags), true
		}
	}
	return nil, false
}

// SetTags replaces the tags of a resource Tags knows; false when there is
// no such resource.
func (e *Engine) SetTags(resourceType, name string, tags []Tag) bool {
	switch resourceType {
	case "job":
		if j := e.jobs[name]; j != nil && !j.deleted {
			j.spec.Tags = tags
			e.dirtyJob(j)
			return true
		}
	case "jobtemplate":
		if t := e.tmpls[name]; t != nil {
			t.req.Tags = tags
			e.sink.Dirty(keyTemplate(name))
			return true
		}
	}
	return false
}
