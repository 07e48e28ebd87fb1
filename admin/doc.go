// Package admin serves the staff interface at /admin/: server-rendered pages
// for moderating users, rooms, topics and messages, with no JavaScript and
// no build step.
//
// Staff sign in with email and password through auth.Service's
// CheckCredentials (rate-limited, with rehashing) and get their own session
// cookie, edusphere_admin, whose token is stored only as a SHA-256 hash.
// That session never authenticates the GraphQL API, and the API's JWT never
// opens the admin (docs/auth.md, Admin sessions).
//
// Every form carries the csrfmiddlewaretoken field, checked by the auth
// service's CSRF middleware, the one the API uses: the admin wraps its
// routes in it, so it stays safe when mounted on its own, and a request the
// server's copy already checked is not checked twice. The forms' rules are
// the root package's (RoomAdminForm, ProfileForm, LoginForm). Every change
// is written to the admin action log with the fields before and after. Deactivating a user ends their API sessions,
// their admin sessions and, through the services the server wraps with the
// hub, their open chat sockets.
//
// Each page lives in its own file named noun_verb (user_list.go,
// room_change.go, ...). Templates and the stylesheet are embedded; a build
// with -tags dev reads them from disk on every request instead.
package admin
