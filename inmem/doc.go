// Package inmem implements edusphere.Broker inside one process.
//
// It is the default broker: when EduSphere runs as a single process there is
// no one else to tell, so Publish hands each event straight to the handler
// when the channel is subscribed. The hub uses it through the same interface
// as the Redis broker, so one process and many share one code path.
package inmem
