package server

import (
	"html"
	"net/http"
)

// errorPage writes the short HTML page Django shows with DEBUG off.
func errorPage(w http.ResponseWriter, r *http.Request, code int, title, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	t := html.EscapeString(title)
	w.Write([]byte("<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>" + t + "</title>\n</head>\n<body>\n  <h1>" +
		t + "</h1><p>" + html.EscapeString(text) + "</p>\n</body>\n</html>\n"))
}

// NotFound writes the 404 HTML page.
func NotFound(w http.ResponseWriter, r *http.Request) {
	errorPage(w, r, http.StatusNotFound, "Not Found", "The requested resource was not found on this server.")
}

// BadRequest writes the 400 HTML page of a rejected Host header.
func BadRequest(w http.ResponseWriter, r *http.Request) {
	errorPage(w, r, http.StatusBadRequest, "Bad Request (400)", "")
}

// ServerError writes the 500 HTML page; details stay in the log.
func ServerError(w http.ResponseWriter, r *http.Request) {
	errorPage(w, r, http.StatusInternalServerError, "Server Error (500)", "")
}
