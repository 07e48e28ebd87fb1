package gql_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/gql/seed"
	"github.com/edusphere/edusphere/testdb"
)

// seeded is the benchmark database, seeded once per test binary: 2,000
// users, 100 rooms of 10–50 participants, 50,000 messages, a busy room of 200.
var seeded struct {
	once     sync.Once
	srv      *server
	observed *server // the same, with the operation log (to a file) and metrics
	res      *seed.Result
	err      error
}

// benchServer returns the handler over loopback on the seeded SQLite file.
func benchServer(b *testing.B) *server {
	b.Helper()
	seeded.once.Do(func() {
		// The server binary collects garbage at GOGC=1000 unless told
		// otherwise (cmd/edusphere/main.go); measure the handler the same way.
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(1000)
		}
		tb := keepAlive{}
		dir := tb.TempDir()
		h := testdb.OpenSQLite(tb, filepath.Join(dir, "bench.db"))
		start := time.Now()
		seeded.res, seeded.err = seed.Run(context.Background(), h.Services, seed.Options{Seed: 1})
		b.Logf("seeded in %v", time.Since(start).Round(time.Millisecond))
		seeded.srv = newServer(tb, h)
		opLog, err := os.Create(filepath.Join(dir, "graphql.log"))
		if err != nil {
			seeded.err = err
			return
		}
		seeded.observed = newServer(tb, h, func(c *gql.Config) {
			c.OperationLog = slog.New(slog.NewJSONHandler(opLog, nil))
			c.Metrics = prometheus.NewRegistry()
		})
	})
	if seeded.err != nil {
		b.Fatalf("seed: %v", seeded.err)
	}
	return seeded.srv
}

// benchPage drives the page's requests in parallel and reports requests
// per second, the 50th and 99th percentile latency and the CPU time per
// request.
func benchPage(b *testing.B, srv *server, bodies [][]byte) {
	benchPageAs(b, srv, "", bodies)
}

// benchPageAs is benchPage for the user of the access token (anonymous
// when it is "").
func benchPageAs(b *testing.B, srv *server, token string, bodies [][]byte) {
	c := srv.client(b)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: transport, Jar: c.http.Jar}
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		i := 0
		for pb.Next() {
			body := bodies[i%len(bodies)]
			i++
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRFToken", c.csrf)
			if token != "" {
				req.Header.Set("Authorization", "JWT "+token)
			}
			t0 := time.Now()
			res, err := hc.Do(req)
			if err != nil {
				b.Errorf("request: %v", err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			local = append(local, time.Since(t0))
			if res.StatusCode != 200 {
				b.Errorf("status=%d, want 200", res.StatusCode)
				return
			}
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	transport.CloseIdleConnections()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	// CPU time per request, server and client together: on a machine other
	// work shares, it moves far less than the rate and latencies do.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-us/req")
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHomePage runs the home page's Rooms and Topics requests.
func BenchmarkHomePage(b *testing.B) {
	srv := benchServer(b)
	benchPage(b, srv, seed.HomePage())
}

// BenchmarkRoomPage runs a room page's Room and RoomMessages requests on
// the room with 200 messages.
func BenchmarkRoomPage(b *testing.B) {
	srv := benchServer(b)
	benchPage(b, srv, seed.RoomPage(seeded.res.BusyHost, seeded.res.BusyRoomSlug))
}

// BenchmarkRoomPageObserved is BenchmarkRoomPage with the operation log
// written to a file and the operation histogram on, as the server runs:
// compare the two in one run for the cost of observing each operation.
func BenchmarkRoomPageObserved(b *testing.B) {
	benchServer(b)
	benchPage(b, seeded.observed, seed.RoomPage(seeded.res.BusyHost, seeded.res.BusyRoomSlug))
}

// keepAlive is a testing.TB for resources that live as long as the test
// binary: the seeded benchmark database and its server, shared by every
// benchmark and every b.N round. Cleanups never run; the process exit
// releases them.
type keepAlive struct{ testing.TB }

func (keepAlive) Helper()                           {}
func (keepAlive) Cleanup(func())                    {}
func (keepAlive) Logf(string, ...any)               {}
func (keepAlive) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (keepAlive) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (keepAlive) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (keepAlive) TempDir() string {
	dir, err := os.MkdirTemp("", "edusphere-bench-")
	if err != nil {
		panic(err)
	}
	return dir
}
