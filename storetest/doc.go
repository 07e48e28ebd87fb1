// Package storetest is the conformance suite every EduSphere store runs:
// the sqlite and postgres packages call Run from their tests with a
// function that opens a fresh database, so both stores are held to the
// same rules, messages, orderings, cascades and concurrency guarantees.
//
// Run opens a new database for each subtest through the open function the
// store's tests give it, which returns a Store: the services, a settable
// Clock and a statement counter. The suite imports no store and no test
// helper that does. Run moves the Clock to check the times stores record. Ties in every ordering are
// broken by id ascending (UUID text order, which is PostgreSQL's uuid
// order), except the admin log, which is newest id first.
package storetest
