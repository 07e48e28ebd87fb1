package admin

import "net/http"

// logoutCreate ends the admin session (POST only, so a link or an image
// elsewhere cannot sign anyone out) and returns to the sign-in page.
func (h *Handler) logoutCreate(w http.ResponseWriter, r *http.Request) {
	if err := h.endSession(r.Context(), w, r); err != nil {
		h.internalError(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/admin/login/", "You have been logged out.")
}
