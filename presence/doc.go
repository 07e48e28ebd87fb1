// Package presence implements edusphere.PresenceService: who has a socket
// open on which room, in every process, with "presence" and "typing"
// frames for the event socket (docs/presence.md).
//
// Each process counts its own sockets per (user, room). A shared Store
// holds, per room, one entry per (user, process) with an expiry that the
// process's heartbeat pushes forward; a user is online in a room while any
// entry of theirs is live. MemoryStore serves one process; RedisStore serves
// several. When a process dies without saying goodbye, its entries expire
// and the sweeper of any surviving process removes them and announces the
// users offline.
package presence
