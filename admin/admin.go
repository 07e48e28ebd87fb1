package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
)

// Config configures the admin handler.
type Config struct {
	// Services are the stores, wrapped by the hub's notifier so that
	// deleting a room, a topic or a message tells the open chat sockets.
	// Required.
	Services edusphere.Services
	// Accounts deactivates, reactivates and deletes users with all their
	// side effects. Required.
	Accounts edusphere.AccountService
	// Auth checks staff credentials. Required.
	Auth *auth.Service
	// SecureCookies adds the Secure attribute to the cookies the admin sets
	// (the site is served over HTTPS). Default false.
	SecureCookies bool
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
	// Now tells the time for sessions and timestamps. Default real time.
	Now edusphere.Clock
	// SessionTTL is how long a sign-in lasts. Default 14 days (Django's default).
	SessionTTL time.Duration
}

// Names of the cookies the admin sets.
const (
	SessionCookie = "edusphere_admin"
	flashCookie   = "edusphere_admin_flash"
)

// PerPage is the number of rows on a list page.
const PerPage = 25

// Handler is the admin's http.Handler.
type Handler struct {
	cfg   Config
	svc   edusphere.Services
	mux   *http.ServeMux
	pages map[string]*template.Template
	// routes is mux behind the auth service's CSRF check, which passes on
	// requests that the server's copy of it already checked.
	routes http.Handler
}

// New returns the admin, to be mounted at /admin/ (its routes include the
// /admin prefix). It panics when Services, Accounts or Auth is missing or the
// embedded templates do not parse, both programming errors.
func New(cfg Config) http.Handler {
	if cfg.Auth == nil || cfg.Accounts == nil || cfg.Services.Users == nil || cfg.Services.Sessions == nil || cfg.Services.AdminLog == nil {
		panic("admin: Config.Auth, Config.Accounts and Config.Services are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	h := &Handler{cfg: cfg, svc: cfg.Services, mux: http.NewServeMux()}
	if devDir == "" {
		pages, err := parsePages(assets())
		if err != nil {
			panic("admin: parse templates: " + err.Error())
		}
		h.pages = pages
	}
	h.route()
	h.routes = cfg.Auth.CSRF(h.mux)
	return h
}

func (h *Handler) route() {
	m := h.mux
	m.HandleFunc("GET /admin/static/{file}", h.serveStatic)
	m.HandleFunc("GET /admin/login/{$}", h.loginShow)
	m.HandleFunc("POST /admin/login/{$}", h.loginCreate)
	m.HandleFunc("POST /admin/logout/{$}", h.staff(h.logoutCreate))
	m.HandleFunc("GET /admin/{$}", h.staff(h.dashboardShow))
	m.HandleFunc("GET /admin/log/{$}", h.staff(h.logList))

	m.HandleFunc("GET /admin/core/user/{$}", h.staff(h.userList))
	m.HandleFunc("POST /admin/core/user/{$}", h.staff(h.userListPost))
	m.HandleFunc("GET /admin/core/user/{id}/change/{$}", h.staff(h.userChange))
	m.HandleFunc("POST /admin/core/user/{id}/change/{$}", h.staff(h.userChangePost))
	m.HandleFunc("GET /admin/core/user/{id}/delete/{$}", h.staff(h.userDelete))
	m.HandleFunc("POST /admin/core/user/{id}/delete/{$}", h.staff(h.userDeletePost))

	m.HandleFunc("GET /admin/core/room/{$}", h.staff(h.roomList))
	m.HandleFunc("POST /admin/core/room/{$}", h.staff(h.roomListPost))
	m.HandleFunc("GET /admin/core/room/{id}/change/{$}", h.staff(h.roomChange))
	m.HandleFunc("POST /admin/core/room/{id}/change/{$}", h.staff(h.roomChangePost))
	m.HandleFunc("GET /admin/core/room/{id}/delete/{$}", h.staff(h.roomDelete))
	m.HandleFunc("POST /admin/core/room/{id}/delete/{$}", h.staff(h.roomDeletePost))

	m.HandleFunc("GET /admin/core/topic/{$}", h.staff(h.topicList))
	m.HandleFunc("POST /admin/core/topic/{$}", h.staff(h.topicListPost))
	m.HandleFunc("GET /admin/core/topic/{id}/change/{$}", h.staff(h.topicView))
	m.HandleFunc("GET /admin/core/topic/{id}/delete/{$}", h.staff(h.topicDelete))
	m.HandleFunc("POST /admin/core/topic/{id}/delete/{$}", h.staff(h.topicDeletePost))

	m.HandleFunc("GET /admin/core/message/{$}", h.staff(h.messageList))
	m.HandleFunc("POST /admin/core/message/{$}", h.staff(h.messageListPost))
	m.HandleFunc("GET /admin/core/message/{id}/change/{$}", h.staff(h.messageView))
	m.HandleFunc("GET /admin/core/message/{id}/delete/{$}", h.staff(h.messageDelete))
	m.HandleFunc("POST /admin/core/message/{id}/delete/{$}", h.staff(h.messageDeletePost))

	m.HandleFunc("GET /admin/core/report/{$}", h.staff(h.reportList))
	m.HandleFunc("GET /admin/core/report/{id}/change/{$}", h.staff(h.reportView))
	m.HandleFunc("POST /admin/core/report/{id}/change/{$}", h.staff(h.reportResolvePost))

	// Django links objects as /admin/core/<model>/<id>/; send those to the change page.
	for _, model := range []string{"user", "room", "topic", "message"} {
		m.HandleFunc("GET /admin/core/"+model+"/{id}/{$}", h.staff(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"change/", http.StatusFound)
		}))
	}
	m.HandleFunc("/admin/", h.staff(h.notFound))
}

