package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

const roomListURL = "/admin/core/room/"

// roomList shows rooms, most recently updated first, with search (name,
// topic name, description), optional host and topic scopes and the
// description editable inline.
func (h *Handler) roomList(w http.ResponseWriter, r *http.Request) {
	h.renderRoomList(w, r, http.StatusOK, nil, nil)
}

// renderRoomList renders the list; posted and errs, when set, replace the
// descriptions of rows whose inline edit was refused.
func (h *Handler) renderRoomList(w http.ResponseWriter, r *http.Request, status int, posted map[string]string, errs map[string]string) {
	ctx := r.Context()
	filter := edusphere.RoomFilter{Search: searchParam(r), SearchTopic: true, Order: edusphere.RoomOrderUpdated}
	scope := ""
	if id := uuidParam(r, "host"); id != nil {
		filter.HostID = id
		scope = "Rooms hosted by " + h.userLabel(ctx, *id) + "."
	}
	if t, err := strconv.ParseInt(r.URL.Query().Get("topic"), 10, 64); err == nil {
		filter.TopicID = &t
		scope += " Rooms about " + h.topicName(ctx, t) + "."
	}
	rooms, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.Room, int, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return h.svc.Rooms.FindRooms(ctx, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var hostIDs []uuid.UUID
	var topicIDs []int64
	for _, room := range rooms {
		hostIDs = append(hostIDs, room.HostID)
		topicIDs = append(topicIDs, room.TopicID)
	}
	hosts, err := h.usersByID(ctx, hostIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	topics, err := h.topicsByID(ctx, topicIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := listPage{
		Singular: "room", Plural: "rooms", Path: roomListURL, Here: r.URL.RequestURI(),
		Search: r.URL.Query().Get("q"), SearchHelp: "Name, topic or description",
		Keep: keepParams(r.URL.Query()), Scope: scope,
		Columns: []string{"Name", "Topic", "Description", "Host"},
		Pager:   pg, Editable: true,
	}
	for _, room := range rooms {
		id := room.ID.String()
		topic := ""
		if t := topics[room.TopicID]; t != nil {
			topic = t.Name
		}
		host := cell{Kind: "text", Text: "—"}
		if u := hosts[room.HostID]; u != nil {
			host = linkCell(u.Username, userListURL+u.ID.String()+"/change/")
		}
		desc := cell{Kind: "textarea", Name: "description_" + id, Text: room.Description}
		if v, ok := posted[id]; ok {
			desc.Text = v
		}
		if e := errs[id]; e != "" {
			desc.Errors = []string{e}
		}
		d.Rows = append(d.Rows, listRow{ID: id, Repr: room.Name, Cells: []cell{
			linkCell(room.Name, roomListURL+id+"/change/"),
			linkCell(topic, roomListURL+"?topic="+strconv.FormatInt(room.TopicID, 10)),
			desc,
			host,
		}})
	}
	v := view{Title: "Select room to change", Section: "room", Data: d}
	if len(errs) > 0 {
		v.Errors = []string{"Please correct the errors below. Nothing was saved."}
	}
	h.render(w, r, status, "list", v)
}

// userLabel names a user for a scope line.
func (h *Handler) userLabel(ctx context.Context, id uuid.UUID) string {
	u, err := h.svc.Users.FindUserByID(ctx, id)
	if err != nil {
		return "an unknown user"
	}
	return u.Username
}

// roomListPost saves inline descriptions or runs "delete selected".
func (h *Handler) roomListPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	f := readListForm(r)
	switch {
	case f.Do == "save":
		ids, err := parseUUIDs(f.Rows)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		posted, errs := map[string]string{}, map[string]string{}
		type change struct {
			room *edusphere.Room
			desc string
		}
		var changes []change
		for _, id := range ids {
			room, err := h.svc.Rooms.FindRoomByID(ctx, id)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			desc := r.PostFormValue("description_" + id.String())
			posted[id.String()] = desc
			form := edusphere.RoomForm{Description: &desc}
			if fe := form.Validate(); len(fe) > 0 {
				errs[id.String()] = fe.Get("description")[0]
			} else if desc != room.Description {
				changes = append(changes, change{room, desc})
			}
		}
		if len(errs) > 0 {
			h.renderRoomList(w, r, http.StatusOK, posted, errs)
			return
		}
		for _, c := range changes {
			if _, err := h.svc.Rooms.UpdateRoom(ctx, c.room.ID, edusphere.RoomUpdate{Description: &c.desc}); err != nil {
				h.fail(w, r, err)
				return
			}
			if err := h.logAction(ctx, actor, "update", typeRoom, c.room.ID.String(), c.room.Name,
				map[string]any{"description": c.room.Description}, map[string]any{"description": c.desc}); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		msg := "No fields changed."
		if n := len(changes); n > 0 {
			msg = fmt.Sprintf("%s changed successfully.", plural(n, "room was", "rooms were"))
		}
		h.redirectFlash(w, r, backToList(r, roomListURL), msg)
	case f.Do == "action" && f.Action == "delete_selected" && len(f.Selected) > 0:
		deleteSelected(h, w, r, f, deleteSpec{Singular: "room", Plural: "rooms", ListURL: roomListURL},
			byUUIDs(func(ctx context.Context, ids []uuid.UUID) ([]*edusphere.Room, error) {
				rooms, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{IDs: ids})
				return rooms, err
			}),
			func(room *edusphere.Room) deleteTarget { return h.roomDeleteTarget(actor, room) })
	default:
		h.noSelection(w, r, roomListURL, f)
	}
}
