package gql

import (
	"strconv"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// DocumentLimits bound a GraphQL document before the validator sees it
// (docs/limits.md, "GraphQL"). The validator's work grows with the square
// of the fields one selection merges, and fragments spread inside
// fragments multiply what the depth and complexity checks walk, so the
// document is measured first, in time linear in its length: the text
// (bytes, tokens, bracket nesting), then the parsed document (fragments,
// selections with every fragment expanded where it is spread, aliases,
// directives). Zero fields take the defaults.
type DocumentLimits struct {
	// MaxBytes is the longest query text; default 16,384 (GRAPHQL_MAX_QUERY_BYTES).
	MaxBytes int
	// MaxTokens is the most lexical tokens (names, punctuation, values);
	// default 2,000 (GRAPHQL_MAX_TOKENS).
	MaxTokens int
	// MaxNesting is the deepest nesting of { [ ( brackets; default 24
	// (GRAPHQL_MAX_NESTING).
	MaxNesting int
	// MaxSelections bounds the fields, fragment spreads and inline
	// fragments: of the whole text, and of each operation and fragment
	// with every spread expanded (a fragment counted again each time it is
	// spread); default 200 (GRAPHQL_MAX_SELECTIONS).
	MaxSelections int
	// MaxAliases is the most aliased fields; default 10 (GRAPHQL_MAX_ALIASES).
	// An alias is how one document asks for the same list twice with other
	// arguments, each a separate query of up to the list cap's items.
	MaxAliases int
	// MaxDirectives is the most directives on one field, fragment or
	// operation; default 4 (GRAPHQL_MAX_DIRECTIVES).
	MaxDirectives int
	// MaxFragments is the most fragment definitions; default 32 (GRAPHQL_MAX_FRAGMENTS).
	MaxFragments int
	// MaxRepeats is how often one response name (a field's alias, else
	// its name) may appear in one selection set, inline fragments
	// included; default 3 (GRAPHQL_MAX_REPEATS). The validator compares
	// every pair of fields that share a response name, so this keeps that
	// work linear in the document's size.
	MaxRepeats int
}

// Defaults of DocumentLimits. Every operation the web clients send fits
// with room to spare: the largest (a room with its messages) has 31
// selections, 3 levels of brackets and no alias, directive or fragment;
// the largest document a tool sends, GraphiQL 4's introspection query
// with every option on, has 81 selections in its text and 240 once its
// fragments are expanded, and 11 levels of brackets.
const (
	DefaultMaxQueryBytes = 16 << 10
	DefaultMaxTokens     = 2000
	DefaultMaxNesting    = 24
	DefaultMaxSelections = 300
	DefaultMaxAliases    = 10
	DefaultMaxDirectives = 4
	DefaultMaxFragments  = 32
	DefaultMaxRepeats    = 3
)

func (l DocumentLimits) withDefaults() DocumentLimits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxBytes, DefaultMaxQueryBytes)
	def(&l.MaxTokens, DefaultMaxTokens)
	def(&l.MaxNesting, DefaultMaxNesting)
	def(&l.MaxSelections, DefaultMaxSelections)
	def(&l.MaxAliases, DefaultMaxAliases)
	def(&l.MaxDirectives, DefaultMaxDirectives)
	def(&l.MaxFragments, DefaultMaxFragments)
	def(&l.MaxRepeats, DefaultMaxRepeats)
	return l
}

// ParseDocument parses query within lim and returns the document, or the
// request-level errors that refuse it: a limit's message, or the parser's
// syntax error. Nothing here is quadratic: the text is scanned once before
// the parser runs, and the parsed document is walked once, each fragment
// measured once. The document is not validated.
func ParseDocument(query string, lim DocumentLimits) (*ast.QueryDocument, gqlerror.List) {
	lim = lim.withDefaults()
	if err := scanDocument(query, lim); err != nil {
		return nil, gqlerror.List{err}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, lim.MaxTokens)
	if err != nil {
		if gerr, ok := err.(*gqlerror.Error); ok {
			return nil, gqlerror.List{gerr}
		}
		return nil, gqlerror.List{gqlerror.Errorf("%s", err.Error())}
	}
	if err := measureDocument(doc, lim); err != nil {
		return nil, gqlerror.List{err}
	}
	return doc, nil
}

// scanDocument checks the text: its length, then its tokens and bracket
// nesting in one pass of the lexer. A lexical error ends the scan; the
// parser then reports it with its usual text.
func scanDocument(query string, lim DocumentLimits) *gqlerror.Error {
	if len(query) > lim.MaxBytes {
		return gqlerror.Errorf("The query is %s bytes long, more than the limit of %s bytes.", thousands(len(query)), thousands(lim.MaxBytes))
	}
	lex := lexer.New(&ast.Source{Input: query})
	tokens, depth := 0, 0
	for {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		tokens++
		if tokens > lim.MaxTokens {
			return errorAt(&tok.Pos, "The query has more than %s tokens, the limit.", thousands(lim.MaxTokens))
		}
		switch tok.Kind {
		case lexer.BraceL, lexer.BracketL, lexer.ParenL:
			depth++
			if depth > lim.MaxNesting {
				return errorAt(&tok.Pos, "The query nests brackets more than %d levels deep, the limit.", lim.MaxNesting)
			}
		case lexer.BraceR, lexer.BracketR, lexer.ParenR:
			depth--
		}
	}
}

