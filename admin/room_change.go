package admin

import (
	"net/http"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// MsgSlugTaken is the room form's message for a slug the host already uses.
const MsgSlugTaken = edusphere.MsgSlugInUse

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

// roomForm is the change page's editable state, from the room or the post.
type roomForm struct {
	edusphere.RoomAdminForm
	// IsPrivate and MembersCanInvite are the room's flags (docs/data.md,
	// Private rooms), check boxes.
	IsPrivate, MembersCanInvite bool
	errs                        edusphere.FieldErrors
}

// roomChange shows a room: name and host read-only; slug, topic and
// description editable; the participants listed.
func (h *Handler) roomChange(w http.ResponseWriter, r *http.Request) {
	room, ok := h.loadRoom(w, r)
	if !ok {
		return
	}
	h.renderRoom(w, r, http.StatusOK, room, roomForm{RoomAdminForm: edusphere.RoomAdminForm{
		Slug: room.Slug, Topic: h.topicName(r.Context(), room.TopicID), Description: room.Description},
		IsPrivate: room.IsPrivate, MembersCanInvite: room.MembersCanInvite})
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
	invf := field{Kind: "text", Label: "Pending invitations", Value: "None"}
	if h.svc.Invitations != nil {
		invs, _, err := h.svc.Invitations.FindInvitations(ctx, edusphere.InvitationFilter{RoomID: &room.ID, Limit: edusphere.MaxPendingRoomInvitations})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, inv := range invs {
			name := inv.UserID.String()
			if u, err := h.svc.Users.FindUserByID(ctx, inv.UserID); err == nil {
				name = u.Username
			}
			invf.Links = append(invf.Links, link{name + " (" + formatTime(inv.Created) + ")", userListURL + inv.UserID.String() + "/change/"})
		}
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
			{Kind: "checkbox", Name: "is_private", Label: "Private (seen only by its participants)", Checked: f.IsPrivate},
			{Kind: "checkbox", Name: "members_can_invite", Label: "Participants may invite", Checked: f.MembersCanInvite},
			pf,
			invf,
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

// roomChangePost validates (edusphere.RoomAdminForm) and saves the room
// form.
func (h *Handler) roomChangePost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	room, ok := h.loadRoom(w, r)
	if !ok {
		return
	}
	f := roomForm{RoomAdminForm: edusphere.RoomAdminForm{
		Slug:        r.PostFormValue("slug"),
		Topic:       r.PostFormValue("topic"),
		Description: r.PostFormValue("description"),
	}, IsPrivate: r.PostFormValue("is_private") != "", MembersCanInvite: r.PostFormValue("members_can_invite") != ""}
	var err error
	if f.errs, err = f.Validate(ctx, h.svc.Rooms, room); err != nil {
		h.fail(w, r, err)
		return
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
	if f.IsPrivate != room.IsPrivate {
		upd.IsPrivate = &f.IsPrivate
		before["is_private"], after["is_private"] = room.IsPrivate, f.IsPrivate
	}
	if f.MembersCanInvite != room.MembersCanInvite {
		upd.MembersCanInvite = &f.MembersCanInvite
		before["members_can_invite"], after["members_can_invite"] = room.MembersCanInvite, f.MembersCanInvite
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
