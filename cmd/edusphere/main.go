// Command edusphere runs the EduSphere server and its maintenance commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultGCPercent replaces Go's GOGC=100 when the environment sets no GOGC.
// Requests allocate many short-lived objects (the GraphQL executor several
// per field) over a live heap of a few tens of megabytes, so at 100 the
// collector runs almost all the time; at 400 the heap may grow to five
// times the live data between cycles, which costs tens of megabytes and
// gave the GraphQL pages about 40% more requests per second (README,
// Benchmarks).
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(NewMain().Exec(ctx, os.Args[1:]))
}
