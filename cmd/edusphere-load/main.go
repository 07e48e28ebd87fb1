// Command edusphere-load drives running EduSphere servers with synthetic
// users and reports throughput and latency. Each subcommand registers itself
// in commands from its own file.
//
//	edusphere-load <command> [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// commands maps a subcommand name to its entry point; files register theirs in init.
var commands = map[string]func(ctx context.Context, args []string) error{}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := commands[os.Args[1]](ctx, os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "edusphere-load %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Fprintln(os.Stderr, "usage: edusphere-load <command> [flags]")
	fmt.Fprintln(os.Stderr, "commands:")
	for _, name := range names {
		fmt.Fprintln(os.Stderr, "  "+name)
	}
	fmt.Fprintln(os.Stderr, "run 'edusphere-load <command> -h' for a command's flags")
}
