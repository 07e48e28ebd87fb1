//go:build !unix

package storetest

import "time"

// usage is not measured on this system.
type usage struct {
	cpu           time.Duration
	reads, writes int64
	haveSyscalls  bool
}

func currentUsage() usage { return usage{} }
