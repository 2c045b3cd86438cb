package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// bind decodes a request into req: the JSON body, then the path and query
// parameters named by uri:"" and query:"" tags (header:"" for headers).
func bind(req any, c *call) error {
	if len(c.body) > 0 {
		if err := json.Unmarshal(c.body, req); err != nil {
			return awserr.New(awserr.InvalidRequest, "The request body is not valid JSON for this operation: %s", describeJSONError(err))
		}
	}
	v := reflect.ValueOf(req).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		var raw string
		var ok bool
		switch {
		case f.Tag.Get("uri") != "":
			raw, ok = c.params[f.Tag.Get("uri")]
		case f.Tag.Get("query") != "":
			raw, ok = lookup(c.query, f.Tag.Get("query"))
		case f.Tag.Get("header") != "":
			raw = c.r.Header.Get(f.Tag.Get("header"))
			ok = raw != ""
		default:
			continue
		}
		if !ok {
			continue
		}
		if name := f.Tag.Get("query"); isPageSize(name) {
			if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n < 1 {
				var v awserr.Violations
				v.Fail(strconv.FormatInt(n, 10), name, "Member must have value greater than or equal to 1")
				return v.Err()
			}
		}
		if err := setField(v.Field(i), raw); err != nil {
			return awserr.New(awserr.InvalidRequest, "Parameter %s: %v", f.Name, err)
		}
	}
	return nil
}

// isPageSize reports whether a query parameter is a page size: at least 1
// in every IoT operation's model, while the operations read 0 as absent.
func isPageSize(name string) bool { return name == "maxResults" || name == "pageSize" }

// describeJSONError says what is wrong with a request body in JSON's
// terms, not Go's: "tags: expected an array, found a string".
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	want := "a value of another type"
	switch te.Type.Kind() {
	case reflect.String:
		want = "a string"
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		want = "a number"
	case reflect.Slice, reflect.Array:
		want = "an array"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.Pointer:
		want = "a value"
	}
	found := te.Value
	switch found {
	case "array", "object":
		found = "an " + found
	case "bool":
		found = "a boolean"
	default:
		found = "a " + found
	}
	if te.Field == "" {
		return fmt.Sprintf("expected %s, found %s", want, found)
	}
	return fmt.Sprintf("%s: expected %s, found %s", te.Field, want, found)
}

func lookup(q url.Values, name string) (string, bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// setField converts a path or query string into the field's type.
func setField(f reflect.Value, raw string) error {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := setField(p.Elem(), raw); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", raw)
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		f.SetFloat(x)
	default:
		return fmt.Errorf("cannot bind a %s", f.Kind())
	}
	return nil
}
