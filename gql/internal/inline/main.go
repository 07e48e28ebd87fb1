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
// (gql/loader.go, and TestNestedFieldsPrefetched, which walks the schema to
// hold every nested field to it), so nested fields resolve from memory and
// a goroutine each only adds scheduling and stack growth; on the home
// page's Rooms query that was about a third of the server's CPU time. The
// wrapping that rewrite 3 drops serves field middleware, which this server
// does not use (gql.NewHandler installs none), and error paths, which a
// struct field's scalar cannot produce; on the room page's 200 messages it
// was about 40% of the CPU time.
//
// The command fails rather than half-rewrite: for each kind it counts the
// places gqlgen's output has (with a loose pattern: every
// MarshalSliceConcurrently call, every ResolveConcurrently call, every
// field function that returns a struct field through a plain scalar
// marshaler) and requires the exact rewrite pattern to match every one of
// them, naming those it does not. A gqlgen upgrade that changes the shape
// of some of them, or of all, stops `go generate` with that list instead of
// silently leaving goroutines or wrappers behind.
//
// Usage: inline path/to/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// rewrite is one kind of rewrite: every place loose finds in gqlgen's
// output must be one that strict matches; each match is replaced by to.
// done finds the rewritten form, so that a second run changes nothing.
// A place is named by the generated function it is in, plus its field
// (the submatch named field) where one function holds several places.
type rewrite struct {
	name   string
	loose  *regexp.Regexp // every place of this kind
	strict *regexp.Regexp // the shape the rewrite knows
	to     []byte         // the replacement, with strict's submatches
	done   *regexp.Regexp // the replacement's shape
}

// rewrites lists the three kinds. The list call carries gqlgen.yml's
// worker limit (0: none) and omit_panic_handler (false).
var rewrites = []rewrite{
	{
		name:   "list marshal",
		loose:  regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(`),
		strict: regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), 0, false, `),
		to:     []byte(`marshalList(ctx, len(v), `),
		done:   regexp.MustCompile(`marshalList\(ctx, len\(v\), `),
	},
	{
		name:   "object field",
		loose:  regexp.MustCompile(`(?m)case "(?P<field>\w+)":\n\t*out\.ResolveConcurrently\(`),
		strict: regexp.MustCompile(`(?m)(case "(?P<field>\w+)":\n\t*)out\.ResolveConcurrently\(ec\.OperationContext, &deferred, i,`),
		to:     []byte(`${1}resolveInline(ctx, field, out, ec.OperationContext, &deferred, i,`),
		done:   regexp.MustCompile(`resolveInline\(ctx, field, out, ec\.OperationContext, &deferred, i,`),
	},
	{
		name: "plain scalar field",
		// A field function whose value is a struct field of obj, marshalled
		// by a scalar marshaler that is not a list (ᚕ), an object, an enum
		// or GenericScalar, whose nil map would report an error on the
		// field's path.
		loose: regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _\w+\(ctx context\.Context, field graphql\.CollectedField, obj \S+\) \(ret graphql\.Marshaler\) \{\n(?:[\t ][^\n]*\n|\n)*?\t+return obj\.\w+, nil\n(?:[\t ][^\n]*\n|\n)*?\t+return ec\.marshal[NO](?:String|Boolean|Int|Float|ID|UUID|DateTime)2[^\sᚕ(]*\(ctx, selections, v\)\n`),
		strict: regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_\w+)\(ctx context\.Context, field graphql\.CollectedField, obj (\S+)\) \(ret graphql\.Marshaler\) \{
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
			return ec\.(marshal[NO](?:String|Boolean|Int|Float|ID|UUID|DateTime)2[^\sᚕ(]*)\(ctx, selections, v\)
		\},
		(?:true|false),
		(?:true|false),
	\)
\}$`),
		to: []byte(`func (ec *executionContext) $1(ctx context.Context, field graphql.CollectedField, obj $2) (ret graphql.Marshaler) {
	return ec.$4(ctx, field.Selections, obj.$3)
}`),
		done: regexp.MustCompile(`(?m)^\treturn ec\.marshal[NO]\w*2\S*\(ctx, field\.Selections, obj\.\w+\)$`),
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
	out, counts, err := rewriteAll(src)
	if err != nil {
		return fmt.Errorf("%s: %w; update gql/internal/inline for this gqlgen version", path, err)
	}
	if bytes.Equal(out, src) {
		return nil
	}
	for i, r := range rewrites {
		fmt.Fprintf(os.Stderr, "inline: %d %s rewrites\n", counts[i], r.name)
	}
	return os.WriteFile(path, out, 0o644)
}

// rewriteAll applies every rewrite to src and returns the result and the
// number of places rewritten of each kind. It fails when some place of a
// kind does not have the shape the rewrite knows (partial drift), or when a
// kind has no place at all and none rewritten before (total drift).
func rewriteAll(src []byte) ([]byte, []int, error) {
	counts := make([]int, len(rewrites))
	for i, r := range rewrites {
		want := places(r.loose, src)
		got := places(r.strict, src)
		if missed := minus(want, got); len(missed) > 0 {
			return nil, nil, fmt.Errorf("%d of %d %s places have a shape the rewrite does not know: %s",
				len(missed), len(want), r.name, strings.Join(missed, ", "))
		}
		if len(got) > len(want) {
			return nil, nil, fmt.Errorf("the %s rewrite matched %d places where %d were expected", r.name, len(got), len(want))
		}
		if len(want) == 0 && !r.done.Match(src) {
			return nil, nil, fmt.Errorf("no %s place found", r.name)
		}
		src = r.strict.ReplaceAll(src, r.to)
		counts[i] = len(got)
	}
	return src, counts, nil
}

// funcPrefix starts every generated method.
var funcPrefix = []byte("func (ec *executionContext) ")

// places names the matches of re in src: the generated function each one
// is in, then ".field" when re has a field submatch.
func places(re *regexp.Regexp, src []byte) []string {
	field := re.SubexpIndex("field")
	var out []string
	for _, m := range re.FindAllSubmatchIndex(src, -1) {
		name := "(top level)"
		if i := bytes.LastIndex(src[:min(len(src), m[0]+len(funcPrefix))], funcPrefix); i >= 0 {
			rest := src[i+len(funcPrefix):]
			if j := bytes.IndexAny(rest, "( "); j > 0 {
				name = string(rest[:j])
			}
		}
		if field > 0 && m[2*field] >= 0 {
			name += "." + string(src[m[2*field]:m[2*field+1]])
		}
		out = append(out, name)
	}
	return out
}

// minus returns the items of a that b lacks, counting repeats.
func minus(a, b []string) []string {
	left := make(map[string]int, len(b))
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}
