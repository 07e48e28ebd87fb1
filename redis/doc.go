// Package redis implements edusphere.Broker over Redis pub/sub, so that
// several EduSphere processes behind one load balancer deliver every chat
// frame to every socket of a room, whichever process holds it.
//
// Channels are published under a configurable Prefix (each test uses its
// own). Each event travels as one Redis message: the event without its frame
// as a JSON line, a newline, then the frame bytes exactly as the publisher
// encoded them, so the frame is encoded once and never re-encoded.
//
// Outages. The broker keeps one subscriber connection. When it breaks (Redis
// restarted, the connection killed, or no pong within HealthInterval), the
// broker reports the outage through Ping, reconnects with exponential
// backoff (100 ms doubling to MaxBackoff, with jitter), resubscribes every
// channel and resumes delivery by itself. Meanwhile each process keeps
// serving its own sockets: a Publish that Redis refuses is handed straight
// to the local handler, and its error is returned so the caller can log it.
// Delivery is at most once: events published while a subscriber is
// reconnecting are not replayed; history comes from the database.
package redis
