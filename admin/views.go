package admin

import (
	"encoding/json"
	"html/template"
	"time"
)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"fmtTime": formatTime,
	"json":    func(raw json.RawMessage) string { return compactJSON(raw) },
}

// listPage feeds list.html.
type listPage struct {
	Singular, Plural string
	Path             string // the list URL
	Here             string // this page's URL with its query, for returning after a POST
	Search           string
	SearchHelp       string
	Keep             []hiddenField // filters kept when searching
	Scope            string        // a description of an id filter such as "Rooms hosted by …"
	Filters          []filterGroup
	Columns          []string
	Rows             []listRow
	Pager            *pager
	Editable         bool
}

type hiddenField struct{ Name, Value string }

type listRow struct {
	ID    string
	Repr  string
	Cells []cell
}

// cell is one table cell: Kind is "text", "link", "bool", "check" (an
// inline checkbox named Name) or "textarea" (an inline text named Name).
type cell struct {
	Kind     string
	Text     string
	URL      string
	Name     string
	Checked  bool
	Disabled bool
	Class    string
	Errors   []string
}

func textCell(s string) cell      { return cell{Kind: "text", Text: s} }
func linkCell(s, url string) cell { return cell{Kind: "link", Text: s, URL: url} }
func boolCell(v bool) cell        { return cell{Kind: "bool", Checked: v} }
func timeCell(t time.Time) cell   { return cell{Kind: "text", Text: formatTime(t)} }
func checkCell(name string, v bool, disabled bool) cell {
	return cell{Kind: "check", Name: name, Checked: v, Disabled: disabled}
}

// keepParams returns the query parameters other than q and p, so that a
// search keeps the filters in force.
func keepParams(q map[string][]string) []hiddenField {
	var out []hiddenField
	for k, vs := range q {
		if k == "q" || k == "p" {
			continue
		}
		for _, v := range vs {
			out = append(out, hiddenField{k, v})
		}
	}
	return out
}

// changePage feeds change.html.
type changePage struct {
	Singular, Plural string
	Repr             string
	URL              string // the form's target
	ListURL          string
	DeleteURL        string
	Editable         bool
	Fields           []field
	Related          []link
}

// field is one line of a change page. Kind is "input", "textarea" or
// "checkbox" for editable fields, and "text", "bool" or "pre" for
// read-only ones (with URL or Links to make it a link).
type field struct {
	Kind     string
	Name     string
	Label    string
	Value    string
	Checked  bool
	Disabled bool
	Max      int
	Help     string
	URL      string
	Links    []link
	Errors   []string
}

type link struct{ Text, URL string }

// deletePage feeds delete.html.
type deletePage struct {
	Singular, Plural string
	ListURL          string
	Action           string // where the confirmation posts
	Cancel           string
	Next             string
	Bulk             bool
	Items            []deleteItem
	Summary          string
}

type deleteItem struct {
	ID       string
	Repr     string
	Cascades []string
}
