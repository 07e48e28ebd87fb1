package admin

import (
	"net/http"
	"strconv"

	"github.com/edusphere/edusphere"
)

// loadTopic finds the topic named by the {id} path value, answering 404
// itself when there is none.
func (h *Handler) loadTopic(w http.ResponseWriter, r *http.Request) (*edusphere.Topic, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, edusphere.NotFound(edusphere.MsgTopicNotFound))
		return nil, false
	}
	t, err := h.svc.Topics.FindTopicByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return t, true
}

// topicView shows a topic. Nothing on it is editable: its name is part of
// every room's identity in the client.
func (h *Handler) topicView(w http.ResponseWriter, r *http.Request) {
	t, ok := h.loadTopic(w, r)
	if !ok {
		return
	}
	id := strconv.FormatInt(t.ID, 10)
	d := changePage{
		Singular: "topic", Plural: "Topics", Repr: t.Name,
		URL: topicListURL + id + "/change/", ListURL: topicListURL, DeleteURL: topicListURL + id + "/delete/",
		Fields: []field{
			{Kind: "text", Label: "Name", Value: t.Name},
			{Kind: "text", Label: "Rooms", Value: strconv.Itoa(t.RoomCount), URL: roomListURL + "?topic=" + id},
		},
		Related: []link{{"Changes to this topic in the action log", "/admin/log/?type=topic&object=" + id}},
	}
	h.render(w, r, http.StatusOK, "change", view{Title: "View topic", Section: "topic", Data: d})
}
