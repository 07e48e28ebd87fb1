package admin

import (
	"net/http"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// loadMessage finds the message named by the {id} path value, answering
// 404 itself when there is none.
func (h *Handler) loadMessage(w http.ResponseWriter, r *http.Request) (*edusphere.Message, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, edusphere.NotFound(edusphere.MsgMessageNotFound))
		return nil, false
	}
	m, err := h.svc.Messages.FindMessageByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return m, true
}

// messageView shows a message, read-only: moderators delete messages but
// never put words in anyone's mouth.
func (h *Handler) messageView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, ok := h.loadMessage(w, r)
	if !ok {
		return
	}
	id := m.ID.String()
	user := field{Kind: "text", Label: "User", Value: "—"}
	if u, err := h.svc.Users.FindUserByID(ctx, m.UserID); err == nil {
		user = field{Kind: "text", Label: "User", Value: u.Username, URL: userListURL + u.ID.String() + "/change/"}
	}
	room := field{Kind: "text", Label: "Room", Value: "—"}
	if rm, err := h.svc.Rooms.FindRoomByID(ctx, m.RoomID); err == nil {
		room = field{Kind: "text", Label: "Room", Value: rm.Name, URL: roomListURL + rm.ID.String() + "/change/"}
	}
	d := changePage{
		Singular: "message", Plural: "Messages", Repr: messageRepr(m),
		URL: messageListURL + id + "/change/", ListURL: messageListURL, DeleteURL: messageListURL + id + "/delete/",
		Fields: []field{
			user, room,
			{Kind: "pre", Label: "Body", Value: m.Body},
			{Kind: "bool", Label: "Edited", Checked: m.Edited},
			{Kind: "text", Label: "Updated", Value: formatTime(m.Updated)},
			{Kind: "text", Label: "Created", Value: formatTime(m.Created)},
		},
	}
	h.render(w, r, http.StatusOK, "change", view{Title: "View message", Section: "message", Data: d})
}
