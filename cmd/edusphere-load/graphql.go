package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql/seed"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/sqlite"
)

func init() { commands["graphql"] = runGraphQL }

// runGraphQL drives the GraphQL page journeys against running servers and
// prints requests per second and latency percentiles.
//
//	edusphere-load graphql -addr 127.0.0.1:8000 [-addr …] [-db bench.db] -page home|room -duration 10s -concurrency 16
func runGraphQL(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("graphql", flag.ContinueOnError)
	var addrs []string
	fs.Func("addr", "server address host:port, default 127.0.0.1:8000 as the server (repeat for several servers)", func(s string) error {
		addrs = append(addrs, s)
		return nil
	})
	dsn := fs.String("db", "", "seed this database first (SQLite path or postgres:// URL); skipped when already seeded")
	duration := fs.Duration("duration", 10*time.Second, "how long to send requests")
	concurrency := fs.Int("concurrency", 16, "concurrent clients")
	page := fs.String("page", "home", "journey: home (Rooms + Topics) or room (Room + RoomMessages)")
	maxRequests := fs.Int64("max-requests", 10_000_000, "stop after this many requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1:8000"}
	}
	if *concurrency <= 0 || *duration <= 0 {
		return errors.New("graphql: -concurrency and -duration must be positive")
	}

	var host, slug string
	if *dsn != "" {
		h, s, err := seedDB(ctx, *dsn)
		if err != nil {
			return err
		}
		host, slug = h, s
	}

	clients := make([]*pageClient, len(addrs))
	for i, a := range addrs {
		c, err := newPageClient(ctx, a)
		if err != nil {
			return err
		}
		clients[i] = c
	}
	var bodies [][]byte
	switch *page {
	case "home":
		bodies = seed.HomePage()
	case "room":
		if host == "" {
			h, s, err := clients[0].findBusyRoom(ctx)
			if err != nil {
				return err
			}
			host, slug = h, s
		}
		bodies = seed.RoomPage(host, slug)
	default:
		return fmt.Errorf("graphql: unknown -page %q (home or room)", *page)
	}

	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var (
		mu       sync.Mutex
		lat      []time.Duration
		failures atomic.Int64
		firstErr atomic.Value
		sent     atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := clients[w%len(clients)]
			local := make([]time.Duration, 0, 4096)
			for i := 0; ctx.Err() == nil && sent.Add(1) <= *maxRequests; i++ {
				t0 := time.Now()
				if err := c.post(ctx, bodies[i%len(bodies)]); err != nil {
					if ctx.Err() == nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "first failure: %s\n", e)
	}
	if len(lat) == 0 {
		return fmt.Errorf("graphql: no successful request (%d failures)", failures.Load())
	}
	slices.Sort(lat)
	pct := func(p int) time.Duration { return lat[min(len(lat)-1, len(lat)*p/100)] }
	fmt.Fprintf(os.Stdout, "page=%s servers=%d concurrency=%d duration=%v\n", *page, len(addrs), *concurrency, elapsed.Round(time.Millisecond))
	fmt.Fprintf(os.Stdout, "requests=%d failures=%d rate=%.0f req/s p50=%v p99=%v max=%v\n",
		len(lat), failures.Load(), float64(len(lat))/elapsed.Seconds(),
		pct(50).Round(10*time.Microsecond), pct(99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	return nil
}

// seedDB opens dsn, migrates it and seeds it unless it was seeded before.
func seedDB(ctx context.Context, dsn string) (host, slug string, err error) {
	var s edusphere.Services
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db := postgres.NewDB(dsn)
		if err := db.Open(ctx); err != nil {
			return "", "", fmt.Errorf("open postgres: %w", err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			return "", "", fmt.Errorf("migrate postgres: %w", err)
		}
		s = db.Services()
		return seedServices(ctx, s)
	}
	db := sqlite.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		return "", "", fmt.Errorf("open sqlite: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return "", "", fmt.Errorf("migrate sqlite: %w", err)
	}
	return seedServices(ctx, db.Services())
}

func seedServices(ctx context.Context, s edusphere.Services) (string, string, error) {
	if host, slug, ok, err := seed.Exists(ctx, s); err != nil || ok {
		return host, slug, err
	}
	start := time.Now()
	res, err := seed.Run(ctx, s, seed.Options{Seed: 1})
	if err != nil {
		return "", "", fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d users, %d rooms in %v\n", len(res.Users), len(res.Rooms), time.Since(start).Round(time.Millisecond))
	return res.BusyHost, res.BusyRoomSlug, nil
}

// okPrefix starts every answer without errors to the pages' queries.
const okPrefix = `{"data":{`

// pageClient posts GraphQL requests to one server with its CSRF cookie.
type pageClient struct {
	base string
	http *http.Client
	csrf string
}

func newPageClient(ctx context.Context, addr string) (*pageClient, error) {
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	c := &pageClient{base: base, http: &http.Client{
		Jar:       jar,
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/csrf/", nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get csrf cookie from %s: %w", addr, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "csrftoken" {
			c.csrf = ck.Value
		}
	}
	if c.csrf == "" {
		return nil, fmt.Errorf("%s set no csrftoken cookie", addr)
	}
	return c, nil
}

func (c *pageClient) post(ctx context.Context, body []byte) error {
	_, err := c.postRead(ctx, body, false)
	return err
}

func (c *pageClient) postRead(ctx context.Context, body []byte, keep bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("X-CSRFToken", c.csrf)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out []byte
	if keep {
		out, err = io.ReadAll(res.Body)
	} else {
		// A successful answer starts with its data; one with errors starts
		// with them (gql.writeResponse), so the first bytes tell.
		var head [len(okPrefix)]byte
		n, _ := io.ReadFull(res.Body, head[:])
		out = head[:n]
		_, err = io.Copy(io.Discard, res.Body)
	}
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", res.StatusCode)
	}
	if !bytes.HasPrefix(out, []byte(okPrefix)) {
		return nil, fmt.Errorf("answer starts %q, not with data", out[:min(len(out), 40)])
	}
	return out, nil
}

// findBusyRoom asks the server for the seeded room with 200 messages.
func (c *pageClient) findBusyRoom(ctx context.Context) (string, string, error) {
	body, _ := json.Marshal(map[string]any{"query": `{ rooms(search: "Seed Room 0") { name slug host { username } } }`})
	b, err := c.postRead(ctx, body, true)
	if err != nil {
		return "", "", fmt.Errorf("find busy room: %w", err)
	}
	var resp struct {
		Data struct {
			Rooms []struct {
				Name, Slug string
				Host       struct{ Username string }
			}
		}
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return "", "", fmt.Errorf("find busy room: %w", err)
	}
	for _, r := range resp.Data.Rooms {
		if r.Name == "Seed Room 0" {
			return r.Host.Username, r.Slug, nil
		}
	}
	return "", "", errors.New("find busy room: the server's database is not seeded (use -db)")
}
