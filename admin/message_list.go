package admin

import (
	"context"
	"net/http"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

const messageListURL = "/admin/core/message/"

// messageList shows messages, newest first, with search (author's
// username, room name, body), the edited filter and optional user and
// room scopes. Messages are read-only.
func (h *Handler) messageList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	filter := edusphere.MessageFilter{Search: searchParam(r), Edited: boolParam(r, "edited"), Order: edusphere.MessageOrderNewest}
	scope := ""
	if id := uuidParam(r, "user"); id != nil {
		filter.UserID = id
		scope = "Messages by " + h.userLabel(ctx, *id) + "."
	}
	if id := uuidParam(r, "room"); id != nil {
		filter.RoomID = id
		name := "an unknown room"
		if room, err := h.svc.Rooms.FindRoomByID(ctx, *id); err == nil {
			name = room.Name
		}
		scope += " Messages in " + name + "."
	}
	msgs, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.Message, int, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return h.svc.Messages.FindMessages(ctx, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var userIDs, roomIDs []uuid.UUID
	for _, m := range msgs {
		userIDs = append(userIDs, m.UserID)
		roomIDs = append(roomIDs, m.RoomID)
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
	d := listPage{
		Singular: "message", Plural: "messages", Path: messageListURL, Here: r.URL.RequestURI(),
		Search: r.URL.Query().Get("q"), SearchHelp: "Username, room name or text",
		Keep: keepParams(r.URL.Query()), Scope: scope,
		Filters: []filterGroup{boolFilter(r, "edited", "edited")},
		Columns: []string{"User", "Room", "Body", "Edited", "Updated", "Created"},
		Pager:   pg,
	}
	for _, m := range msgs {
		id := m.ID.String()
		user, room := textCell("—"), textCell("—")
		if u := users[m.UserID]; u != nil {
			user = linkCell(u.Username, userListURL+u.ID.String()+"/change/")
		}
		if rm := rooms[m.RoomID]; rm != nil {
			room = linkCell(rm.Name, roomListURL+rm.ID.String()+"/change/")
		}
		d.Rows = append(d.Rows, listRow{ID: id, Repr: messageRepr(m), Cells: []cell{
			user, room,
			linkCell(truncate(m.Body, 80), messageListURL+id+"/change/"),
			boolCell(m.Edited),
			timeCell(m.Updated),
			timeCell(m.Created),
		}})
	}
	h.render(w, r, http.StatusOK, "list", view{Title: "Select message to view", Section: "message", Data: d})
}

// messageListPost runs "delete selected".
func (h *Handler) messageListPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := readListForm(r)
	if f.Do != "action" || f.Action != "delete_selected" || len(f.Selected) == 0 {
		h.noSelection(w, r, messageListURL, f)
		return
	}
	deleteSelected(h, w, r, f, deleteSpec{Singular: "message", Plural: "messages", ListURL: messageListURL},
		byUUIDs(func(ctx context.Context, ids []uuid.UUID) ([]*edusphere.Message, error) {
			msgs, _, err := h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{IDs: ids, Order: edusphere.MessageOrderNewest})
			return msgs, err
		}),
		func(m *edusphere.Message) deleteTarget { return h.messageDeleteTarget(staffFromContext(ctx), m) })
}
