// Package hub is EduSphere's real-time layer: the WebSocket chat endpoint
// /ws/chat/<hostUsername>/<roomSlug> (docs/websocket.md), the Hub that maps each
// room to the sockets this process holds, and the service wrappers that
// publish after commit. V2 serves the event socket /ws/v2 (docs/events.md,
// "Event socket"): one socket per client for many rooms, with catch-up
// from a room sequence number, in-order delivery and unread frames
// (hub/v2*.go).
//
// # Delivery
//
// Every frame goes through the edusphere.Broker, in one process (inmem) and
// across many (redis) alike: the first local socket of a room subscribes the
// room's channel, the last one to leave unsubscribes it. An event carries
// its frame encoded once; fan-out appends the same bytes to each socket's
// bounded queue and never blocks the publisher. Chat writes of every socket
// go through one group-committing writer (submitChat, docs/data.md, "Group
// commit") and each committed change is published after its transaction,
// in commit order (Notifier.ChatCommitted), so a frame never announces a
// message the database does not hold. A chat socket keeps up to
// Config.ChatWindow writes in the writer while it reads its next frames,
// and gets their answers in the order sent (pipeline.go). With Redis, a room's frames that
// overtake an earlier sequence number are held briefly (order.go).
//
// # Wiring
//
// New takes a Config: the broker, the store's own services (Store), the
// Notifier and the auth service (Auth). The hub is the broker's one
// handler: it fans room events out to its sockets and passes every
// system-channel event to Auth.HandleEvent after acting on it. Services are
// wrapped once, in cmd: the store, then Notifier.Wrap for the transports
// that change messages, rooms and topics, then the GraphQL read cache.
//
// # Frames
//
// Client frames and the "new", "update" and "delete" frames follow
// docs/websocket.md, Client frames and Server frames, exactly, written like
// Python's json.dumps (", " and ": " separators, non-ASCII escaped). Where
// the original dropped the connection, the socket now stays open and the
// sender alone gets an error frame {"error": text}:
//
//	Message exceeds 500 characters.      message missing, null, not a string, "" or over 500 code points
//	Message not found.                   messageId missing, null, not a string, not a UUID, unknown, or in another room
//	You can only edit your own messages.
//	You can only delete your own messages.
//	Unknown message type.                "type" other than "text", "update" or "delete" (including non-strings)
//	Invalid message format.              malformed JSON, JSON that is not an object, binary frames
//	Rate limit exceeded. Slow down.      more frames than Config.RateLimit allows for this user
//	Internal error.                      the database failed; the cause is logged
//
// The room is looked up again whenever a frame would get an error frame; a
// frame that succeeds proves the room exists, since the store checks it. If
// the room is gone, the socket is closed with 4404 instead. Deleting a room
// through the wrapped services closes its sockets at once anyway.
//
// The update and delete frames echo the canonical (lower-case) id and the
// stored body. A message of another room cannot be edited or deleted through
// this room's socket (docs/websocket.md, Client frames).
//
// # Handshake
//
// Every refusal happens before the upgrade, with an empty body: a missing
// Origin or one Config.Auth.OriginAllowed refuses gives 403; a path that is not /ws/chat/<seg>/<seg>
// with segments of [-a-zA-Z0-9_]+ gives 404; an absent, bad, expired or
// inactive JWT cookie, an unknown room or a caller who is not a participant
// gives 403; a hub shutting down gives 503.
//
// # Close codes
//
// docs/websocket.md ("Close codes") is the reference. Codes 4000–4099 mean
// "try again": a client should reconnect, after reloading history. Codes
// 4400–4499 are final for the socket's credentials or room.
//
//	1001 going away      Shutdown: queued frames are written first
//	1009 message too big a frame over Config.MaxFrameBytes (default 64 KiB)
//	4000 missed events   the broker signalled a gap (edusphere.EventGap) on
//	                     the room's channel: reload the history, reconnect
//	4008 slow consumer   the socket's send queue (Config.SendQueue) overflowed,
//	                     or a ping went unanswered; queued frames are dropped,
//	                     the room is not slowed down
//	4401 session ended   the socket's login session was revoked, or the token
//	                     it was opened with expired without renewal
//	4403 user disabled   the user was deactivated or deleted
//	4404 room deleted    the room no longer exists
//
// A peer that does not answer a ping within Config.PingInterval is closed
// as a slow consumer too. A slow consumer's 4008 close frame is written
// next, after the frame under way, and the connection is cut
// Config.CloseTimeout later whatever the peer does; a peer that does not
// take one frame within Config.WriteTimeout is dropped without a close
// frame. So a client that stops reading is gone at most
// 2×PingInterval + CloseTimeout after its last read (docs/websocket.md,
// "Slow consumers").
//
// # Sessions
//
// A socket keeps the session (user and origIat) and expiry of the token it
// was opened with. A session.revoked event closes the sockets of the
// sessions it denies at once; every Config.SessionCheck the hub asks
// Config.Auth about each socket's session and closes those revoked (an
// event may have been lost) or whose newest known token expired.

// # Cost of a socket
//
// An idle socket holds one goroutine blocked in Read, its buffers and a
// timer; the writer goroutine exists only while frames are queued, and the
// handshake's goroutine and request are released after the upgrade. About
// 25 KiB of server RSS per idle socket was measured with edusphere-load.
//
// # Rate limit
//
// Config.RateLimit is a token bucket per user per process, counting every
// frame the user sends on any of their sockets: Count frames per Per, with a
// burst of Count. The zero value turns it off. It is an auth.Limit, the
// type WS_RATE_LIMIT parses into.
package hub
