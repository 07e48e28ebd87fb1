// Package auth identifies callers and guards the HTTP surface: password
// hashing and the password rules (the registration form itself is
// edusphere.RegisterForm), HS256 access tokens in the HttpOnly JWT cookie,
// opaque rotating refresh tokens, a deny-list of revoked login sessions kept
// in memory, the CSRF double-submit check, CORS, security headers, the
// WebSocket Origin rule and rate limits on log-in and registration.
//
// It is the one home of the server's security primitives: the CSRF check
// (the admin uses it too), the rate type Limit with its parser ParseLimit
// (the chat socket's frame limit is one), and opaque bearer tokens stored
// only as their hash (NewOpaqueToken; admin sessions are made with it).
//
// A login session is (user, origIat): every access token of one log-in
// carries the same origIat, so logging out, changing the password or
// deactivating the account revokes it by adding that pair (or the whole
// user) to the deny-list. Every process keeps the deny-list in memory,
// loaded at Start, refreshed every SyncInterval and at once through the
// broker's system channel, so checking a token needs no database query
// beyond the user lookup.
//
// HTTP middleware order in the server: SecurityHeaders → CORS → CSRF →
// Middleware → handler. Handlers queue cookie changes (SetLoginCookies,
// ClearJWTCookie, ClearRefreshCookie) through the request context and the
// middleware writes them before the response header.
//
// No password, token, refresh token or key is ever written to a log.
package auth
