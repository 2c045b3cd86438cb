package httpapi

import (
	"net/http"
	"net/url"
	"strings"
)

// call is one request on its way to an operation.
type call struct {
	r      *http.Request
	params map[string]string // path parameters, unescaped
	query  url.Values
	body   []byte
}

// handler runs an operation. A []byte result is written raw (the shadow
// blobs); nil is {}; anything else is marshalled to JSON.
type handler func(c *call) (any, error)

type route struct {
	method string
	segs   []string // "things", "{thingName}", …
	name   string   // the AWS operation, for metrics and logs
	h      handler
}

// router matches routes on the escaped path, segment by segment; literal
// segments win over parameters (PUT /thing-groups/addThingToThingGroup
// before PUT /thing-groups/{thingGroupName}).
type router struct {
	routes []route
}

func (rt *router) add(method, pattern, name string, h handler) {
	rt.routes = append(rt.routes, route{method: method, segs: split(pattern), name: name, h: h})
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route of a request; allowed reports whether the path
// exists under another method (405 rather than 404).
func (rt *router) match(method, escapedPath string) (*route, map[string]string, bool) {
	segs := split(escapedPath)
	var best *route
	var bestParams map[string]string
	bestLiterals := -1
	allowed := false
	for i := range rt.routes {
		ro := &rt.routes[i]
		params, literals, ok := matchSegs(ro.segs, segs)
		if !ok {
			continue
		}
		if ro.method != method {
			allowed = true
			continue
		}
		if literals > bestLiterals {
			best, bestParams, bestLiterals = ro, params, literals
		}
	}
	return best, bestParams, allowed
}

func matchSegs(pattern, segs []string) (map[string]string, int, bool) {
	if len(pattern) != len(segs) {
		return nil, 0, false
	}
	params := map[string]string{}
	literals := 0
	for i, p := range pattern {
		s, err := url.PathUnescape(segs[i])
		if err != nil {
			return nil, 0, false
		}
		if strings.HasPrefix(p, "{") {
			params[strings.Trim(p, "{}")] = s
			continue
		}
		if p != s {
			return nil, 0, false
		}
		literals++
	}
	return params, literals, true
}
