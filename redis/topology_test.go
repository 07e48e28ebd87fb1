package redis_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/brokertest"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/testdb"
	goredis "github.com/redis/go-redis/v9"
)

// The Redis topologies REDIS_URL supports besides one server, each started
// by its test on free loopback ports: a Cluster and a Sentinel.

// clusterNodes is how many primaries the test cluster has; Redis Cluster
// needs at least three.
const clusterNodes = 3

// startCluster starts a Redis Cluster of clusterNodes redis-server
// processes on free loopback ports and returns their addresses. The
// processes are killed, by pid, at cleanup. It skips the test when
// redis-server or redis-cli is missing, unless CI=true.
func startCluster(t *testing.T) []string {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		testdb.Unavailable(t, "redis-server (for a test cluster)", "PATH", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		testdb.Unavailable(t, "redis-cli (for a test cluster)", "PATH", err)
	}
	dir := t.TempDir()
	var addrs []string
	for i := 0; i < clusterNodes; i++ {
		port := freeClusterPort(t)
		nodeDir := filepath.Join(dir, strconv.Itoa(port))
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(server,
			"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000",
			"--dir", nodeDir, "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--logfile", filepath.Join(nodeDir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_ = cmd.Wait()
		})
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		waitPing(t, addr, filepath.Join(nodeDir, "redis.log"))
		addrs = append(addrs, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must agree that all slots are served before the test starts.
	for _, a := range addrs {
		waitClusterOK(t, a)
	}
	return addrs
}

// freeClusterPort returns a free loopback port whose cluster bus port
// (port + 10000) is free as well.
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return port
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

func waitPing(t *testing.T, addr, logFile string) {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, DialTimeout: time.Second, DisableIdentity: true})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("redis-server at %s did not answer within 20s; log:\n%s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitClusterOK(t *testing.T, addr string) {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, DisableIdentity: true})
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err := c.ClusterInfo(context.Background()).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster node %s not ok within 60s: %v\n%s", addr, err, info)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clusterURL names the cluster from seed (the node the client asks first)
// with the other nodes as further seeds.
func clusterURL(addrs []string, seed int) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "redis-cluster://%s", addrs[seed])
	sep := "?"
	for i, a := range addrs {
		if i != seed {
			fmt.Fprintf(&b, "%saddr=%s", sep, a)
			sep = "&"
		}
	}
	return b.String()
}

// TestBroker_Cluster runs the broker conformance suite against a Redis
// Cluster started by the test; in the shared cases the two brokers are
// seeded from different nodes, as processes spread over a cluster are.
func TestBroker_Cluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	addrs := startCluster(t)
	brokertest.Run(t, func(t *testing.T) edusphere.Broker {
		_, prefix := testRedis(t)
		return open(t, clusterURL(addrs, 0), prefix)
	})
	brokertest.RunShared(t, func(t *testing.T) (edusphere.Broker, edusphere.Broker) {
		_, prefix := testRedis(t)
		return open(t, clusterURL(addrs, 0), prefix), open(t, clusterURL(addrs, 2), prefix)
	})

	// Channels hash to every node's slots; each must reach a broker whose
	// subscriber connection sits on whichever node it landed on.
	t.Run("OKChannelsOnEverySlotRange", func(t *testing.T) {
		_, prefix := testRedis(t)
		a, b := open(t, clusterURL(addrs, 1), prefix), open(t, clusterURL(addrs, 2), prefix)
		rec := brokertest.NewRecorder()
		b.SetHandler(rec.Handle)
		ctx := context.Background()
		const n = 24
		for i := range n {
			if err := b.Subscribe(ctx, fmt.Sprintf("room:%d", i)); err != nil {
				t.Fatalf("Subscribe=%v, want nil", err)
			}
		}
		for i := range n {
			if err := a.Publish(ctx, fmt.Sprintf("room:%d", i), edusphere.Event{Type: edusphere.EventMessageCreated, Frame: []byte(`{}`)}); err != nil {
				t.Fatalf("Publish=%v, want nil", err)
			}
		}
		if got := rec.WaitFor(n, 10*time.Second); len(got) != n {
			t.Fatalf("deliveries=%d, want %d", len(got), n)
		}
	})
}

// startSentinel starts a Redis primary and one Sentinel monitoring it as
// "primary" on free loopback ports and returns the Sentinel's address. The
// processes are killed, by pid, at cleanup.
func startSentinel(t *testing.T) string {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		testdb.Unavailable(t, "redis-server (for a test Sentinel)", "PATH", err)
	}
	dir := t.TempDir()
	start := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(server, args...)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_ = cmd.Wait()
		})
	}
	primary := freeClusterPort(t)
	start("primary", "--bind", "127.0.0.1", "--port", strconv.Itoa(primary), "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "primary.log"))
	waitPing(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(primary)), filepath.Join(dir, "primary.log"))

	sentinel := freeClusterPort(t)
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nlogfile %s\nsentinel monitor primary 127.0.0.1 %d 1\nsentinel down-after-milliseconds primary 5000\n",
		sentinel, dir, filepath.Join(dir, "sentinel.log"), primary)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	start("sentinel", conf, "--sentinel")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sentinel))
	waitPing(t, addr, filepath.Join(dir, "sentinel.log"))
	return addr
}

// TestBroker_Sentinel runs the broker conformance suite through a Sentinel
// started by the test: the broker finds the primary by asking the Sentinel.
func TestBroker_Sentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Sentinel")
	}
	url := "redis-sentinel://" + startSentinel(t) + "/0?master_name=primary"
	brokertest.Run(t, func(t *testing.T) edusphere.Broker {
		_, prefix := testRedis(t)
		return open(t, url, prefix)
	})
	brokertest.RunShared(t, func(t *testing.T) (edusphere.Broker, edusphere.Broker) {
		_, prefix := testRedis(t)
		return open(t, url, prefix), open(t, url, prefix)
	})
}

// TestNewClient checks the URL forms REDIS_URL accepts and the clear errors
// for the others.
func TestNewClient(t *testing.T) {
	tests := []struct {
		name, url string
		want      string // the client's type, or the error's text
	}{
		{"OKServer", "redis://127.0.0.1:6379/0", "*redis.Client"},
		{"OKServerTLS", "rediss://r.example:6380/1?dial_timeout=3s", "*redis.Client"},
		{"OKSentinel", "redis-sentinel://:pw@s1:26379/0?master_name=main&addr=s2:26379&password=primary", "*redis.Client"},
		{"OKCluster", "redis-cluster://n1:7000?addr=n2:7001&addr=n3:7002", "*redis.ClusterClient"},
		{"ErrScheme", "http://r:1", `unknown scheme "http"`},
		{"ErrNotURL", "r:6379", "not a URL"},
		{"ErrSentinelNoMaster", "redis-sentinel://s1:26379/0", "needs master_name"},
		{"ErrUnknownOption", "redis-cluster://n1:7000?colour=blue", "unexpected option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := redis.NewClient(tt.url)
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = fmt.Sprintf("%T", c)
				c.Close()
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("NewClient(%q)=%q, want %q", tt.url, got, tt.want)
			}
		})
	}
}
