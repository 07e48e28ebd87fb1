package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

func init() { commands["chat"] = runChat }

// chatFlags are the settings of one chat load run.
type chatFlags struct {
	addrs          []string
	rooms          int
	clientsPerRoom int
	senders        int
	rate           float64
	duration       time.Duration
	idle           int
	users          int
	pid            int
	connectWorkers int
	origin         string
	settle         time.Duration
	metrics        []string
}

// runChat registers users and creates rooms through the GraphQL API,
// connects chat sockets spread round-robin over the servers, sends
// timestamped messages and reports delivery counts and latencies.
//
//	edusphere-load chat -addr 127.0.0.1:8000 [-addr …] -rooms 10 -clients-per-room 10 -rate 2 -duration 10s
//	edusphere-load chat -addr 127.0.0.1:8000 -idle 2000 -pid <server pid>
//
// Run the servers with LOGIN_RATE_LIMIT=0 REGISTER_RATE_LIMIT=0 WS_RATE_LIMIT=0.
func runChat(ctx context.Context, args []string) error {
	var f chatFlags
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.Func("addr", "server address host:port, default 127.0.0.1:8000 as the server (a comma list or repeated for several servers; clients spread round-robin)", func(s string) error {
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				f.addrs = append(f.addrs, a)
			}
		}
		return nil
	})
	fs.Func("metrics", "the servers' /metrics URLs, a comma list (default http://<addr>/metrics of each -addr; \"-\" for none): server CPU per 1,000 deliveries", func(s string) error {
		f.metrics = strings.Split(s, ",")
		return nil
	})
	fs.IntVar(&f.rooms, "rooms", 10, "rooms")
	fs.IntVar(&f.clientsPerRoom, "clients-per-room", 10, "sockets per room")
	fs.IntVar(&f.senders, "senders", -1, "sending sockets per room (default: all of them)")
	fs.Float64Var(&f.rate, "rate", 2, "messages per second per sender")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to send (idle mode: how long to hold the sockets)")
	fs.IntVar(&f.idle, "idle", 0, "idle mode: open this many sockets in one room, send nothing, report connect time and RSS")
	fs.IntVar(&f.users, "users", 20, "distinct accounts; sockets share them round-robin (each login costs a password hash)")
	fs.IntVar(&f.pid, "pid", 0, "server process id: report its VmRSS growth per socket (same machine)")
	fs.IntVar(&f.connectWorkers, "connect-workers", 16, "sockets opened concurrently")
	fs.StringVar(&f.origin, "origin", "http://localhost", "Origin header of the sockets")
	fs.DurationVar(&f.settle, "settle", 0, "wait this long after setup before reading the server's RSS (lets it return the password hashing memory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(f.addrs) == 0 {
		f.addrs = []string{"127.0.0.1:8000"}
	}
	switch {
	case len(f.metrics) == 1 && f.metrics[0] == "-":
		f.metrics = nil
	case len(f.metrics) == 0:
		for _, a := range f.addrs {
			f.metrics = append(f.metrics, "http://"+a+"/metrics")
		}
	}
	if f.idle > 0 {
		f.rooms, f.clientsPerRoom, f.senders = 1, f.idle, 0
	}
	if f.senders < 0 || f.senders > f.clientsPerRoom {
		f.senders = f.clientsPerRoom
	}
	if f.rooms <= 0 || f.clientsPerRoom <= 0 || f.duration <= 0 || f.users <= 0 || f.rate <= 0 {
		return errors.New("-rooms, -clients-per-room, -users, -rate and -duration must be positive")
	}
	f.users = min(f.users, f.rooms*f.clientsPerRoom)

	setupStart := time.Now()
	users, rooms, err := setupChat(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "setup: %d users, %d rooms in %v\n", len(users), len(rooms), time.Since(setupStart).Round(time.Millisecond))

	if f.pid > 0 && f.settle > 0 {
		select {
		case <-time.After(f.settle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Sockets open in two halves: the second half's growth is the marginal
	// cost of a socket, free of memory the server kept from setup and
	// reused for the first half.
	total := f.rooms * f.clientsPerRoom
	rssBefore := readRSS(f.pid)
	socks, connectTimes, err := connectAll(ctx, f, users, rooms, 0, total/2)
	defer func() {
		for _, s := range socks {
			s.ws.CloseNow()
		}
	}()
	if err != nil {
		return err
	}
	rssMid := readRSS(f.pid)
	more, moreTimes, err := connectAll(ctx, f, users, rooms, total/2, total)
	socks = append(socks, more...)
	connectTimes = append(connectTimes, moreTimes...)
	if err != nil {
		return err
	}
	rssAfter := readRSS(f.pid)
	slices.Sort(connectTimes)
	fmt.Printf("sockets=%d servers=%d rooms=%d clients/room=%d\n", len(socks), len(f.addrs), f.rooms, f.clientsPerRoom)
	fmt.Printf("connect p50=%v p99=%v max=%v\n", pct(connectTimes, 50), pct(connectTimes, 99), connectTimes[len(connectTimes)-1].Round(time.Microsecond))
	if f.pid > 0 && rssBefore > 0 && rssAfter > 0 {
		fmt.Printf("server RSS before=%d KiB half=%d KiB after=%d KiB; per socket overall=%.1f KiB, second half=%.1f KiB\n",
			rssBefore, rssMid, rssAfter, float64(rssAfter-rssBefore)/float64(len(socks)),
			float64(rssAfter-rssMid)/float64(total-total/2))
	}
	if f.idle > 0 {
		hold, cancel := context.WithTimeout(ctx, f.duration)
		defer cancel()
		<-hold.Done()
		if rss := readRSS(f.pid); f.pid > 0 && rss > 0 {
			fmt.Printf("server RSS after holding %v=%d KiB per socket=%.1f KiB\n", f.duration, rss, float64(rss-rssBefore)/float64(len(socks)))
		}
		return nil
	}
	return chatTraffic(ctx, f, socks)
}

// loadUser is one registered account and its JWT cookie.
type loadUser struct {
	username, jwt string
	gql           *gqlClient
}

// loadRoom is one created room.
type loadRoom struct{ host, slug string }

func setupChat(ctx context.Context, f chatFlags) ([]*loadUser, []loadRoom, error) {
	run := randomHex(4)
	users := make([]*loadUser, f.users)
	var wg sync.WaitGroup
	errs := make(chan error, f.users)
	sem := make(chan struct{}, 4) // password hashing is the cost; keep the server's cores for it
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			u, err := registerAndLogin(ctx, f.addrs[i%len(f.addrs)], fmt.Sprintf("load%s%04d", run, i))
			if err != nil {
				errs <- err
				return
			}
			users[i] = u
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, nil, err
	}

	rooms := make([]loadRoom, f.rooms)
	host := users[0]
	for r := range rooms {
		var resp struct {
			CreateRoom struct {
				Room struct {
					Slug string
					Host struct{ Username string }
				}
			}
		}
		err := host.gql.do(ctx, `mutation($name: String!, $topic: String!) { createRoom(name: $name, topicName: $topic) { room { slug host { username } } } }`,
			map[string]any{"name": fmt.Sprintf("Load %s %d", run, r), "topic": "Load"}, &resp)
		if err != nil {
			return nil, nil, fmt.Errorf("create room %d: %w", r, err)
		}
		rooms[r] = loadRoom{host: resp.CreateRoom.Room.Host.Username, slug: resp.CreateRoom.Room.Slug}
	}
	// Every account that will hold a socket in a room joins it once.
	joined := map[[2]int]bool{}
	for r := range rooms {
		for j := range f.clientsPerRoom {
			u := (r*f.clientsPerRoom + j) % len(users)
			if u == 0 || joined[[2]int{u, r}] {
				continue
			}
			joined[[2]int{u, r}] = true
			err := users[u].gql.do(ctx, `mutation($h: String!, $s: String!) { joinRoom(hostSlug: $h, roomSlug: $s) { room { slug } } }`,
				map[string]any{"h": rooms[r].host, "s": rooms[r].slug}, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("join room %d: %w", r, err)
			}
		}
	}
	return users, rooms, nil
}

func registerAndLogin(ctx context.Context, addr, username string) (*loadUser, error) {
	c, err := newGQLClient(ctx, addr)
	if err != nil {
		return nil, err
	}
	email := username + "@load.example.com"
	// No hex digit or letter of the username, so the server's similarity
	// check never refuses it.
	password := "Zq7-" + randomFrom("ghjkmnpqrstuvwxyz", 12)
	var reg struct{ RegisterUser struct{ Success bool } }
	err = c.do(ctx, `mutation($e: String!, $n: String!, $p: String!, $u: String!) { registerUser(email: $e, name: $n, password1: $p, password2: $p, username: $u) { success } }`,
		map[string]any{"e": email, "n": "Load " + username, "p": password, "u": username}, &reg)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", username, err)
	}
	if err := c.do(ctx, `mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { payload } }`,
		map[string]any{"e": email, "p": password}, nil); err != nil {
		return nil, fmt.Errorf("log in %s: %w", username, err)
	}
	jwt := c.cookie("JWT")
	if jwt == "" {
		return nil, fmt.Errorf("log in %s: no JWT cookie set", username)
	}
	return &loadUser{username: username, jwt: jwt, gql: c}, nil
}

