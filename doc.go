// Package edusphere holds the domain of the EduSphere study-room chat server:
// users, topics, rooms, participants and messages, the rules they obey, the
// service interfaces the stores implement, and the one error type every
// transport maps to its own wire format.
//
// The package imports no storage, transport or broker code. Each technology
// lives in its own package (sqlite, postgres, gql, hub, inmem, redis, auth,
// admin, web) and only cmd/edusphere wires them together.
package edusphere
