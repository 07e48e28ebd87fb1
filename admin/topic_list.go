package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/edusphere/edusphere"
)

const topicListURL = "/admin/core/topic/"

// topicList shows topics by name with their room counts and a search on
// the name.
func (h *Handler) topicList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	filter := edusphere.TopicFilter{Search: searchParam(r), Order: edusphere.TopicOrderName}
	topics, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.Topic, int, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return h.svc.Topics.FindTopics(ctx, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := listPage{
		Singular: "topic", Plural: "topics", Path: topicListURL, Here: r.URL.RequestURI(),
		Search: r.URL.Query().Get("q"), SearchHelp: "Name",
		Keep:    keepParams(r.URL.Query()),
		Columns: []string{"Name", "Rooms"},
		Pager:   pg,
	}
	for _, t := range topics {
		id := strconv.FormatInt(t.ID, 10)
		rooms := linkCell(strconv.Itoa(t.RoomCount), roomListURL+"?topic="+id)
		rooms.Class = "num"
		d.Rows = append(d.Rows, listRow{ID: id, Repr: t.Name, Cells: []cell{
			linkCell(t.Name, topicListURL+id+"/change/"),
			rooms,
		}})
	}
	h.render(w, r, http.StatusOK, "list", view{Title: "Select topic to change", Section: "topic", Data: d})
}

// topicListPost runs "delete selected".
func (h *Handler) topicListPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := readListForm(r)
	if f.Do != "action" || f.Action != "delete_selected" || len(f.Selected) == 0 {
		h.noSelection(w, r, topicListURL, f)
		return
	}
	deleteSelected(h, w, r, f, deleteSpec{Singular: "topic", Plural: "topics", ListURL: topicListURL},
		func(ctx context.Context, selected []string) ([]*edusphere.Topic, error) {
			var ids []int64
			for _, s := range selected {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return nil, edusphere.Errorf(edusphere.EINVALID, "Invalid id %q.", s)
				}
				ids = append(ids, id)
			}
			topics, _, err := h.svc.Topics.FindTopics(ctx, edusphere.TopicFilter{IDs: ids, Order: edusphere.TopicOrderName})
			return topics, err
		},
		func(t *edusphere.Topic) deleteTarget { return h.topicDeleteTarget(staffFromContext(ctx), t) })
}