// gqlClient posts GraphQL operations with its own cookies and CSRF token.
type gqlClient struct {
	base string
	http *http.Client
	jar  *cookiejar.Jar
	csrf string
}

func newGQLClient(ctx context.Context, addr string) (*gqlClient, error) {
	jar, _ := cookiejar.New(nil)
	c := &gqlClient{base: "http://" + addr, jar: jar, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/csrf/", nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get csrf cookie from %s: %w", addr, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if c.csrf = c.cookie("csrftoken"); c.csrf == "" {
		return nil, fmt.Errorf("%s set no csrftoken cookie", addr)
	}
	return c, nil
}

func (c *gqlClient) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// do runs one operation and decodes data into out (when not nil).
func (c *gqlClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// Logging in rotates the token; the cookie holds the current one.
	if tok := c.cookie("csrftoken"); tok != "" {
		c.csrf = tok
	}
	req.Header.Set("X-CSRFToken", c.csrf)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return fmt.Errorf("status %d: %.200s", res.StatusCode, b)
	}
	if len(resp.Errors) > 0 {
		return fmt.Errorf("graphql: %s %s", resp.Errors[0].Message, resp.Errors[0].Extensions)
	}
	if out != nil {
		return json.Unmarshal(resp.Data, out)
	}
	return nil
}

