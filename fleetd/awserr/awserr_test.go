package awserr

import (
	"fmt"
	"testing"
)

func TestCatalogStatuses(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{InvalidRequest, 400}, {ResourceNotFound, 404}, {ResourceAlreadyExists, 409},
		{LimitExceeded, 410}, {CertificateState, 406}, {ServiceQuotaExceeded, 402},
		{InternalFailure, 500}, {"NoSuchCode", 500},
	}
	for _, tt := range tests {
		if got := New(tt.code, "x").Status; got != tt.want {
			t.Errorf("New(%s).Status = %d; want %d", tt.code, got, tt.want)
		}
	}
}

func TestMatchThroughWrapping(t *testing.T) {
	err := fmt.Errorf("creating thing: %w", New(ResourceNotFound, "Thing %s cannot be found.", "foo"))
	e, ok := As(err)
	if !ok || e.Code != ResourceNotFound || e.Message != "Thing foo cannot be found." {
		t.Errorf("As(%v) = %+v, %v", err, e, ok)
	}
	if !Is(err, ResourceNotFound) || Is(err, InvalidRequest) || Is(fmt.Errorf("plain"), InvalidRequest) {
		t.Error("Is does not match codes")
	}
}
