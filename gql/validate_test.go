package gql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edusphere/edusphere/gql/generated"
)

// TestValidateDocument_Context checks that validation stops as soon as
// the request's context ends, and runs to the end otherwise.
func TestValidateDocument_Context(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	doc, errs := ParseDocument(`{ rooms { name nope } topics { name } }`, DocumentLimits{})
	if errs != nil {
		t.Fatalf("ParseDocument: %v", errs)
	}
	t.Run("Live", func(t *testing.T) {
		errs, err := validateDocument(context.Background(), schema, doc)
		if err != nil || len(errs) != 1 {
			t.Fatalf("errs=%v err=%v, want the one unknown field reported", errs, err)
		}
	})
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	late, cancelLate := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelLate()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"ClientGone", gone, context.Canceled},
		{"DeadlinePassed", late, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := validateDocument(tc.ctx, schema, doc)
			if !errors.Is(err, tc.want) || errs != nil {
				t.Fatalf("errs=%v err=%v, want the walk stopped with %v", errs, err, tc.want)
			}
		})
	}
}