// sock is one load socket.
type sock struct {
	id   int
	room int
	ws   *websocket.Conn
}

// connectAll opens sockets from to to-1 (socket i goes to room
// i / clients-per-room) and returns them with their handshake times.
func connectAll(ctx context.Context, f chatFlags, users []*loadUser, rooms []loadRoom, from, to int) ([]*sock, []time.Duration, error) {
	total := to
	socks := make([]*sock, total)
	times := make([]time.Duration, total)
	next := atomic.Int64{}
	next.Store(int64(from))
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range min(f.connectWorkers, max(1, to-from)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				r := i / f.clientsPerRoom
				u := users[i%len(users)]
				addr := f.addrs[i%len(f.addrs)]
				h := http.Header{}
				h.Set("Origin", f.origin)
				h.Set("Cookie", "JWT="+u.jwt)
				dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				t0 := time.Now()
				ws, _, err := websocket.Dial(dctx, "ws://"+addr+"/ws/chat/"+rooms[r].host+"/"+rooms[r].slug, &websocket.DialOptions{HTTPHeader: h})
				times[i] = time.Since(t0)
				cancel()
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("connect socket %d: %w", i, err) })
					return
				}
				socks[i] = &sock{id: i, room: r, ws: ws}
			}
		}()
	}
	wg.Wait()
	var open []*sock
	for _, s := range socks[from:] {
		if s != nil {
			open = append(open, s)
		}
	}
	return open, times[from:], firstErr
}

