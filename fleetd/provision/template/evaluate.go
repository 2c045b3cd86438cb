package template

// scope is what one evaluation reads: the template and the parameters.
type scope struct {
	t      *Template
	params map[string]string
}

// lookup resolves a parameter: the given value, else the declared default.
func (s *scope) lookup(path, name string) (string, error) {
	if v, ok := s.params[name]; ok {
		return v, nil
	}
	if i, ok := s.t.paramIndex[name]; ok && s.t.params[i].HasDefault {
		return s.t.params[i].Default, nil
	}
	if _, declared := s.t.paramIndex[name]; !declared && pseudoParameters[name] {
		return "", evalFailure(path, "pseudo-parameter %s has no value", name)
	}
	return "", evalFailure(path, "parameter %s has no value and no default", name)
}

// Evaluate resolves the template with params, which hold the caller's
// parameters and the pseudo-parameters it binds (AWS::IoT::Certificate::Id,
// AWS::Region, AWS::AccountId, certificate subject fields for JITP).
// Parameters the template does not use are ignored. Resources are
// evaluated in template order, then DeviceConfiguration; the first failure
// is returned as a ResourceRegistrationFailureException naming the path.
// Evaluate never modifies params or the Template.
func (t *Template) Evaluate(params map[string]string) (*Result, error) {
	s := &scope{t: t, params: params}
	r := &Result{}
	for _, res := range t.resources {
		if err := res.evaluate(s, r); err != nil {
			return nil, err
		}
	}
	if len(t.configKeys) > 0 {
		r.DeviceConfiguration = make(map[string]string, len(t.configKeys))
		for i, k := range t.configKeys {
			v, err := t.configValues[i].evalString(s)
			if err != nil {
				return nil, err
			}
			r.DeviceConfiguration[k] = v
		}
	}
	return r, nil
}
