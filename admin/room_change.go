package admin

import (
	"net/http"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// MsgSlugTaken is the room form's message for a slug the host already uses.
const MsgSlugTaken = "The host already has a room with this slug."

// loadRoom finds the room named by the {id} path value, answering 404
// itself when there is none.
func (h *Handler) loadRoom(w http.ResponseWriter, r *http.Request) (*edusphere.Room, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, edusphere.NotFound(edusphere.MsgRoomNotFound))
		return nil, false
	}
	room, err := h.svc.Rooms.FindRoomByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return room, true
}

type roomForm struct {
	Slug, Topic, Description string
	errs                     edusphere.FieldErrors
}

// roomChange shows a room: name and host read-only; slug, topic and
// description editable; the participants listed.
func (h *Handler) roomChange(w http.ResponseWriter, r *http.Request) {
	room, ok := h.loadRoom(w, r)
	if !ok {
		return
	}
	h.renderRoom(w, r, http.StatusOK, room, roomForm{Slug: room.Slug, Topic: h.topicName(r.Context(), room.TopicID), Description: room.Description})
}

func (h *Handler) renderRoom(w http.ResponseWriter, r *http.Request, status int, room *edusphere.Room, f roomForm) {
	ctx := r.Context()
	id := room.ID.String()
	host := field{Kind: "text", Label: "Host", Value: "—"}
	if u, err := h.svc.Users.FindUserByID(ctx, room.HostID); err == nil {
		host = field{Kind: "text", Label: "Host", Value: u.Username, URL: userListURL + u.ID.String() + "/change/"}
	}
	parts, err := h.svc.Rooms.FindParticipants(ctx, []uuid.UUID{room.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pf := field{Kind: "text", Label: "Participants", Value: "None"}
	for _, u := range parts[room.ID] {
		pf.Links = append(pf.Links, link{u.Username, userListURL + u.ID.String() + "/change/"})
	}
	d := changePage{
		Singular: "room", Plural: "Rooms", Repr: room.Name,
		URL: roomListURL + id + "/change/", ListURL: roomListURL, DeleteURL: roomListURL + id + "/delete/",
		Editable: true,
		Fields: []field{
			{Kind: "text", Label: "Name", Value: room.Name},
			host,
			{Kind: "input", Name: "slug", Label: "Slug", Value: f.Slug, Max: edusphere.MaxNameLength, Errors: f.errs.Get("slug"),
				Help: "Letters, numbers, underscores or hyphens; unique among the host’s rooms. It is part of the room’s address."},
			{Kind: "input", Name: "topic", Label: "Topic", Value: f.Topic, Max: edusphere.MaxNameLength, Errors: f.errs.Get("topic"),
				Help: "Letters only. A new name creates the topic."},
			{Kind: "textarea", Name: "description", Label: "Description", Value: f.Description, Max: edusphere.MaxDescriptionLength, Errors: f.errs.Get("description")},
			pf,
			{Kind: "text", Label: "Created", Value: formatTime(room.Created)},
			{Kind: "text", Label: "Updated", Value: formatTime(room.Updated)},
		},
		Related: []link{
			{"Messages in this room", "/admin/core/message/?room=" + id},
			{"Changes to this room in the action log", "/admin/log/?type=room&object=" + id},
		},
	}
	h.render(w, r, status, "change", view{Title: "Change room", Section: "room", Data: d})
}

// roomChangePost validates and saves the room form. The slug must be a
// valid slug not used by another room of the same host.
func (h *Handler) roomChangePost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	room, ok := h.loadRoom(w, r)
	if !ok {
		return
	}
	f := roomForm{
		Slug:        strings.TrimSpace(r.PostFormValue("slug")),
		Topic:       strings.TrimSpace(r.PostFormValue("topic")),
		Description: strings.TrimSpace(r.PostFormValue("description")),
	}
	switch n := edusphere.Len(f.Slug); {
	case n == 0:
		f.errs.Add("slug", edusphere.MsgRequired)
	case n > edusphere.MaxNameLength:
		f.errs.Add("slug", edusphere.MsgMaxLength(edusphere.MaxNameLength, n))
	case !edusphere.IsSlug(f.Slug):
		f.errs.Add("slug", edusphere.MsgInvalidSlug)
	case f.Slug != room.Slug:
		others, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &room.HostID, Slug: &f.Slug, Limit: 1})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if len(others) > 0 && others[0].ID != room.ID {
			f.errs.Add("slug", MsgSlugTaken)
		}
	}
	switch n := edusphere.Len(f.Topic); {
	case n == 0:
		f.errs.Add("topic", edusphere.MsgRequired)
	case n > edusphere.MaxNameLength:
		f.errs.Add("topic", edusphere.MsgMaxLength(edusphere.MaxNameLength, n))
	case !edusphere.IsTopicName(f.Topic):
		f.errs.Add("topic", edusphere.MsgTopicLetters)
	}
	if n := edusphere.Len(f.Description); n > edusphere.MaxDescriptionLength {
		f.errs.Add("description", edusphere.MsgMaxLength(edusphere.MaxDescriptionLength, n))
	}
	if len(f.errs) > 0 {
		h.renderRoom(w, r, http.StatusOK, room, f)
		return
	}
	oldTopic := h.topicName(ctx, room.TopicID)
	var upd edusphere.RoomUpdate
	before, after := map[string]any{}, map[string]any{}
	if f.Slug != room.Slug {
		upd.Slug = &f.Slug
		before["slug"], after["slug"] = room.Slug, f.Slug
	}
	if f.Topic != oldTopic {
		upd.TopicName = &f.Topic
		before["topic"], after["topic"] = oldTopic, f.Topic
	}
	if f.Description != room.Description {
		upd.Description = &f.Description
		before["description"], after["description"] = room.Description, f.Description
	}
	if len(after) == 0 {
		h.redirectFlash(w, r, roomListURL, "No fields changed.")
		return
	}
	if _, err := h.svc.Rooms.UpdateRoom(ctx, room.ID, upd); err != nil {
		switch edusphere.ErrorCode(err) {
		case edusphere.ECONFLICT:
			f.errs.Add("slug", MsgSlugTaken)
		case edusphere.EINVALID:
			f.errs.Add("slug", edusphere.ErrorMessage(err))
		default:
			h.fail(w, r, err)
			return
		}
		h.renderRoom(w, r, http.StatusOK, room, f)
		return
	}
	if err := h.logAction(ctx, actor, "update", typeRoom, room.ID.String(), room.Name, before, after); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, roomListURL, "The room “"+room.Name+"” was changed successfully.")
}