// chatTraffic sends from the first f.senders sockets of each room and reads
// on every socket, matching deliveries to the send time in the body.
func chatTraffic(ctx context.Context, f chatFlags, socks []*sock) error {
	run := randomHex(4)
	prefix := []byte("load " + run + " ")
	var (
		sent       atomic.Int64
		sendErrs   atomic.Int64
		received   atomic.Int64
		errFrames  atomic.Int64
		dropped    atomic.Int64 // sockets the server closed during the run
		lastClose  atomic.Value
		mu         sync.Mutex
		latencies  []time.Duration
		sentByRoom = make([]atomic.Int64, f.rooms)
		perRoom    = make([]int, f.rooms)
	)
	for _, s := range socks {
		perRoom[s.room]++
	}

	readCtx, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	var readers sync.WaitGroup
	for _, s := range socks {
		readers.Add(1)
		go func() {
			defer readers.Done()
			local := make([]time.Duration, 0, 1024)
			defer func() {
				mu.Lock()
				latencies = append(latencies, local...)
				mu.Unlock()
			}()
			for {
				_, b, err := s.ws.Read(readCtx)
				if err != nil {
					if readCtx.Err() == nil {
						dropped.Add(1)
						lastClose.Store(err.Error())
					}
					return
				}
				now := time.Now()
				if bytes.HasPrefix(b, []byte(`{"error"`)) {
					errFrames.Add(1)
					continue
				}
				i := bytes.Index(b, []byte(`"body": "`))
				if i < 0 {
					continue
				}
				body := b[i+len(`"body": "`):]
				if !bytes.HasPrefix(body, prefix) {
					continue
				}
				body = body[len(prefix):]
				end := bytes.IndexByte(body, ' ')
				if end < 0 {
					continue
				}
				ns, err := strconv.ParseInt(string(body[:end]), 10, 64)
				if err != nil {
					continue
				}
				received.Add(1)
				local = append(local, now.Sub(time.Unix(0, ns)))
			}
		}()
	}

	cpuBefore, cpuOK := serverCPU(ctx, f.metrics)
	selfBefore := selfCPU()
	sendCtx, stopSending := context.WithTimeout(ctx, f.duration)
	defer stopSending()
	interval := time.Duration(float64(time.Second) / f.rate)
	var senders sync.WaitGroup
	start := time.Now()
	count := make([]int, f.rooms)
	for _, s := range socks {
		if count[s.room] >= f.senders {
			continue
		}
		count[s.room]++
		senders.Add(1)
		go func() {
			defer senders.Done()
			// Spread the senders' first ticks over one interval.
			select {
			case <-time.After(time.Duration(s.id) * interval / time.Duration(max(1, len(socks)))):
			case <-sendCtx.Done():
				return
			}
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for n := 0; ; n++ {
				frame := fmt.Appendf(nil, `{"type":"text","message":"load %s %d s%d n%d"}`, run, time.Now().UnixNano(), s.id, n)
				// Not derived from sendCtx: a write cut by the end of the
				// run would close the socket and lose its last deliveries.
				wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := s.ws.Write(wctx, websocket.MessageText, frame)
				cancel()
				if err != nil {
					sendErrs.Add(1)
					return
				}
				sent.Add(1)
				sentByRoom[s.room].Add(1)
				select {
				case <-tick.C:
				case <-sendCtx.Done():
					return
				}
			}
		}()
	}
	senders.Wait()
	sendElapsed := time.Since(start)

	var expected int64
	for r := range f.rooms {
		expected += sentByRoom[r].Load() * int64(perRoom[r])
	}
	// Let the last deliveries arrive: until all are in, or 5 s.
	drain := time.Now().Add(5 * time.Second)
	for received.Load() < expected && time.Now().Before(drain) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpuAfter, cpuAfterOK := serverCPU(ctx, f.metrics)
	selfUsed := selfCPU() - selfBefore
	stopReading()
	for _, s := range socks {
		s.ws.CloseNow()
	}
	readers.Wait()

	slices.Sort(latencies)
	fmt.Printf("senders=%d rate=%.1f msg/s each duration=%v\n", sumSenders(count), f.rate, sendElapsed.Round(time.Millisecond))
	fmt.Printf("messages sent=%d send errors=%d error frames=%d sockets dropped=%d\n", sent.Load(), sendErrs.Load(), errFrames.Load(), dropped.Load())
	if v := lastClose.Load(); v != nil {
		fmt.Printf("last drop: %s\n", v)
	}
	fmt.Printf("deliveries expected=%d received=%d lost=%d delivered/s=%.0f\n",
		expected, received.Load(), expected-received.Load(), float64(received.Load())/elapsed.Seconds())
	if len(latencies) > 0 {
		fmt.Printf("latency p50=%v p90=%v p99=%v max=%v\n", pct(latencies, 50), pct(latencies, 90), pct(latencies, 99),
			latencies[len(latencies)-1].Round(time.Microsecond))
	}
	if n := received.Load(); n > 0 {
		if cpuOK && cpuAfterOK {
			used := cpuAfter - cpuBefore
			fmt.Printf("server CPU=%.2fs (%.0f%% of one core) per 1,000 deliveries=%.1f ms\n",
				used, 100*used/elapsed.Seconds(), 1000*1000*used/float64(n))
		}
		if selfUsed > 0 {
			fmt.Printf("load generator CPU=%.2fs per 1,000 deliveries=%.1f ms\n", selfUsed, 1000*1000*selfUsed/float64(n))
		}
	}
	if received.Load() < expected {
		return fmt.Errorf("%d deliveries lost", expected-received.Load())
	}
	return nil
}

// serverCPU sums process_cpu_seconds_total of the servers' /metrics, and
// reports whether every server answered.
func serverCPU(ctx context.Context, urls []string) (float64, bool) {
	if len(urls) == 0 {
		return 0, false
	}
	total := 0.0
	for _, u := range urls {
		v, err := metricValue(ctx, u, "process_cpu_seconds_total")
		if err != nil {
			fmt.Fprintf(os.Stderr, "server CPU from %s: %v\n", u, err)
			return 0, false
		}
		total += v
	}
	return total, true
}

// metricValue reads one unlabelled series of a Prometheus text exposition.
func metricValue(ctx context.Context, url, name string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(res.Body, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s (status %d)", name, res.StatusCode)
}

// selfCPU is this process's user and system CPU so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func sumSenders(count []int) int {
	n := 0
	for _, c := range count {
		n += c
	}
	return n
}

// pct returns the p-th percentile of sorted durations.
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)].Round(time.Microsecond)
}

// readRSS returns VmRSS of pid in KiB, or 0 when unknown.
func readRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fmt.Fprintf(os.Stderr, "read RSS of %d: %v\n", pid, err)
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// randomFrom returns n random characters of alphabet (ASCII).
func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
