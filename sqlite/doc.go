// Package sqlite implements the EduSphere services on SQLite through the
// pure-Go modernc.org/sqlite driver (no cgo).
//
// A DB keeps one writer connection, whose transactions begin IMMEDIATE so
// that checks made inside them cannot race, and a pool of read-only
// connections; the file runs in WAL mode with foreign keys on. The schema
// lives in numbered, embedded migrations applied with goose, and repeats
// every domain rule as a constraint. Driver errors are mapped to
// edusphere.Error codes at this boundary.
package sqlite
