// Package cache answers the catalog reads the GraphQL pages repeat on every
// visit (users by id, the topic list, room lists and rooms, participants)
// from memory, for as long as the database's catalog version stays the same.
//
// The version is a counter in the database (edusphere_catalog) that
// triggers bump in every transaction changing users, topics, rooms or
// participants, so it also moves for changes made by other processes
// sharing the database. Each cached read first reads the version, a one-row
// query, and the whole cache is dropped when it moved. Messages are not
// cached: chat changes them all the time.
package cache