// ServeHTTP sets the headers every admin page shares and routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// Pages show private data: never cache them, never frame them, and
	// allow only this origin's stylesheet and form targets.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/admin/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	if r.URL.Path == "/admin" {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
		return
	}
	h.routes.ServeHTTP(w, r)
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name != "admin.css" {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(assets(), "static/"+name)
	if err != nil {
		h.internalError(w, r, fmt.Errorf("read stylesheet: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// parsePages parses every page template together with the layout.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		pages[page] = t
	}
	return pages, nil
}

// view is what every page template receives.
type view struct {
	Title   string
	Section string // highlighted navigation entry
	User    *edusphere.User
	CSRF    string
	Flash   []string
	Errors  []string
	Data    any
}

// render writes page with status, filling the fields every page needs.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	pages := h.pages
	if devDir != "" {
		var err error
		if pages, err = parsePages(assets()); err != nil {
			h.internalError(w, r, fmt.Errorf("parse templates: %w", err))
			return
		}
	}
	t := pages[page]
	if t == nil {
		h.internalError(w, r, fmt.Errorf("no template %q", page))
		return
	}
	if v.User == nil {
		v.User = staffFromContext(r.Context())
	}
	v.CSRF = auth.CSRFToken(r.Context())
	v.Flash = append(h.takeFlash(w, r), v.Flash...)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.internalError(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// internalError logs err and shows a page without its details.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	h.cfg.Logger.Error("admin", "path", r.URL.Path, "err", err)
	h.plainPage(w, http.StatusInternalServerError, "Server error", edusphere.MsgInternal)
}

// plainPage writes a small page that needs no template data.
func (h *Handler) plainPage(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s | EduSphere administration</title><link rel=\"stylesheet\" href=\"/admin/static/admin.css\"></head><body><main class=\"narrow\"><h1>%s</h1><p>%s</p><p><a href=\"/admin/\">Back to the administration</a></p></main></body></html>",
		template.HTMLEscapeString(title), template.HTMLEscapeString(title), template.HTMLEscapeString(msg))
}

// fail answers with the page fitting err's code.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch edusphere.ErrorCode(err) {
	case edusphere.ENOTFOUND:
		h.plainPage(w, http.StatusNotFound, "Not found", edusphere.ErrorMessage(err))
	case edusphere.EFORBIDDEN:
		h.plainPage(w, http.StatusForbidden, edusphere.MsgPermissionDenied, edusphere.ErrorMessage(err))
	case edusphere.EINVALID, edusphere.ECONFLICT:
		h.plainPage(w, http.StatusBadRequest, "Invalid request", edusphere.ErrorMessage(err))
	default:
		if errors.Is(err, context.Canceled) {
			return
		}
		h.internalError(w, r, err)
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.plainPage(w, http.StatusNotFound, "Not found", "There is no admin page at this address.")
}

// now returns the configured clock's time.
func (h *Handler) now() time.Time { return h.cfg.Now.Now() }

// setFlash queues messages for the next page the browser loads.
func (h *Handler) setFlash(w http.ResponseWriter, msgs ...string) {
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: encodeFlash(msgs), Path: "/admin/",
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 60,
	})
}

// takeFlash returns the queued messages and clears them.
func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) []string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/admin/", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return decodeFlash(c.Value)
}

// redirectFlash queues msgs and sends the browser to target with 302.
func (h *Handler) redirectFlash(w http.ResponseWriter, r *http.Request, target string, msgs ...string) {
	if len(msgs) > 0 {
		h.setFlash(w, msgs...)
	}
	http.Redirect(w, r, target, http.StatusFound)
}
