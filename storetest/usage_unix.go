//go:build unix

package storetest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what the process has used so far: CPU time (user and system)
// and, where /proc/self/io exists, read and write system calls. Counting
// system calls shows how often the store goes to its files, a figure the
// load of other programs on the machine does not blur.
type usage struct {
	cpu           time.Duration
	reads, writes int64
	haveSyscalls  bool
}

func currentUsage() usage {
	var u usage
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return u
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscr":
			u.reads, u.haveSyscalls = n, true
		case "syscw":
			u.writes = n
		}
	}
	return u
}
