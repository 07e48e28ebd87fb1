package gql

import (
	"context"
	"testing"

	"github.com/edusphere/edusphere/gql/generated"
)

// FuzzDocument feeds arbitrary query texts to ParseDocument and validates
// what it accepts. Nothing may panic; a refusal is one error with a
// message; an accepted document stays within the limits as the validator
// sees it, and validates to an answer (valid or not).
func FuzzDocument(f *testing.F) {
	for _, seed := range []string{
		`{ rooms { name slug host { username } } }`,
		`query Room($h: String!, $r: String!) { room(hostSlug: $h, roomSlug: $r) { id participants { id } } }`,
		`mutation { tokenAuth(email: "a@b.c", password: "x") { token payload } }`,
		`{ a: rooms(search: "x") { name } b: rooms(search: "y") { name } }`,
		`{ ...F } fragment F on Query { ...G ...G } fragment G on Query { __typename }`,
		`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
		`{ __typename @skip(if: true) @include(if: false) }`,
		`{ rooms(topic: [["a"]]) { name } }`,
		`query($v: [String] = ["a", "b"]) { rooms(topic: $v) { name } }`,
		`{ __schema { types { name fields { name type { ofType { name } } } } } }`,
		`{ rooms { ... on RoomType { name ... on RoomType { name } } } }`,
		`{ rooms(search: """block "string" """) { name } }`,
		"{ rooms # comment\n { name } }",
	} {
		f.Add(seed)
	}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	lim := DocumentLimits{}.withDefaults()
	f.Fuzz(func(t *testing.T, query string) {
		doc, errs := ParseDocument(query, DocumentLimits{})
		if errs != nil {
			if doc != nil || len(errs) != 1 || errs[0].Message == "" {
				t.Fatalf("doc=%v errs=%v, want one error and no document", doc, errs)
			}
			return
		}
		m := measurer{doc: doc, lim: lim, sizes: map[string]int{}, busy: map[string]bool{}}
		if n := m.written(doc); n > lim.MaxSelections || len(doc.Fragments) > lim.MaxFragments {
			t.Fatalf("accepted %d selections and %d fragments, over the limits", n, len(doc.Fragments))
		}
		if _, err := validateDocument(context.Background(), schema, doc); err != nil {
			t.Fatalf("validateDocument: %v", err)
		}
	})
}
