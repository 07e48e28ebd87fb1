// Package storetest is the conformance suite every EduSphere store runs:
// the sqlite and postgres packages call Run from their tests with a
// function that opens a fresh database, so both stores are held to the
// same rules, messages, orderings, cascades and concurrency guarantees.
//
// Run opens a new database for each subtest through the open function
// (typically testdb.SQLite or testdb.Postgres) and moves the Handle's
// Clock to check the times stores record. Ties in every ordering are
// broken by id ascending (UUID text order, which is PostgreSQL's uuid
// order), except the admin log, which is newest id first.
package storetest
