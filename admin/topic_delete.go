package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/edusphere/edusphere"
)

// topicDeleteTarget describes deleting t for actor.
func (h *Handler) topicDeleteTarget(actor *edusphere.User, t *edusphere.Topic) deleteTarget {
	return deleteTarget{
		ID: strconv.FormatInt(t.ID, 10), Repr: t.Name,
		cascade: func(ctx context.Context) ([]string, error) { return h.topicCascade(ctx, t) },
		remove:  func(ctx context.Context) error { return h.deleteTopic(ctx, actor, t) },
	}
}

// topicDelete shows what deleting the topic also deletes.
func (h *Handler) topicDelete(w http.ResponseWriter, r *http.Request) { h.topicDeleteForm(w, r, false) }

// topicDeletePost deletes the topic after the confirmation.
func (h *Handler) topicDeletePost(w http.ResponseWriter, r *http.Request) {
	h.topicDeleteForm(w, r, r.PostFormValue("post") == "yes")
}

func (h *Handler) topicDeleteForm(w http.ResponseWriter, r *http.Request, confirmed bool) {
	t, ok := h.loadTopic(w, r)
	if !ok {
		return
	}
	id := strconv.FormatInt(t.ID, 10)
	h.confirmDelete(w, r, deleteSpec{
		Singular: "topic", Plural: "topics", ListURL: topicListURL,
		Action: topicListURL + id + "/delete/", Cancel: topicListURL + id + "/change/",
		Targets: []deleteTarget{h.topicDeleteTarget(staffFromContext(r.Context()), t)},
	}, confirmed)
}
