package admin

import (
	"net/http"

	"github.com/edusphere/edusphere"
)

// logRow is one action log entry with a link to its object.
type logRow struct {
	*edusphere.AdminAction
	URL string
}

type logPage struct {
	Rows  []logRow
	Types []filterChoice
	Pager *pager
}

// logList shows the action log, newest first, optionally for one object
// type (?type=) or one object (?object=).
func (h *Handler) logList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var filter edusphere.AdminActionFilter
	typ := q.Get("type")
	switch typ {
	case typeUser, typeRoom, typeTopic, typeMessage, typeReport:
		filter.ObjectType = &typ
	default:
		typ = ""
	}
	if obj := q.Get("object"); obj != "" && len(obj) <= 64 {
		filter.ObjectID = &obj
	}
	actions, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.AdminAction, int, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return h.svc.AdminLog.FindAdminActions(ctx, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := logPage{Pager: pg}
	for _, c := range []struct{ label, value string }{{"All", ""}, {"Users", typeUser}, {"Rooms", typeRoom}, {"Topics", typeTopic}, {"Messages", typeMessage}, {"Reports", typeReport}} {
		u := "/admin/log/"
		if c.value != "" {
			u += "?type=" + c.value
		}
		d.Types = append(d.Types, filterChoice{Label: c.label, URL: u, Selected: c.value == typ})
	}
	for _, a := range actions {
		row := logRow{AdminAction: a}
		if a.Action != "delete" {
			row.URL = "/admin/core/" + a.ObjectType + "/" + a.ObjectID + "/change/"
		}
		d.Rows = append(d.Rows, row)
	}
	h.render(w, r, http.StatusOK, "log", view{Title: "Action log", Section: "log", Data: d})
}
