package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edusphere/edusphere/auth"
)

// Defaults of the settings that have one.
const (
	DefaultAddr              = "127.0.0.1:8000"
	DefaultDataDir           = "data"
	DefaultDBHost            = "localhost"
	DefaultDBPort            = "5432"
	DefaultLoginRateLimit    = "10/15m"
	DefaultRegisterRateLimit = "20/1h"
	DefaultWSRateLimit       = "20/1s"
	DefaultAvatarMaxBytes    = 5 << 20

	// SecretKeyFile is the name, inside the data directory, of the
	// development secret generated when SECRET_KEY is not set.
	SecretKeyFile = "secret_key"
	// SQLiteFile is the name of the default database inside the data directory.
	SQLiteFile = "edusphere.db"
	// MediaDir is the name of the uploads directory inside the data directory.
	MediaDir = "media"
)

// Default lists, as the original's fixed settings.
var (
	DefaultAllowedHosts   = []string{"localhost", "127.0.0.1"}
	DefaultTrustedOrigins = []string{"http://localhost", "http://127.0.0.1"}
)

// Config is every setting of the server, read once at start-up.
type Config struct {
	// SecretKey signs CSRF and other keys; SECRET_KEY, or the generated
	// development secret (SecretKeyGenerated is then true).
	SecretKey          string
	SecretKeyGenerated bool
	// JWTSecretKey is JWT_SECRET_KEY; "" means "derive it from SecretKey".
	JWTSecretKey string

	Debug      bool   // DEBUG
	Production bool   // EDUSPHERE_ENV=production
	PublicURL  string // EDUSPHERE_PUBLIC_URL, e.g. https://chat.example.com

	// PostgresURL is set when the database is PostgreSQL (DATABASE_URL or
	// DB_*); otherwise SQLitePath names the SQLite file.
	PostgresURL string
	SQLitePath  string

	// RedisURL is set when a Redis broker is configured (REDIS_URL or REDIS_HOST).
	RedisURL string

	AllowedHosts   []string
	TrustedOrigins []string
	CORSOrigins    []string
	// TrustedProxies (TRUSTED_PROXIES) are the proxies whose
	// X-Forwarded-For gives the client's address; none by default.
	TrustedProxies []netip.Prefix

	Addr    string
	DataDir string

	LogLevel  slog.Level
	LogFormat string // "text" or "json"

	SecureCookies bool

	LoginRateLimit    auth.Limit
	RegisterRateLimit auth.Limit
	WSRateLimit       auth.Limit

	// PresenceTTL (PRESENCE_TTL) and PresenceGrace (PRESENCE_GRACE); 0:
	// the presence package's defaults (45 s and 5 s).
	PresenceTTL   time.Duration
	PresenceGrace time.Duration

	AvatarMaxBytes int64
	// AvatarDecodeMemory is AVATAR_DECODE_MEMORY; 0: the media package's default.
	AvatarDecodeMemory int64

	GraphQLIntrospection bool
	GraphQLMaxDepth      int // 0: the GraphQL package's default
	GraphQLMaxComplexity int // 0: the GraphQL package's default
	GraphQLListCap       int // 0: the GraphQL package's default

	// The document limits (docs/limits.md, "GraphQL"); 0 or unset fields
	// take the GraphQL package's defaults.
	GraphQLMaxQueryBytes int
	GraphQLMaxVariables  int64 // GRAPHQL_MAX_VARIABLES_BYTES
	GraphQLMaxTokens     int
	GraphQLMaxNesting    int
	GraphQLMaxSelections int
	GraphQLMaxAliases    int
	GraphQLMaxDirectives int
	GraphQLMaxFragments  int
	GraphQLMaxRepeats    int
	GraphQLMaxErrors     int
	GraphQLTimeout       time.Duration
	// Operating settings (see config/ops.go and docs/operations.md).

	// MetricsAddr (METRICS_ADDR) is a separate listen address for /metrics;
	// "" serves /metrics on Addr.
	MetricsAddr string
	// GraphQLLogFile (GRAPHQL_LOG_FILE) receives the GraphQL operation log;
	// "" sends it to the main log.
	GraphQLLogFile string
	// DBMaxConns (DB_MAX_CONNS) is the PostgreSQL pool size; 0 is the
	// store's default.
	DBMaxConns int
	// DBStatementTimeout (DB_STATEMENT_TIMEOUT) bounds every PostgreSQL
	// statement the server runs; 0 is no bound.
	DBStatementTimeout time.Duration

	// ChatBatchMax (CHAT_BATCH_MAX, default 256) bounds the chat ops of
	// one transaction; ChatBatchWait (CHAT_BATCH_WAIT, default 0) is how
	// long a batch waits for more; ChatBatchShards (CHAT_BATCH_SHARDS,
	// default 1 on SQLite, 4 on PostgreSQL) is how many batches commit at
	// once (docs/data.md, "Group commit").
	ChatBatchMax    int
	ChatBatchWait   time.Duration
	ChatBatchShards int
	// ChatWindow (CHAT_WINDOW, default 8) is how many chat writes of one
	// socket may be in the writer at once (docs/websocket.md, "Pipelined
	// frames").
	ChatWindow int

	// Warnings are things worth a log line once the logger exists.
	Warnings []string
}

