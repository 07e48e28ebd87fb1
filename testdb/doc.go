// Package testdb gives every package's tests real, fresh databases: an
// in-memory SQLite always, PostgreSQL and Redis when they are reachable
// (skipping otherwise, failing under CI=true), plus a settable Clock the
// stores read and Must helpers that create users, rooms and messages.
package testdb
