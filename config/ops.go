package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds of the operating settings.
const (
	// MaxDBMaxConns bounds DB_MAX_CONNS; PostgreSQL itself allows 100
	// connections by default, shared by every process.
	MaxDBMaxConns = 1000
)

// SSLModes are the values DB_SSLMODE accepts, as libpq names them.
var SSLModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// operations reads the settings for running the server in production:
// the metrics address and the GraphQL operation log (docs/operations.md).
func (l *loader) operations(c *Config) {
	if v := strings.TrimSpace(l.env["METRICS_ADDR"]); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			l.fail("METRICS_ADDR", "want host:port such as 127.0.0.1:9100", v)
		}
		c.MetricsAddr = v
	}
	c.GraphQLLogFile = strings.TrimSpace(l.env["GRAPHQL_LOG_FILE"])
}

// postgresSettings reads DB_MAX_CONNS, DB_STATEMENT_TIMEOUT, DB_SSLMODE and
// DB_SSLROOTCERT. The TLS settings go into the PostgreSQL URL, where the
// driver reads them; they must not contradict one already in DATABASE_URL.
// With SQLite they do not apply, which is worth a warning.
func (l *loader) postgresSettings(c *Config) {
	if v := strings.TrimSpace(l.env["DB_MAX_CONNS"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxDBMaxConns {
			l.fail("DB_MAX_CONNS", fmt.Sprintf("want a whole number from 1 to %d (0 for the default)", MaxDBMaxConns), v)
		}
		c.DBMaxConns = n
	}
	if v := strings.TrimSpace(l.env["DB_STATEMENT_TIMEOUT"]); v != "" {
		d, err := time.ParseDuration(v)
		if v == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 || (d > 0 && d < time.Millisecond) {
			l.fail("DB_STATEMENT_TIMEOUT", "want a duration such as 30s or 500ms, or 0 for none", v)
		}
		c.DBStatementTimeout = d
	}
	params := map[string]string{}
	if v := strings.TrimSpace(l.env["DB_SSLMODE"]); v != "" {
		ok := false
		for _, m := range SSLModes {
			ok = ok || v == m
		}
		if !ok {
			l.fail("DB_SSLMODE", "want one of "+strings.Join(SSLModes, ", "), v)
		}
		params["sslmode"] = v
	}
	if v := strings.TrimSpace(l.env["DB_SSLROOTCERT"]); v != "" {
		params["sslrootcert"] = v
	}
	if c.PostgresURL == "" {
		for _, name := range []string{"DB_MAX_CONNS", "DB_STATEMENT_TIMEOUT", "DB_SSLMODE", "DB_SSLROOTCERT"} {
			if strings.TrimSpace(l.env[name]) != "" {
				c.Warnings = append(c.Warnings, name+" applies to PostgreSQL only; the database is SQLite, so it is ignored")
			}
		}
		return
	}
	if len(params) == 0 {
		return
	}
	u, err := url.Parse(c.PostgresURL)
	if err != nil {
		return // database() has reported it
	}
	q := u.Query()
	for _, k := range []string{"sslmode", "sslrootcert"} {
		v, ok := params[k]
		if !ok {
			continue
		}
		name := "DB_" + strings.ToUpper(k)
		if have := q.Get(k); have != "" && have != v {
			l.fail(name, fmt.Sprintf("want the same %s as DATABASE_URL (%s) or no %s", k, have, name), v)
			return
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	c.PostgresURL = u.String()
}

// Redis URL schemes: one server, a primary found through Sentinel, or a Cluster.
var redisSchemes = map[string]string{
	"redis": "server", "rediss": "server",
	"redis-sentinel": "sentinel", "rediss-sentinel": "sentinel",
	"redis-cluster": "cluster", "rediss-cluster": "cluster",
}

// RedisMode returns "server", "sentinel" or "cluster" for a REDIS_URL, or
// "" when its scheme is none of those.
func RedisMode(raw string) string {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	return redisSchemes[strings.ToLower(scheme)]
}

// CheckRedisURL checks the shape of a REDIS_URL: a known scheme, a host, and
// for Sentinel the master_name parameter. The redis package reads the rest
// (options as query parameters) and reports its own errors at start-up.
func CheckRedisURL(raw string) error {
	mode := RedisMode(raw)
	if mode == "" {
		return errors.New("unknown scheme")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	if mode == "sentinel" && u.Query().Get("master_name") == "" {
		return errors.New("a Sentinel URL needs master_name")
	}
	return nil
}

// RedactURL hides the passwords of a connection URL, in its user part and
// in password query parameters (a Sentinel URL carries the primary's
// password there), so it can appear in logs and errors.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}