// MediaPath is the directory uploads are stored in.
func (c *Config) MediaPath() string { return filepath.Join(c.DataDir, MediaDir) }

// DatabaseKind returns "postgres" or "sqlite".
func (c *Config) DatabaseKind() string {
	if c.PostgresURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// Load reads the configuration from env, a map of environment variables
// (see Environ). It may create the data directory and the development
// secret file in it. Every error names the variable and the expected form.
func Load(env map[string]string) (*Config, error) {
	l := loader{env: env}
	c := &Config{}

	c.Debug = l.bool("DEBUG", false)
	switch v := strings.ToLower(strings.TrimSpace(env["EDUSPHERE_ENV"])); v {
	case "", "development", "dev":
	case "production", "prod":
		c.Production = true
	default:
		l.fail("EDUSPHERE_ENV", "want production or development", v)
	}

	c.DataDir = l.str("EDUSPHERE_DATA_DIR", DefaultDataDir)
	c.Addr = l.str("EDUSPHERE_ADDR", DefaultAddr)
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		l.fail("EDUSPHERE_ADDR", "want host:port such as 127.0.0.1:8000", c.Addr)
	}

	l.database(c)
	l.postgresSettings(c)
	l.chatBatch(c)
	l.redis(c)
	l.operations(c)

	c.AllowedHosts = l.list("ALLOWED_HOSTS", DefaultAllowedHosts)
	c.TrustedProxies = l.prefixes("TRUSTED_PROXIES")
	c.TrustedOrigins = l.origins("CSRF_TRUSTED_ORIGINS")
	c.CORSOrigins = l.origins("CORS_ALLOWED_ORIGINS")

	switch v := strings.ToLower(l.str("LOG_LEVEL", "info")); v {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		l.fail("LOG_LEVEL", "want one of debug, info, warn, error", env["LOG_LEVEL"])
	}
	switch v := strings.ToLower(l.str("LOG_FORMAT", "text")); v {
	case "text", "json":
		c.LogFormat = v
	default:
		l.fail("LOG_FORMAT", "want text or json", env["LOG_FORMAT"])
	}

	c.PublicURL = l.str("EDUSPHERE_PUBLIC_URL", "")
	https := false
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.fail("EDUSPHERE_PUBLIC_URL", "want an absolute http:// or https:// URL", c.PublicURL)
		} else {
			https = u.Scheme == "https"
		}
	}
	c.SecureCookies = l.bool("SECURE_COOKIES", https)

	c.LoginRateLimit = l.limit("LOGIN_RATE_LIMIT", DefaultLoginRateLimit)
	c.RegisterRateLimit = l.limit("REGISTER_RATE_LIMIT", DefaultRegisterRateLimit)
	c.WSRateLimit = l.limit("WS_RATE_LIMIT", DefaultWSRateLimit)
	c.PresenceTTL = l.duration("PRESENCE_TTL")
	c.PresenceGrace = l.duration("PRESENCE_GRACE")
	c.AvatarMaxBytes = l.size("AVATAR_MAX_BYTES", DefaultAvatarMaxBytes)

	c.GraphQLIntrospection = l.bool("GRAPHQL_INTROSPECTION", c.Debug)
	c.GraphQLMaxDepth = l.int("GRAPHQL_MAX_DEPTH")
	c.GraphQLMaxComplexity = l.int("GRAPHQL_MAX_COMPLEXITY")
	c.GraphQLListCap = l.int("GRAPHQL_LIST_CAP")
	c.AvatarDecodeMemory = l.size("AVATAR_DECODE_MEMORY", 0)
	c.GraphQLMaxQueryBytes = int(l.size("GRAPHQL_MAX_QUERY_BYTES", 0))
	c.GraphQLMaxVariables = l.size("GRAPHQL_MAX_VARIABLES_BYTES", 0)
	c.GraphQLMaxTokens = l.int("GRAPHQL_MAX_TOKENS")
	c.GraphQLMaxNesting = l.int("GRAPHQL_MAX_NESTING")
	c.GraphQLMaxSelections = l.int("GRAPHQL_MAX_SELECTIONS")
	c.GraphQLMaxAliases = l.int("GRAPHQL_MAX_ALIASES")
	c.GraphQLMaxDirectives = l.int("GRAPHQL_MAX_DIRECTIVES")
	c.GraphQLMaxFragments = l.int("GRAPHQL_MAX_FRAGMENTS")
	c.GraphQLMaxRepeats = l.int("GRAPHQL_MAX_REPEATS")
	c.GraphQLMaxErrors = l.int("GRAPHQL_MAX_ERRORS")
	c.GraphQLTimeout = l.duration("GRAPHQL_TIMEOUT")

	c.JWTSecretKey = env["JWT_SECRET_KEY"]
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := l.secret(c); err != nil {
		return nil, err
	}
	return c, nil
}

