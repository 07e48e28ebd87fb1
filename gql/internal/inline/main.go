// Command inline rewrites gqlgen's generated executor for speed; `go
// generate` runs it after gqlgen. Three rewrites:
//
//  1. Lists marshal element after element in the request's goroutine,
//     instead of one goroutine per element.
//  2. The resolver fields of an object (a room's host, topic and
//     participants; a message's user and room) resolve one after another,
//     instead of one goroutine per field. Root fields keep gqlgen's
//     scheduling.
//  3. A scalar field read straight from a struct field (a message's body, a
//     user's username) is marshalled directly, without the field context,
//     middleware call and boxing gqlgen wraps around every field.
//
// gqlgen starts those goroutines so that resolvers doing I/O can overlap.
// This server's nested resolvers do no I/O of their own: list resolvers
// prime the request's dataloaders with everything the selection asks for
// (gql/loader.go), so nested fields resolve from memory and a goroutine
// each only adds scheduling and stack growth; on the home page's Rooms
// query that was about a third of the server's CPU time. The wrapping that
// rewrite 3 drops serves field middleware, which this server does not
// use (gql.NewHandler installs none), and error paths, which a struct
// field's scalar cannot produce; on the room page's 200 messages it was
// about 40% of the CPU time.
//
// Usage: inline path/to/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
)

// rewrites maps each call gqlgen emits to its in-goroutine replacement in
// generated/inline.go. The list call carries gqlgen.yml's worker limit (0:
// none) and omit_panic_handler (false).
var rewrites = []struct{ from, to []byte }{
	{
		[]byte("graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, "),
		[]byte("marshalList(ctx, len(v), "),
	},
	{
		[]byte("out.ResolveConcurrently(ec.OperationContext, &deferred, i,"),
		[]byte("resolveInline(ctx, field, out, ec.OperationContext, &deferred, i,"),
	},
}

// plainScalarField matches a generated field function whose value is a
// struct field of obj and whose type is a scalar that never marshals to
// null (not a list, object, enum or GenericScalar, whose nil map would
// report an error on the field's path); scalarField is its replacement.
var (
	plainScalarField = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, field graphql\.CollectedField, obj (\S+)\) \(ret graphql\.Marshaler\) \{
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.fieldContext\w+\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return obj\.(\w+), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v [^\[\s]\S*\) graphql\.Marshaler \{
			return ec\.(marshal[NO](?:String|Boolean|Int|Float|ID|UUID|DateTime)2\S+)\(ctx, selections, v\)
		\},
		(?:true|false),
		(?:true|false),
	\)
\}$`)
	scalarField = []byte(`func (ec *executionContext) $1(ctx context.Context, field graphql.CollectedField, obj $2) (ret graphql.Marshaler) {
	return ec.$4(ctx, field.Selections, obj.$3)
}`)
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: inline path/to/generated.go")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "inline:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, r := range rewrites {
		if !bytes.Contains(src, r.from) && !bytes.Contains(src, r.to) {
			// gqlgen changed the call: fail rather than silently keep goroutines.
			return fmt.Errorf("%s: no %q call found; update gql/internal/inline for this gqlgen version", path, r.from)
		}
		src = bytes.ReplaceAll(src, r.from, r.to)
	}
	if n := len(plainScalarField.FindAllIndex(src, -1)); n == 0 && !bytes.Contains(src, []byte("ec.marshalNString2string(ctx, field.Selections, obj.")) {
		return fmt.Errorf("%s: no plain scalar field found; update gql/internal/inline for this gqlgen version", path)
	}
	src = plainScalarField.ReplaceAll(src, scalarField)
	return os.WriteFile(path, src, 0o644)
}
