package admin

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// reportContextSize is how many messages the report page shows on each
// side of the reported one.
const reportContextSize = 3

// reportContextReach bounds the changes read to find the messages after
// the reported one; in a room busier than that since, they are left out.
const reportContextReach = 200

type contextLine struct {
	Author   string
	Created  time.Time
	Body     string
	Reported bool
	Deleted  bool
}

type reportPage struct {
	Report                       *edusphere.Report
	URL                          string
	Reporter, Room, RoomURL      string
	Author, AuthorURL            string
	AuthorInactive               bool
	ResolvedBy                   string
	Context                      []contextLine
	MessageExists, CanDeactivate bool
}

// loadReport finds the report named by the {id} path value, answering 404
// itself when there is none.
func (h *Handler) loadReport(w http.ResponseWriter, r *http.Request) (*edusphere.Report, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, edusphere.NotFound(edusphere.MsgReportNotFound))
		return nil, false
	}
	rep, err := h.svc.Reports.FindReportByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return rep, true
}

// reportView shows a report with its message among the messages around
// it, and, while it is open, what staff can do about it.
func (h *Handler) reportView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, ok := h.loadReport(w, r)
	if !ok {
		return
	}
	d := reportPage{Report: rep, URL: reportURL(rep), Room: "—", Author: "—", Reporter: "—"}
	ids := []uuid.UUID{rep.AuthorID, rep.ReporterID}
	if rep.ResolvedBy != nil {
		ids = append(ids, *rep.ResolvedBy)
	}
	users, err := h.usersByID(ctx, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u := users[rep.ReporterID]; u != nil {
		d.Reporter = u.Username
	}
	if u := users[rep.AuthorID]; u != nil {
		d.Author, d.AuthorURL, d.AuthorInactive = u.Username, userListURL+u.ID.String()+"/change/", !u.IsActive
		d.CanDeactivate = u.IsActive && !u.IsSuperuser
	}
	if rep.ResolvedBy != nil {
		if u := users[*rep.ResolvedBy]; u != nil {
			d.ResolvedBy = u.Email
		}
	}
	if room, err := h.svc.Rooms.FindRoomByID(ctx, rep.RoomID); err == nil {
		d.Room, d.RoomURL = room.Name, roomListURL+room.ID.String()+"/change/"
	}
	if d.Context, d.MessageExists, err = h.reportContext(ctx, rep); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "report", view{Title: "Report " + strconv.FormatInt(rep.ID, 10), Section: "report", Data: d})
}

// reportContext returns the reported message between the messages before
// and after it, or the report's copy of its body once it is deleted.
func (h *Handler) reportContext(ctx context.Context, rep *edusphere.Report) ([]contextLine, bool, error) {
	m, err := h.svc.Messages.FindMessageByID(ctx, rep.MessageID)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return []contextLine{{Author: "—", Created: rep.Created, Body: rep.Body, Reported: true, Deleted: true}}, false, nil
	} else if err != nil {
		return nil, false, err
	}
	var msgs []*edusphere.Message
	page, err := h.svc.Messages.FindHistory(ctx, edusphere.HistoryQuery{RoomID: m.RoomID, Before: &m.ID, Last: reportContextSize})
	if err != nil {
		return nil, false, err
	}
	msgs = append(append(msgs, page.Messages...), m)
	changes, err := h.svc.Messages.ChangesSince(ctx, m.RoomID, m.CreatedSeq, reportContextReach)
	if err != nil {
		return nil, false, err
	}
	var after []*edusphere.Message
	for _, c := range changes.Changes {
		if c.Message != nil && c.Message.CreatedSeq > m.CreatedSeq {
			after = append(after, c.Message)
		}
	}
	slices.SortFunc(after, func(a, b *edusphere.Message) int { return cmp.Compare(a.CreatedSeq, b.CreatedSeq) })
	msgs = append(msgs, after[:min(len(after), reportContextSize)]...)

	var ids []uuid.UUID
	for _, x := range msgs {
		ids = append(ids, x.UserID)
	}
	users, err := h.usersByID(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	out := make([]contextLine, 0, len(msgs))
	for _, x := range msgs {
		name := "—"
		if u := users[x.UserID]; u != nil {
			name = u.Username
		}
		out = append(out, contextLine{Author: name, Created: x.Created, Body: x.Body, Reported: x.ID == m.ID})
	}
	return out, true, nil
}

// reportResolvePost carries out staff's decision on an open report:
// dismiss it, delete the message (its delete frames go out as for any
// deletion) or deactivate the author (through the account service). Each
// is recorded in the action log, and closes every open report of the
// message.
func (h *Handler) reportResolvePost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	rep, ok := h.loadReport(w, r)
	if !ok {
		return
	}
	if rep.Status != edusphere.ReportOpen {
		h.fail(w, r, edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgReportClosed))
		return
	}
	var status edusphere.ReportStatus
	var done string
	switch r.PostFormValue("action") {
	case "dismiss":
		status, done = edusphere.ReportDismissed, "The report was dismissed."
	case "delete":
		m, err := h.svc.Messages.FindMessageByID(ctx, rep.MessageID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if err := h.deleteMessage(ctx, actor, m); err != nil {
			h.fail(w, r, err)
			return
		}
		status, done = edusphere.ReportDeleted, "The message was deleted."
	case "deactivate":
		author, err := h.svc.Users.FindUserByID(ctx, rep.AuthorID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if author.IsSuperuser {
			h.fail(w, r, edusphere.PermissionDenied())
			return
		}
		before := userFields(author)
		after, err := h.cfg.Accounts.DeactivateUser(ctx, author.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if err := h.logAction(ctx, actor, "update", typeUser, author.ID.String(), userRepr(author), before, userFields(after)); err != nil {
			h.fail(w, r, err)
			return
		}
		status, done = edusphere.ReportDeactivated, "The author “"+author.Username+"” was deactivated."
	default:
		h.fail(w, r, edusphere.Errorf(edusphere.EINVALID, "Unknown action."))
		return
	}
	resolved, err := h.svc.Reports.ResolveReport(ctx, rep.ID, status, actor.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.logAction(ctx, actor, "update", typeReport, strconv.FormatInt(rep.ID, 10), "Report "+strconv.FormatInt(rep.ID, 10),
		map[string]any{"status": rep.Status, "message": rep.MessageID, "reason": rep.Reason},
		map[string]any{"status": resolved.Status, "message": rep.MessageID, "reason": rep.Reason}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, reportListURL, done)
}
