package hub

import (
	"context"
	"net/http"
	"regexp"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
)

// pathRe matches the chat route, mounted with or without the /ws/chat prefix.
var pathRe = regexp.MustCompile(`^(?:/ws/chat)?/([-a-zA-Z0-9_]+)/([-a-zA-Z0-9_]+)$`)

// ServeHTTP runs the handshake checks in order (docs/websocket.md,
// Handshake), refusing with an empty
// body before any upgrade, then serves the socket until it closes.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !h.auth.OriginAllowed(origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	match := pathRe.FindStringSubmatch(r.URL.Path)
	if match == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	hostName, slug := match[1], match[2]

	ctx := r.Context()
	user, session := h.authenticate(ctx, r)
	if user == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	room, member, err := h.store.Rooms.FindRoomForUser(ctx, hostName, slug, user.ID)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND || (err == nil && !member) {
		w.WriteHeader(http.StatusForbidden)
		return
	} else if err != nil {
		h.log.Error("ws handshake: find room", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}

	c := newConn(h, user, session, room.ID)
	// Join before the upgrade so no frame published after the client's
	// handshake completes can be missed; it is queued until the writer runs.
	if !h.join(ctx, c) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	cw := &corkWriter{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{
		// The Origin was checked above with the server's own rule
		// (docs/auth.md, Origin of WebSocket handshakes).
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		h.leave(c)
		return
	}
	ws.SetReadLimit(h.cfg.MaxFrameBytes)
	c.cork = cw.conn
	// The socket outlives this handler: a fresh goroutine keeps only a
	// small stack and lets the request and the handshake's stack go.
	go c.serve(ws)
}

// authenticate returns the active user of the JWT cookie and the session
// the cookie's token belongs to, or a nil user.
func (h *Hub) authenticate(ctx context.Context, r *http.Request) (*edusphere.User, edusphere.Session) {
	cookie, err := r.Cookie("JWT")
	if err != nil {
		return nil, edusphere.Session{}
	}
	user, session, err := h.auth.AuthenticateSession(ctx, cookie.Value)
	if err != nil || user == nil || !user.IsActive {
		return nil, edusphere.Session{}
	}
	return user, session
}
