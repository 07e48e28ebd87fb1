// Command seqlists rewrites gqlgen's generated executor so that lists are
// marshalled in the calling goroutine, one element after another, instead
// of one goroutine per element. `go generate` runs it after gqlgen.
//
// gqlgen starts a goroutine for every element of every object list so that
// field resolvers doing I/O can overlap. This server never does I/O per
// element: list resolvers prime the request's dataloaders with everything
// the selection asks for (gql/loader.go), so an element's fields resolve
// from memory, and a goroutine per element only adds scheduling and stack
// growth. Measured on the home page's Rooms query, that overhead was about
// a third of the server's CPU time.
//
// Usage: seqlists path/to/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
)

// concurrent is the call gqlgen emits for every list of objects, with the
// worker limit (0: none) and omit_panic_handler (false) of gqlgen.yml.
var concurrent = []byte("graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, ")

// sequential is its replacement, defined in generated/list.go with the
// same signature minus the two settings.
var sequential = []byte("marshalList(ctx, len(v), ")

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seqlists path/to/generated.go")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "seqlists:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := bytes.Count(src, concurrent)
	if n == 0 && !bytes.Contains(src, sequential) {
		// gqlgen changed the call: fail rather than silently keep goroutines.
		return fmt.Errorf("%s: no %q call found; update seqlists for this gqlgen version", path, concurrent)
	}
	if n == 0 {
		return nil
	}
	return os.WriteFile(path, bytes.ReplaceAll(src, concurrent, sequential), 0o644)
}
