package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

const reportListURL = "/admin/core/report/"

// typeReport is the action log's object type of a report.
const typeReport = "report"

type reportRow struct {
	URL, Excerpt, Room, Author, Reporter, Reason string
	Status                                       edusphere.ReportStatus
	Created                                      time.Time
}

type reportListPage struct {
	Statuses []filterChoice
	Rows     []reportRow
	Pager    *pager
}

// reportStatusParam reads ?status=: open (the default), a closed status,
// or "all".
func reportStatusParam(r *http.Request) (*edusphere.ReportStatus, string) {
	v := r.URL.Query().Get("status")
	if v == "all" {
		return nil, v
	}
	s := edusphere.ReportStatus(v)
	if !s.Valid() {
		s = edusphere.ReportOpen
	}
	return &s, string(s)
}

// reportList shows reports, newest first: the open ones unless another
// status is asked for.
func (h *Handler) reportList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	status, current := reportStatusParam(r)
	reports, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.Report, int, error) {
		return h.svc.Reports.FindReports(ctx, edusphere.ReportFilter{Status: status, Offset: offset, Limit: limit})
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var userIDs, roomIDs []uuid.UUID
	for _, rep := range reports {
		userIDs = append(userIDs, rep.AuthorID, rep.ReporterID)
		roomIDs = append(roomIDs, rep.RoomID)
	}
	users, err := h.usersByID(ctx, userIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rooms, err := h.roomsByID(ctx, roomIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := reportListPage{Pager: pg}
	for _, c := range []struct{ label, value string }{
		{"Open", "open"}, {"Dismissed", "dismissed"}, {"Message deleted", "deleted"}, {"Author deactivated", "deactivated"}, {"All", "all"},
	} {
		d.Statuses = append(d.Statuses, filterChoice{Label: c.label, URL: reportListURL + "?status=" + url.QueryEscape(c.value), Selected: c.value == current})
	}
	name := func(id uuid.UUID) string {
		if u := users[id]; u != nil {
			return u.Username
		}
		return "—"
	}
	for _, rep := range reports {
		room := "—"
		if rm := rooms[rep.RoomID]; rm != nil {
			room = rm.Name
		}
		d.Rows = append(d.Rows, reportRow{
			URL: reportURL(rep), Excerpt: truncate(rep.Body, 80), Room: room, Author: name(rep.AuthorID),
			Reporter: name(rep.ReporterID), Reason: truncate(rep.Reason, 80), Status: rep.Status, Created: rep.Created,
		})
	}
	h.render(w, r, http.StatusOK, "reports", view{Title: "Reports", Section: "report", Data: d})
}

func reportURL(rep *edusphere.Report) string {
	return reportListURL + strconv.FormatInt(rep.ID, 10) + "/change/"
}
