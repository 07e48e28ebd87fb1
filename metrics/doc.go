// Package metrics holds the Prometheus collectors of the parts of
// EduSphere that stay free of Prometheus themselves: the chat hub (through
// hub.Metrics), the broker (a wrapper timing every publish) and the
// database connection pools. cmd/edusphere registers them next to the
// server's HTTP series and the GraphQL operation histogram; the full list
// of series is in docs/operations.md. No label takes a user's or a room's
// id: every label value comes from a fixed set.
package metrics