// loader collects the first error so Load reads like a list of settings.
type loader struct {
	env   map[string]string
	first error
}

func (l *loader) err() error { return l.first }

// fail records "NAME: want …, got "value"" unless an error is already recorded.
func (l *loader) fail(name, want, got string) {
	if l.first == nil {
		l.first = fmt.Errorf("%s: %s, got %q", name, want, got)
	}
}

// str returns the trimmed value, or def when unset or blank.
func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.env[name]); v != "" {
		return v
	}
	return def
}

// bool follows the original's rule: true for true, on, ok, y, yes, 1 in any
// case; false for false, off, n, no, 0 and ""; anything else is an error.
func (l *loader) bool(name string, def bool) bool {
	v, ok := l.env[name]
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	b, err := ParseBool(v)
	if err != nil {
		l.fail(name, "want true or false (true, on, ok, y, yes, 1 / false, off, n, no, 0)", v)
		return def
	}
	return b
}

// ParseBool reads a boolean the way the original's settings did.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "ok", "y", "yes", "1":
		return true, nil
	case "false", "off", "n", "no", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", s)
}

func (l *loader) int(name string) int {
	v := strings.TrimSpace(l.env[name])
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		l.fail(name, "want a whole number >= 0 (0 for the default)", v)
		return 0
	}
	return n
}

// duration reads a Go duration such as 10s or 1m30s; unset or blank is 0.
func (l *loader) duration(name string) time.Duration {
	v := strings.TrimSpace(l.env[name])
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.fail(name, "want a duration such as 10s or 1m (0 for the default)", v)
		return 0
	}
	return d
}

// list splits a comma list, dropping blanks; unset or blank gives def.
func (l *loader) list(name string, def []string) []string {
	var out []string
	for _, p := range strings.Split(l.env[name], ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return append([]string(nil), def...)
	}
	return out
}

// prefixes reads a list of IP addresses and CIDR ranges; an address is a
// range of one.
func (l *loader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range l.list(name, nil) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				l.fail(name, "want comma-separated addresses or CIDR ranges such as 10.0.0.0/8,127.0.0.1", v)
				return nil
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}

// origins reads a list of scheme://host[:port] origins.
func (l *loader) origins(name string) []string {
	out := l.list(name, DefaultTrustedOrigins)
	for i, o := range out {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			l.fail(name, "want comma-separated origins such as http://localhost,https://chat.example.com", o)
			return nil
		}
		out[i] = u.Scheme + "://" + u.Host
	}
	return out
}

func (l *loader) limit(name, def string) auth.Limit {
	v := l.str(name, def)
	lim, err := auth.ParseLimit(v)
	if err != nil {
		l.fail(name, "want COUNT/DURATION such as 10/15m, or 0 for off", v)
	}
	return lim
}

// size reads a byte count: 5242880, 512KB, 5MB, 5MiB (KB and MB are 1024-based).
func (l *loader) size(name string, def int64) int64 {
	v := strings.TrimSpace(l.env[name])
	if v == "" {
		return def
	}
	n, err := ParseSize(v)
	if err != nil {
		l.fail(name, "want a byte count such as 5242880, 512KB or 5MB", v)
		return def
	}
	return n
}

// ParseSize reads a byte count with an optional K, KB, KiB, M, MB or MiB
// suffix (all 1024-based) or B.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("size %q: want a positive byte count", s)
	}
	return n * mult, nil
}

