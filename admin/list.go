package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// pager describes one page of a list: which rows to fetch and the links
// to the other pages.
type pager struct {
	Page, Pages, Total int
	Offset             int
	base               url.Values
	path               string
	links              []pageLink
}

// pageLink is one entry of the page links; Page 0 is an ellipsis.
type pageLink struct {
	Page    int
	URL     string
	Current bool
}

// requestedPage reads ?p=, 1-based. Missing, non-numeric, zero and
// negative values mean the first page; a page past the end is clamped to
// the last once the total is known.
func requestedPage(r *http.Request) int {
	p, err := strconv.Atoi(r.URL.Query().Get("p"))
	if err != nil || p < 1 {
		return 1
	}
	return p
}

// newPager returns the pager for page p when total rows match.
func newPager(r *http.Request, p, total int) *pager {
	pages := max(1, (total+PerPage-1)/PerPage)
	p = min(max(p, 1), pages)
	q := r.URL.Query()
	q.Del("p")
	return &pager{Page: p, Pages: pages, Total: total, Offset: (p - 1) * PerPage, base: q, path: r.URL.Path}
}

// URL returns the link to page n, keeping the search and filters.
func (pg *pager) URL(n int) string {
	q := url.Values{}
	for k, v := range pg.base {
		q[k] = v
	}
	if n > 1 {
		q.Set("p", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return pg.path
	}
	return pg.path + "?" + q.Encode()
}

// Links returns the first and last pages and the pages around the current
// one, with ellipses between.
func (pg *pager) Links() []pageLink {
	if pg.links != nil || pg.Pages <= 1 {
		return pg.links
	}
	prev := 0
	for n := 1; n <= pg.Pages; n++ {
		if n != 1 && n != pg.Pages && (n < pg.Page-2 || n > pg.Page+2) {
			continue
		}
		if prev != 0 && n > prev+1 {
			pg.links = append(pg.links, pageLink{})
		}
		pg.links = append(pg.links, pageLink{Page: n, URL: pg.URL(n), Current: n == pg.Page})
		prev = n
	}
	return pg.links
}

// fetchPage runs find for the requested page; when the request asks for a
// page past the end, it fetches the last page instead.
func fetchPage[T any](r *http.Request, find func(offset, limit int) ([]T, int, error)) ([]T, *pager, error) {
	p := requestedPage(r)
	rows, total, err := find((p-1)*PerPage, PerPage)
	if err != nil {
		return nil, nil, err
	}
	pg := newPager(r, p, total)
	if pg.Page != p {
		if rows, total, err = find(pg.Offset, PerPage); err != nil {
			return nil, nil, err
		}
		pg = newPager(r, pg.Page, total)
	}
	return rows, pg, nil
}

// filterChoice is one link of a yes/no filter.
type filterChoice struct {
	Label    string
	URL      string
	Selected bool
}

// filterGroup is a yes/no filter on a boolean column.
type filterGroup struct {
	Title   string
	Choices []filterChoice
}

// boolParam reads a yes/no filter value: "1" or "0"; anything else is unset.
func boolParam(r *http.Request, name string) *bool {
	switch r.URL.Query().Get(name) {
	case "1":
		v := true
		return &v
	case "0":
		v := false
		return &v
	}
	return nil
}

// boolFilter builds the All / Yes / No links of the filter named param.
func boolFilter(r *http.Request, title, param string) filterGroup {
	cur := r.URL.Query().Get(param)
	f := filterGroup{Title: title}
	for _, c := range []struct{ label, value string }{{"All", ""}, {"Yes", "1"}, {"No", "0"}} {
		q := r.URL.Query()
		q.Del("p")
		if c.value == "" {
			q.Del(param)
		} else {
			q.Set(param, c.value)
		}
		u := r.URL.Path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		f.Choices = append(f.Choices, filterChoice{Label: c.label, URL: u, Selected: cur == c.value || (c.value == "" && cur != "1" && cur != "0")})
	}
	return f
}

// searchParam returns the trimmed ?q= search, or nil when empty.
func searchParam(r *http.Request) *string {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return nil
	}
	if len(q) > 200 {
		q = q[:200]
	}
	return &q
}

// uuidParam reads a uuid query parameter; an invalid one is unset.
func uuidParam(r *http.Request, name string) *uuid.UUID {
	id, err := uuid.Parse(r.URL.Query().Get(name))
	if err != nil {
		return nil
	}
	return &id
}

// listForm is what every list page's form posts.
type listForm struct {
	Do       string   // "save" (inline edits) or "action"
	Action   string   // "delete_selected"
	Selected []string // ids ticked in the first column
	Rows     []string // ids of the rows shown with inline fields
	Confirm  bool     // the deletion confirmation page's "Yes, I'm sure"
}

func readListForm(r *http.Request) listForm {
	r.ParseForm()
	return listForm{
		Do: r.PostFormValue("do"), Action: r.PostFormValue("action"),
		Selected: r.PostForm["_selected_action"], Rows: r.PostForm["row"],
		Confirm: r.PostFormValue("post") == "yes",
	}
}

// parseUUIDs parses ids, failing on the first bad one.
func parseUUIDs(ids []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, edusphere.Errorf(edusphere.EINVALID, "Invalid id %q.", s)
		}
		out = append(out, id)
	}
	return out, nil
}

// byUUIDs turns a finder by ids into one by the selected ids of a list
// form, which must all be UUIDs.
func byUUIDs[T any](find func(ctx context.Context, ids []uuid.UUID) ([]T, error)) func(context.Context, []string) ([]T, error) {
	return func(ctx context.Context, selected []string) ([]T, error) {
		ids, err := parseUUIDs(selected)
		if err != nil {
			return nil, err
		}
		return find(ctx, ids)
	}
}

// backToList returns the list URL to go back to after a form: the page the
// form was posted from, when it is one of ours.
func backToList(r *http.Request, list string) string {
	if next := safeNext(r.PostFormValue("next")); next != "" && strings.HasPrefix(next, list) {
		return next
	}
	return list
}

// formatTime renders t for the pages.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// plural returns "1 room" or "3 rooms".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// truncate shortens s to n code points with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// compactJSON renders raw JSON on one line for the log page.
func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	return string(raw)
}
