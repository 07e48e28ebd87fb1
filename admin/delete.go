package admin

import (
	"context"
	"net/http"
)

// deleteTarget is one object a delete page removes.
type deleteTarget struct {
	ID, Repr string
	check    func() error // may the actor delete it? nil: yes
	cascade  func(ctx context.Context) ([]string, error)
	remove   func(ctx context.Context) error
}

// deleteSpec describes a deletion for confirmDelete.
type deleteSpec struct {
	Singular, Plural string
	ListURL          string
	Action           string // where the confirmation form posts
	Cancel           string
	Bulk             bool
	Targets          []deleteTarget
}

// confirmDelete shows what deleting the targets also removes, or, when
// the confirmation was posted, deletes them and returns to the list. The
// permission check runs for every target before anything is deleted.
func (h *Handler) confirmDelete(w http.ResponseWriter, r *http.Request, spec deleteSpec, confirmed bool) {
	ctx := r.Context()
	for _, t := range spec.Targets {
		if t.check == nil {
			continue
		}
		if err := t.check(); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	next := backToList(r, spec.ListURL)
	if !confirmed {
		d := deletePage{
			Singular: spec.Singular, Plural: spec.Plural, ListURL: spec.ListURL,
			Action: spec.Action, Cancel: orDefault(spec.Cancel, next), Next: next, Bulk: spec.Bulk,
		}
		for _, t := range spec.Targets {
			c, err := t.cascade(ctx)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			d.Items = append(d.Items, deleteItem{ID: t.ID, Repr: t.Repr, Cascades: c})
		}
		if len(d.Items) > 1 {
			d.Summary = plural(len(d.Items), spec.Singular, spec.Plural)
		}
		h.render(w, r, http.StatusOK, "delete", view{Title: "Are you sure?", Section: sectionOf(spec.ListURL), Data: d})
		return
	}
	for _, t := range spec.Targets {
		if err := t.remove(ctx); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	msg := "Successfully deleted " + plural(len(spec.Targets), spec.Singular, spec.Plural) + "."
	if len(spec.Targets) == 1 {
		msg = "The " + spec.Singular + " “" + spec.Targets[0].Repr + "” was deleted successfully."
	}
	h.redirectFlash(w, r, next, msg)
}

// sectionOf returns the navigation entry of a list URL.
func sectionOf(list string) string {
	switch list {
	case "/admin/core/user/":
		return "user"
	case "/admin/core/room/":
		return "room"
	case "/admin/core/topic/":
		return "topic"
	case "/admin/core/message/":
		return "message"
	}
	return ""
}

// noSelection sends the browser back to the list when an action was
// asked for without ticking any row, or without choosing an action.
// deleteSelected asks to confirm, or carries out, the deletion of the
// objects selected on the list page of spec: find loads them from the
// selected ids, target describes each one.
func deleteSelected[T any](h *Handler, w http.ResponseWriter, r *http.Request, f listForm, spec deleteSpec,
	find func(ctx context.Context, selected []string) ([]T, error), target func(T) deleteTarget) {
	items, err := find(r.Context(), f.Selected)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	spec.Action, spec.Bulk = spec.ListURL, true
	for _, it := range items {
		spec.Targets = append(spec.Targets, target(it))
	}
	if len(spec.Targets) == 0 {
		h.noSelection(w, r, spec.ListURL, f)
		return
	}
	h.confirmDelete(w, r, spec, f.Confirm)
}

func (h *Handler) noSelection(w http.ResponseWriter, r *http.Request, list string, f listForm) {
	if f.Do == "action" && f.Action == "" {
		h.redirectFlash(w, r, backToList(r, list), "No action selected.")
		return
	}
	h.redirectFlash(w, r, backToList(r, list), "Items must be selected in order to perform actions on them. No items have been changed.")
}