// database picks the store: DATABASE_URL wins, then DB_NAME (PostgreSQL),
// else the SQLite file in the data directory.
func (l *loader) database(c *Config) {
	if v := strings.TrimSpace(l.env["DATABASE_URL"]); v != "" {
		switch {
		case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
			if _, err := url.Parse(v); err != nil {
				l.fail("DATABASE_URL", "want postgres://user:password@host:port/name or a SQLite path", redactURL(v))
			}
			c.PostgresURL = v
		case strings.HasPrefix(v, "sqlite://"):
			// sqlite:///abs/path and sqlite://rel/path both name a file.
			c.SQLitePath = strings.TrimPrefix(v, "sqlite://")
		case strings.HasPrefix(v, "sqlite:"):
			c.SQLitePath = strings.TrimPrefix(v, "sqlite:")
		case strings.Contains(v, "://"):
			l.fail("DATABASE_URL", "want postgres://user:password@host:port/name or a SQLite path", redactURL(v))
		default:
			c.SQLitePath = v
		}
		if c.PostgresURL == "" && c.SQLitePath == "" {
			l.fail("DATABASE_URL", "want postgres://user:password@host:port/name or a SQLite path", v)
		}
		return
	}
	if name := strings.TrimSpace(l.env["DB_NAME"]); name != "" {
		port := l.str("DB_PORT", DefaultDBPort)
		if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
			l.fail("DB_PORT", "want a port number", port)
		}
		u := url.URL{
			Scheme: "postgres",
			Host:   net.JoinHostPort(l.str("DB_HOST", DefaultDBHost), port),
			Path:   "/" + name,
		}
		if user := l.env["DB_USER"]; user != "" {
			if pw, ok := l.env["DB_PASSWORD"]; ok && pw != "" {
				u.User = url.UserPassword(user, pw)
			} else {
				u.User = url.User(user)
			}
		}
		c.PostgresURL = u.String()
		return
	}
	c.SQLitePath = filepath.Join(c.DataDir, SQLiteFile)
}

// redis reads REDIS_URL, or REDIS_HOST with the original's fixed port 6379.
// REDIS_URL names one server (redis://, rediss://), a Sentinel-managed
// primary (redis-sentinel://, rediss-sentinel://, with master_name) or a
// Cluster (redis-cluster://, rediss-cluster://); docs/operations.md has the forms.
func (l *loader) redis(c *Config) {
	if v := strings.TrimSpace(l.env["REDIS_URL"]); v != "" {
		if err := CheckRedisURL(v); err != nil {
			l.fail("REDIS_URL", "want redis://host:6379/0, rediss://…, redis-sentinel://host:26379/0?master_name=NAME or redis-cluster://host:7000?addr=host:7001 ("+err.Error()+")", RedactURL(v))
		}
		c.RedisURL = v
		return
	}
	if host := strings.TrimSpace(l.env["REDIS_HOST"]); host != "" {
		c.RedisURL = "redis://" + net.JoinHostPort(host, "6379") + "/0"
	}
}

// secret settles SECRET_KEY: set → used; unset in production (or with DEBUG
// explicitly false) → refuse to start; unset otherwise → a development
// secret generated once and kept in the data directory.
func (l *loader) secret(c *Config) error {
	if v := l.env["SECRET_KEY"]; strings.TrimSpace(v) != "" {
		c.SecretKey = v
		if c.Production && len(v) < 32 {
			c.Warnings = append(c.Warnings, "SECRET_KEY is shorter than 32 characters; use a long random value in production")
		}
		return nil
	}
	debugOff := false
	if v, ok := l.env["DEBUG"]; ok && strings.TrimSpace(v) != "" && !c.Debug {
		debugOff = true
	}
	if c.Production || debugOff {
		why := "EDUSPHERE_ENV=production"
		if !c.Production {
			why = "DEBUG is false"
		}
		return fmt.Errorf("SECRET_KEY: required when %s; set it to a long random string (for example: openssl rand -hex 32)", why)
	}
	path := filepath.Join(c.DataDir, SecretKeyFile)
	key, created, err := devSecret(path)
	if err != nil {
		return fmt.Errorf("SECRET_KEY: not set, and the development secret %s could not be used: %w", path, err)
	}
	c.SecretKey, c.SecretKeyGenerated = key, true
	verb := "using"
	if created {
		verb = "generated"
	}
	c.Warnings = append(c.Warnings, fmt.Sprintf("SECRET_KEY is not set; %s a development secret in %s (set SECRET_KEY, and EDUSPHERE_ENV=production, for real deployments)", verb, path))
	return nil
}

// devSecret reads the secret at path, creating it (0600) when missing.
func devSecret(path string) (key string, created bool, err error) {
	// A second process starting at the same moment may see the file after
	// its creation and before its write: give the writer a moment.
	for i := 0; ; i++ {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			break
		} else if err != nil {
			return "", false, err
		}
		if k := strings.TrimSpace(string(b)); len(k) >= 32 {
			return k, false, nil
		} else if i >= 20 {
			return "", false, fmt.Errorf("%s holds no usable secret; delete it to generate a new one", path)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	k := hex.EncodeToString(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process created it first: use theirs.
		return devSecret(path)
	} else if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(k + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	if err := f.Close(); err != nil {
		return "", false, err
	}
	return k, true, nil
}

// redactURL hides a password in a URL so it can appear in an error.
func redactURL(s string) string { return RedactURL(s) }
