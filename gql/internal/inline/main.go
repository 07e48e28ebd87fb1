// Command inline rewrites gqlgen's generated executor so that a request's
// fields resolve in the request's goroutine: lists element after element
// instead of one goroutine per element, and the resolver fields of an
// object (a room's host, topic and participants; a message's user and room)
// one after another instead of one goroutine per field. Root fields keep
// gqlgen's scheduling. `go generate` runs it after gqlgen.
//
// gqlgen starts those goroutines so that resolvers doing I/O can overlap.
// This server's nested resolvers do no I/O of their own: list resolvers
// prime the request's dataloaders with everything the selection asks for
// (gql/loader.go), so nested fields resolve from memory and a goroutine
// each only adds scheduling and stack growth. On the home page's Rooms
// query that overhead was about a third of the server's CPU time.
//
// Usage: inline path/to/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
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
	return os.WriteFile(path, src, 0o644)
}