// measureDocument checks the parsed document: fragment count, aliases,
// directives per place, and the selections of every operation and
// fragment definition with each spread expanded. Fragments are measured
// once each (memoized), so a chain of fragments spreading the next one
// twice costs its length, not 2^length; a fragment cycle counts nothing
// on its back edge and is left to validation to report.
func measureDocument(doc *ast.QueryDocument, lim DocumentLimits) *gqlerror.Error {
	if n := len(doc.Fragments); n > lim.MaxFragments {
		return errorAt(doc.Fragments[lim.MaxFragments].Position, "The query defines %d fragments, more than the limit of %d.", n, lim.MaxFragments)
	}
	m := measurer{
		doc:   doc,
		lim:   lim,
		sizes: make(map[string]int, len(doc.Fragments)),
		busy:  make(map[string]bool, len(doc.Fragments)),
	}
	// Aliases and directives are counted in the text, once per place.
	for _, op := range doc.Operations {
		if err := m.directives(op.Directives, op.Position); err != nil {
			return err
		}
		for _, v := range op.VariableDefinitions {
			if err := m.directives(v.Directives, v.Position); err != nil {
				return err
			}
		}
		if err := m.text(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := m.directives(f.Directives, f.Position); err != nil {
			return err
		}
		if err := m.text(f.SelectionSet); err != nil {
			return err
		}
	}
	// Selections as written, then as each operation and fragment reads
	// with its spreads expanded.
	if n := m.written(doc); n > lim.MaxSelections {
		return gqlerror.Errorf("The query has %d selections (fields and fragments), more than the limit of %d.", n, lim.MaxSelections)
	}
	for _, op := range doc.Operations {
		if m.expanded(op.SelectionSet) > lim.MaxSelections {
			return errorAt(op.Position, "The query has more than %d selections once its fragments are expanded (each counted every time it is spread), the limit.", lim.MaxSelections)
		}
	}
	for _, f := range doc.Fragments {
		if m.fragment(f.Name) > lim.MaxSelections {
			return errorAt(f.Position, "The query has more than %d selections once its fragments are expanded (each counted every time it is spread), the limit.", lim.MaxSelections)
		}
	}
	return nil
}

// written counts the selections of the document's text.
func (m *measurer) written(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := len(set)
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				n += count(sel.SelectionSet)
			case *ast.InlineFragment:
				n += count(sel.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}

type measurer struct {
	doc     *ast.QueryDocument
	lim     DocumentLimits
	aliases int
	sizes   map[string]int  // expanded selections of each fragment measured
	busy    map[string]bool // fragments being measured (cycle guard)
}

// add sums two counts, saturating just above the limit so that no
// arithmetic can overflow whatever the document's shape.
func (m *measurer) add(a, b int) int {
	if s := a + b; s <= m.lim.MaxSelections {
		return s
	}
	return m.lim.MaxSelections + 1
}

// text counts aliases, checks directives and checks repeated response
// names in a selection set as written.
func (m *measurer) text(set ast.SelectionSet) *gqlerror.Error {
	if err := m.repeats(set, map[string]int{}); err != nil {
		return err
	}
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Alias != "" && sel.Alias != sel.Name {
				m.aliases++
				if m.aliases > m.lim.MaxAliases {
					return errorAt(sel.Position, "The query has more than %d aliases, the limit.", m.lim.MaxAliases)
				}
			}
			if err := m.directives(sel.Directives, sel.Position); err != nil {
				return err
			}
			if err := m.text(sel.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := m.directives(sel.Directives, sel.Position); err != nil {
				return err
			}
			if err := m.text(sel.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if err := m.directives(sel.Directives, sel.Position); err != nil {
				return err
			}
		}
	}
	return nil
}

// repeats counts the response names of set, and of the inline fragments
// in it, which the validator merges with it, into seen.
func (m *measurer) repeats(set ast.SelectionSet, seen map[string]int) *gqlerror.Error {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			name := sel.Alias
			if name == "" {
				name = sel.Name
			}
			seen[name]++
			if seen[name] > m.lim.MaxRepeats {
				return errorAt(sel.Position, "The field %q is selected more than %d times in one selection, the limit.", truncate(name, 60), m.lim.MaxRepeats)
			}
		case *ast.InlineFragment:
			if err := m.repeats(sel.SelectionSet, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *measurer) directives(list ast.DirectiveList, pos *ast.Position) *gqlerror.Error {
	if len(list) > m.lim.MaxDirectives {
		return errorAt(pos, "A selection has %d directives, more than the limit of %d.", len(list), m.lim.MaxDirectives)
	}
	return nil
}

// expanded counts the selections of set with each spread replaced by its
// fragment's count.
func (m *measurer) expanded(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		n = m.add(n, 1)
		switch sel := sel.(type) {
		case *ast.Field:
			n = m.add(n, m.expanded(sel.SelectionSet))
		case *ast.InlineFragment:
			n = m.add(n, m.expanded(sel.SelectionSet))
		case *ast.FragmentSpread:
			n = m.add(n, m.fragment(sel.Name))
		}
		if n > m.lim.MaxSelections {
			return n
		}
	}
	return n
}

// fragment returns the expanded count of the named fragment, measuring it
// on first use; an unknown fragment counts nothing (validation reports it).
func (m *measurer) fragment(name string) int {
	if n, ok := m.sizes[name]; ok {
		return n
	}
	if m.busy[name] {
		return 0
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil {
		m.sizes[name] = 0
		return 0
	}
	m.busy[name] = true
	n := m.expanded(f.SelectionSet)
	delete(m.busy, name)
	m.sizes[name] = n
	return n
}

func errorAt(pos *ast.Position, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	if pos != nil {
		err.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return err
}

// thousands writes n with comma separators: 16,384.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var out []byte
	pre := len(s) % 3
	if pre > 0 {
		out = append(out, s[:pre]...)
	}
	for i := pre; i < len(s); i += 3 {
		if len(out) > 0 {
			out = append(out, ',')
		}
		out = append(out, s[i:i+3]...)
	}
	return string(out)
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
