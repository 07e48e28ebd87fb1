// Package cache answers the reads the GraphQL pages repeat on every visit
// from memory, for as long as the database says nothing changed: users by
// id, topic lists, room lists and rooms, participants, and a room's message
// list.
//
// The catalog version is a counter in the database (edusphere_catalog) that
// triggers bump in every transaction changing users, topics, rooms or
// participants, so it also moves for changes made by other processes
// sharing the database. Each cached read first reads the version, a
// one-row query (once per GraphQL query operation, see WithScope), and the
// catalog answers are dropped when it moved. A room's message list is kept
// under that room's own version, its sequence number (edusphere_room_seq,
// which every change to the room's messages moves in its own transaction;
// see docs/data.md), so chat in one room leaves every other answer in
// place. Reading a room's number takes no lock on either store, so caching
// costs chat writers nothing.
package cache
