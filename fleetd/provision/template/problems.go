package template

import (
	"fmt"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Problem is one thing wrong with a template body, at a dotted path such as
// Resources.thing.Properties.ThingGroups[1].
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// InvalidTemplateError lists every problem Parse or CheckKind found. It
// unwraps to an InvalidRequestException, so adapters answer it with
// awserr.As like any other client mistake.
type InvalidTemplateError struct {
	Problems []Problem
	aws      *awserr.Error
}

func newInvalidTemplateError(problems []Problem) *InvalidTemplateError {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	noun := "problem"
	if len(problems) != 1 {
		noun = "problems"
	}
	aws := awserr.New(awserr.InvalidRequest, "Invalid provisioning template (%d %s): %s",
		len(problems), noun, strings.Join(lines, "; "))
	return &InvalidTemplateError{Problems: problems, aws: aws}
}

func (e *InvalidTemplateError) Error() string { return e.aws.Error() }

// Unwrap exposes the InvalidRequestException.
func (e *InvalidTemplateError) Unwrap() error { return e.aws }

// problems collects Problems during one validation pass.
type problems struct {
	list []Problem
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return newInvalidTemplateError(p.list)
}

// evalFailure is how evaluation fails: a ResourceRegistrationFailureException
// naming the path of the expression that could not be evaluated.
func evalFailure(path, format string, args ...any) error {
	return awserr.New(awserr.RegistrationFailure, "Template evaluation failed at %s: %s", path, fmt.Sprintf(format, args...))
}

// joinPath appends a key to a dotted path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends an array index to a path.
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
