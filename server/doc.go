// Package server owns net/http for EduSphere: one listener, one handler
// tree. It mounts the GraphQL endpoint, the CSRF bootstrap, the chat
// WebSocket, the admin, media and the web client, each given as a plain
// http.Handler, and adds what every route shares: panic recovery, request
// ids, request logs and Prometheus metrics, the Host check, the auth
// middlewares, body limits, timeouts and a graceful shutdown.
//
// The operational endpoints are /healthz (the process is alive), /readyz
// (the database and broker answer) and /metrics.
package server
