package admin

import (
	"net/http"

	"github.com/edusphere/edusphere"
)

type modelCount struct {
	Name  string
	URL   string
	Count int
}

type dashboardData struct {
	Models []modelCount
	Recent []*edusphere.AdminAction
}

// dashboardShow lists the models with their row counts and the latest
// entries of the action log.
func (h *Handler) dashboardShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d dashboardData
	users, err := count(h.svc.Users.FindUsers(ctx, edusphere.UserFilter{Limit: 1}))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rooms, err := count(h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{Limit: 1}))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	topics, err := count(h.svc.Topics.FindTopics(ctx, edusphere.TopicFilter{Limit: 1}))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msgs, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{Limit: 1}))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Models = []modelCount{
		{"Users", "/admin/core/user/", users},
		{"Rooms", "/admin/core/room/", rooms},
		{"Topics", "/admin/core/topic/", topics},
		{"Messages", "/admin/core/message/", msgs},
	}
	if d.Recent, _, err = h.svc.AdminLog.FindAdminActions(ctx, edusphere.AdminActionFilter{Limit: 10}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", view{Title: "Site administration", Data: d})
}
