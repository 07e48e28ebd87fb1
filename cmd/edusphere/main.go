// Command edusphere runs the EduSphere server and its maintenance commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// The collector settings used when the environment sets no GOGC or
// GOMEMLIMIT. Requests allocate many short-lived objects (the GraphQL
// executor several per field) over a live heap of about ten megabytes, so
// at Go's default GOGC=100 the collector runs almost all the time. At 1000
// the heap may grow to eleven times the live data between cycles: about
// 100 MB of memory under GraphQL load (more after a burst of password
// hashes) for a quarter to a third less CPU per GraphQL request (README,
// "How the GraphQL pages are fast"). The soft memory limit makes the
// collector run sooner should the heap approach it.
const (
	defaultGCPercent   = 1000
	defaultMemoryLimit = 1 << 30
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(NewMain().Exec(ctx, os.Args[1:]))
}
