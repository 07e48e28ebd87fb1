// Package postgres implements the services of package edusphere on
// PostgreSQL through jackc/pgx and its connection pool.
//
// The schema keeps the Django original's table names (core_user, core_topic,
// core_room, core_room_participants, core_message) and adds the tables of
// refresh tokens, revocations, admin sessions and the admin action log.
// Every domain rule the root package validates is also a constraint, so two
// racing requests cannot break one; constraint violations are turned into
// domain errors at the boundary (mapError in postgres.go).
//
// Migrations are embedded numbered SQL files under migration/, applied by
// goose behind a PostgreSQL advisory lock so that several processes may
// start at once.
package postgres
