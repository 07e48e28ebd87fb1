// Package web serves the EduSphere browser client: plain ES modules and
// hand-written CSS, embedded into the binary with go:embed, so that one
// binary is a complete product.
//
// The client talks to the server only through the public GraphQL endpoint
// (/graphql/), /api/csrf/ and the chat WebSocket (/ws/chat/<host>/<room>).
//
// Handler serves the files under static/. Any path that does not look like a
// file (no dot in its last segment, not under /assets/) gets index.html, so
// deep links such as /u/alice/algebra work on reload. index.html carries an
// import map that points every module at a content-hashed URL; hashed URLs
// are cached for a year, index.html is never cached, and a deploy therefore
// never mixes old and new modules.
//
// Built with -tags dev, the package reads static/ from disk on every request
// and disables caching, so the client can be edited without rebuilding.
package web
