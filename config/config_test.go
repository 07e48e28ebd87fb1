package config_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/config"
)

// load runs config.Load with a temporary data directory unless env sets one.
func load(t *testing.T, env map[string]string) (*config.Config, error) {
	t.Helper()
	if _, ok := env["EDUSPHERE_DATA_DIR"]; !ok {
		env["EDUSPHERE_DATA_DIR"] = t.TempDir()
	}
	return config.Load(env)
}

func TestLoad_Defaults(t *testing.T) {
	dir := t.TempDir()
	c, err := config.Load(map[string]string{"EDUSPHERE_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Addr", c.Addr, "127.0.0.1:8000"},
		{"Debug", c.Debug, false},
		{"SQLitePath", c.SQLitePath, filepath.Join(dir, "edusphere.db")},
		{"PostgresURL", c.PostgresURL, ""},
		{"RedisURL", c.RedisURL, ""},
		{"AllowedHosts", c.AllowedHosts, []string{"localhost", "127.0.0.1"}},
		{"TrustedOrigins", c.TrustedOrigins, []string{"http://localhost", "http://127.0.0.1"}},
		{"CORSOrigins", c.CORSOrigins, []string{"http://localhost", "http://127.0.0.1"}},
		{"LogLevel", c.LogLevel, slog.LevelInfo},
		{"LogFormat", c.LogFormat, "text"},
		{"SecureCookies", c.SecureCookies, false},
		{"LoginRateLimit", c.LoginRateLimit, auth.Limit{Count: 10, Per: 15 * time.Minute}},
		{"RegisterRateLimit", c.RegisterRateLimit, auth.Limit{Count: 20, Per: time.Hour}},
		{"WSRateLimit", c.WSRateLimit, auth.Limit{Count: 20, Per: time.Second}},
		{"AvatarMaxBytes", c.AvatarMaxBytes, int64(5 << 20)},
		{"GraphQLIntrospection", c.GraphQLIntrospection, false},
		{"MediaPath", c.MediaPath(), filepath.Join(dir, "media")},
		{"DatabaseKind", c.DatabaseKind(), "sqlite"},
		{"SecretKeyGenerated", c.SecretKeyGenerated, true},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Fatalf("%s=%#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

func TestLoad_DevSecret(t *testing.T) {
	t.Run("OKGeneratedOnceAndKept", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "fresh", "data")
		c1, err := config.Load(map[string]string{"EDUSPHERE_DATA_DIR": dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(c1.SecretKey) < 32 || !c1.SecretKeyGenerated {
			t.Fatalf("SecretKey=%q generated=%v, want a generated secret", c1.SecretKey, c1.SecretKeyGenerated)
		}
		if len(c1.Warnings) != 1 || !strings.Contains(c1.Warnings[0], "SECRET_KEY is not set") {
			t.Fatalf("Warnings=%q, want one SECRET_KEY warning", c1.Warnings)
		}
		fi, err := os.Stat(filepath.Join(dir, "secret_key"))
		if err != nil {
			t.Fatal(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Fatalf("secret_key mode=%v, want 0600", fi.Mode().Perm())
		}
		c2, err := config.Load(map[string]string{"EDUSPHERE_DATA_DIR": dir})
		if err != nil {
			t.Fatal(err)
		} else if c2.SecretKey != c1.SecretKey {
			t.Fatalf("second SecretKey=%q, want the kept %q", c2.SecretKey, c1.SecretKey)
		}
	})
	t.Run("OKDebugOn", func(t *testing.T) {
		c, err := load(t, map[string]string{"DEBUG": "Yes"})
		if err != nil || !c.SecretKeyGenerated || !c.Debug || !c.GraphQLIntrospection {
			t.Fatalf("Load=%+v, %v, want debug with generated secret and introspection", c, err)
		}
	})
	t.Run("OKExplicitSecret", func(t *testing.T) {
		c, err := load(t, map[string]string{"SECRET_KEY": "s3cret", "EDUSPHERE_ENV": "production"})
		if err != nil || c.SecretKey != "s3cret" || c.SecretKeyGenerated || !c.Production {
			t.Fatalf("Load=%+v, %v, want the given secret", c, err)
		}
	})
	for _, tt := range []struct{ name, key, val, want string }{
		{"ErrProduction", "EDUSPHERE_ENV", "production", "SECRET_KEY: required when EDUSPHERE_ENV=production"},
		{"ErrDebugFalse", "DEBUG", "False", "SECRET_KEY: required when DEBUG is false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := config.Load(map[string]string{tt.key: tt.val, "EDUSPHERE_DATA_DIR": dir})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err=%v, want one line starting %q", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "secret_key")); !os.IsNotExist(err) {
				t.Fatalf("secret_key exists (err=%v), want none written", err)
			}
		})
	}
}

func TestLoad_Values(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(c *config.Config) (got, want any)
	}{
		{"DebugWords", map[string]string{"DEBUG": "oK"}, func(c *config.Config) (any, any) { return c.Debug, true }},
		{"DebugOne", map[string]string{"DEBUG": "1"}, func(c *config.Config) (any, any) { return c.Debug, true }},
		{"DebugNo", map[string]string{"DEBUG": "no", "SECRET_KEY": "k"}, func(c *config.Config) (any, any) { return c.Debug, false }},
		{"DBParts", map[string]string{"DB_NAME": "edu", "DB_USER": "u", "DB_PASSWORD": "p@ss"},
			func(c *config.Config) (any, any) { return c.PostgresURL, "postgres://u:p%40ss@localhost:5432/edu" }},
		{"DBHostPort", map[string]string{"DB_NAME": "edu", "DB_HOST": "db", "DB_PORT": "6543"},
			func(c *config.Config) (any, any) { return c.PostgresURL, "postgres://db:6543/edu" }},
		{"DatabaseURLWins", map[string]string{"DB_NAME": "edu", "DATABASE_URL": "postgresql://x@h/d?sslmode=disable"},
			func(c *config.Config) (any, any) { return c.PostgresURL, "postgresql://x@h/d?sslmode=disable" }},
		{"DatabaseURLSQLitePath", map[string]string{"DATABASE_URL": "/tmp/e.db"},
			func(c *config.Config) (any, any) { return c.SQLitePath + "|" + c.DatabaseKind(), "/tmp/e.db|sqlite" }},
		{"DatabaseURLSQLiteAbs", map[string]string{"DATABASE_URL": "sqlite:///var/lib/e.db"},
			func(c *config.Config) (any, any) { return c.SQLitePath, "/var/lib/e.db" }},
		{"DatabaseURLSQLiteRel", map[string]string{"DATABASE_URL": "sqlite://data/e.db"},
			func(c *config.Config) (any, any) { return c.SQLitePath, "data/e.db" }},
		{"RedisHostFixedPort", map[string]string{"REDIS_HOST": "cache", "REDIS_PORT": "1234"},
			func(c *config.Config) (any, any) { return c.RedisURL, "redis://cache:6379/0" }},
		{"RedisURLWins", map[string]string{"REDIS_HOST": "cache", "REDIS_URL": "redis://r:7000/2"},
			func(c *config.Config) (any, any) { return c.RedisURL, "redis://r:7000/2" }},
		{"TrustedProxies", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ,::1,192.168.1.7/16"},
			func(c *config.Config) (any, any) {
				return fmt.Sprint(c.TrustedProxies), "[10.0.0.0/8 127.0.0.1/32 ::1/128 192.168.0.0/16]"
			}},
		{"TrustedProxiesNone", map[string]string{}, func(c *config.Config) (any, any) { return len(c.TrustedProxies), 0 }},
		{"AllowedHostsList", map[string]string{"ALLOWED_HOSTS": " a.example , ,b.example"},
			func(c *config.Config) (any, any) { return c.AllowedHosts, []string{"a.example", "b.example"} }},
		{"TrustedOriginsNormalized", map[string]string{"CSRF_TRUSTED_ORIGINS": "https://chat.example/,http://localhost:5173"},
			func(c *config.Config) (any, any) {
				return c.TrustedOrigins, []string{"https://chat.example", "http://localhost:5173"}
			}},
		{"LogLevelWarn", map[string]string{"LOG_LEVEL": "WARN"}, func(c *config.Config) (any, any) { return c.LogLevel, slog.LevelWarn }},
		{"LogFormatJSON", map[string]string{"LOG_FORMAT": "json"}, func(c *config.Config) (any, any) { return c.LogFormat, "json" }},
		{"SecureFromPublicURL", map[string]string{"EDUSPHERE_PUBLIC_URL": "https://chat.example"},
			func(c *config.Config) (any, any) { return c.SecureCookies, true }},
		{"SecureExplicitWins", map[string]string{"EDUSPHERE_PUBLIC_URL": "https://chat.example", "SECURE_COOKIES": "off"},
			func(c *config.Config) (any, any) { return c.SecureCookies, false }},
		{"LimitOff", map[string]string{"LOGIN_RATE_LIMIT": "0"}, func(c *config.Config) (any, any) { return c.LoginRateLimit.Off(), true }},
		{"LimitBareUnit", map[string]string{"WS_RATE_LIMIT": "5/m"},
			func(c *config.Config) (any, any) { return c.WSRateLimit, auth.Limit{Count: 5, Per: time.Minute} }},
		{"LimitDays", map[string]string{"REGISTER_RATE_LIMIT": "100/1d"},
			func(c *config.Config) (any, any) {
				return c.RegisterRateLimit, auth.Limit{Count: 100, Per: 24 * time.Hour}
			}},
		{"AvatarMB", map[string]string{"AVATAR_MAX_BYTES": "2MB"}, func(c *config.Config) (any, any) { return c.AvatarMaxBytes, int64(2 << 20) }},
		{"AvatarBytes", map[string]string{"AVATAR_MAX_BYTES": "1000"}, func(c *config.Config) (any, any) { return c.AvatarMaxBytes, int64(1000) }},
		{"IntrospectionOffInDebug", map[string]string{"DEBUG": "1", "GRAPHQL_INTROSPECTION": "false"},
			func(c *config.Config) (any, any) { return c.GraphQLIntrospection, false }},
		{"GraphQLLimits", map[string]string{"GRAPHQL_MAX_DEPTH": "9", "GRAPHQL_MAX_COMPLEXITY": "500", "GRAPHQL_LIST_CAP": "100"},
			func(c *config.Config) (any, any) {
				return []int{c.GraphQLMaxDepth, c.GraphQLMaxComplexity, c.GraphQLListCap}, []int{9, 500, 100}
			}},
		{"GraphQLDocumentLimits", map[string]string{
			"GRAPHQL_MAX_QUERY_BYTES": "8KB", "GRAPHQL_MAX_TOKENS": "100", "GRAPHQL_MAX_NESTING": "10", "GRAPHQL_MAX_SELECTIONS": "50",
			"GRAPHQL_MAX_ALIASES": "2", "GRAPHQL_MAX_DIRECTIVES": "1", "GRAPHQL_MAX_FRAGMENTS": "3", "GRAPHQL_MAX_REPEATS": "1", "GRAPHQL_MAX_ERRORS": "5"},
			func(c *config.Config) (any, any) {
				return []int{c.GraphQLMaxQueryBytes, c.GraphQLMaxTokens, c.GraphQLMaxNesting, c.GraphQLMaxSelections,
						c.GraphQLMaxAliases, c.GraphQLMaxDirectives, c.GraphQLMaxFragments, c.GraphQLMaxRepeats, c.GraphQLMaxErrors},
					[]int{8 << 10, 100, 10, 50, 2, 1, 3, 1, 5}
			}},
		{"GraphQLTimeout", map[string]string{"GRAPHQL_TIMEOUT": "2m30s"}, func(c *config.Config) (any, any) { return c.GraphQLTimeout, 150 * time.Second }},
		{"PresenceTTL", map[string]string{"PRESENCE_TTL": "30s"}, func(c *config.Config) (any, any) { return c.PresenceTTL, 30 * time.Second }},
		{"PresenceGrace", map[string]string{"PRESENCE_GRACE": "1500ms"}, func(c *config.Config) (any, any) { return c.PresenceGrace, 1500 * time.Millisecond }},
		{"GraphQLMaxVariables", map[string]string{"GRAPHQL_MAX_VARIABLES_BYTES": "16KB"}, func(c *config.Config) (any, any) { return c.GraphQLMaxVariables, int64(16 << 10) }},
		{"AvatarDecodeMemory", map[string]string{"AVATAR_DECODE_MEMORY": "64MB"}, func(c *config.Config) (any, any) { return c.AvatarDecodeMemory, int64(64 << 20) }},
		{"JWTSecret", map[string]string{"JWT_SECRET_KEY": "jwt"}, func(c *config.Config) (any, any) { return c.JWTSecretKey, "jwt" }},
		{"Addr", map[string]string{"EDUSPHERE_ADDR": ":0"}, func(c *config.Config) (any, any) { return c.Addr, ":0" }},
		{"MetricsAddr", map[string]string{"METRICS_ADDR": "127.0.0.1:9100"}, func(c *config.Config) (any, any) { return c.MetricsAddr, "127.0.0.1:9100" }},
		{"GraphQLLogFile", map[string]string{"GRAPHQL_LOG_FILE": "/var/log/edusphere/graphql.log"},
			func(c *config.Config) (any, any) { return c.GraphQLLogFile, "/var/log/edusphere/graphql.log" }},
		{"DBPool", map[string]string{"DATABASE_URL": "postgres://h/d", "DB_MAX_CONNS": "25", "DB_STATEMENT_TIMEOUT": "30s"},
			func(c *config.Config) (any, any) {
				return fmt.Sprint(c.DBMaxConns, " ", c.DBStatementTimeout), "25 30s"
			}},
		{"ChatBatchDefaultsSQLite", map[string]string{},
			func(c *config.Config) (any, any) {
				return fmt.Sprint(c.ChatBatchMax, " ", c.ChatBatchWait, " ", c.ChatBatchShards, " ", c.ChatWindow), "256 0s 1 8"
			}},
		{"ChatBatchDefaultsPostgres", map[string]string{"DATABASE_URL": "postgres://h/d"},
			func(c *config.Config) (any, any) { return c.ChatBatchShards, 4 }},
		{"ChatWindow", map[string]string{"CHAT_WINDOW": "1"},
			func(c *config.Config) (any, any) { return c.ChatWindow, 1 }},
		{"ChatBatch", map[string]string{"CHAT_BATCH_MAX": "64", "CHAT_BATCH_WAIT": "2ms", "CHAT_BATCH_SHARDS": "3"},
			func(c *config.Config) (any, any) {
				return fmt.Sprint(c.ChatBatchMax, " ", c.ChatBatchWait, " ", c.ChatBatchShards), "64 2ms 3"
			}},
		{"DBStatementTimeoutOff", map[string]string{"DATABASE_URL": "postgres://h/d", "DB_STATEMENT_TIMEOUT": "0"},
			func(c *config.Config) (any, any) { return c.DBStatementTimeout, time.Duration(0) }},
		{"DBSSLModeIntoURL", map[string]string{"DB_NAME": "edu", "DB_SSLMODE": "verify-full", "DB_SSLROOTCERT": "/etc/ssl/pg.crt"},
			func(c *config.Config) (any, any) {
				return c.PostgresURL, "postgres://localhost:5432/edu?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fpg.crt"
			}},
		{"DBSSLModeSameAsURL", map[string]string{"DATABASE_URL": "postgres://h/d?sslmode=require", "DB_SSLMODE": "require"},
			func(c *config.Config) (any, any) { return c.PostgresURL, "postgres://h/d?sslmode=require" }},
		{"DBSettingsIgnoredOnSQLite", map[string]string{"DB_SSLMODE": "require", "SECRET_KEY": "k"},
			func(c *config.Config) (any, any) {
				return fmt.Sprint(c.DatabaseKind(), c.Warnings), "sqlite[DB_SSLMODE applies to PostgreSQL only; the database is SQLite, so it is ignored]"
			}},
		{"RedisSentinel", map[string]string{"REDIS_URL": "redis-sentinel://:pw@s1:26379/0?master_name=main&addr=s2:26379"},
			func(c *config.Config) (any, any) {
				return config.RedisMode(c.RedisURL), "sentinel"
			}},
		{"RedisCluster", map[string]string{"REDIS_URL": "rediss-cluster://n1:7000?addr=n2:7001&addr=n3:7002"},
			func(c *config.Config) (any, any) { return config.RedisMode(c.RedisURL), "cluster" }},
		{"RedisServer", map[string]string{"REDIS_URL": "rediss://r:6380/1"},
			func(c *config.Config) (any, any) { return config.RedisMode(c.RedisURL), "server" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(c); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s=%#v, want %#v", tt.name, got, want)
			}
		})
	}
}

func TestLoad_Errors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"ErrLogLevel", map[string]string{"LOG_LEVEL": "loud"}, `LOG_LEVEL: want one of debug, info, warn, error, got "loud"`},
		{"ErrTrustedProxies", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, `TRUSTED_PROXIES: want comma-separated addresses or CIDR ranges`},
		{"ErrLogFormat", map[string]string{"LOG_FORMAT": "xml"}, `LOG_FORMAT: want text or json, got "xml"`},
		{"ErrDebug", map[string]string{"DEBUG": "maybe"}, `DEBUG: want true or false`},
		{"ErrEnv", map[string]string{"EDUSPHERE_ENV": "staging"}, `EDUSPHERE_ENV: want production or development, got "staging"`},
		{"ErrAddr", map[string]string{"EDUSPHERE_ADDR": "8000"}, `EDUSPHERE_ADDR: want host:port`},
		{"ErrDBPort", map[string]string{"DB_NAME": "x", "DB_PORT": "http"}, `DB_PORT: want a port number, got "http"`},
		{"ErrDatabaseURLScheme", map[string]string{"DATABASE_URL": "mysql://u:hunter2@h/d"}, `DATABASE_URL: want postgres://`},
		{"ErrRedisURL", map[string]string{"REDIS_URL": "http://r"}, `REDIS_URL: want redis://`},
		{"ErrRedisSentinelNoMaster", map[string]string{"REDIS_URL": "redis-sentinel://:hunter2@s1:26379/0"}, `REDIS_URL: want redis://host:6379/0, rediss://…, redis-sentinel://`},
		{"ErrRedisNoHost", map[string]string{"REDIS_URL": "redis-cluster:///x?password=hunter2"}, `REDIS_URL: want redis://`},
		{"ErrMetricsAddr", map[string]string{"METRICS_ADDR": "9100"}, `METRICS_ADDR: want host:port such as 127.0.0.1:9100, got "9100"`},
		{"ErrDBMaxConns", map[string]string{"DB_NAME": "x", "DB_MAX_CONNS": "lots"}, `DB_MAX_CONNS: want a whole number from 1 to 1000`},
		{"ErrChatBatchMax", map[string]string{"CHAT_BATCH_MAX": "0"}, `CHAT_BATCH_MAX: want a whole number from 1 to 4096, got "0"`},
		{"ErrChatBatchMaxHuge", map[string]string{"CHAT_BATCH_MAX": "100000"}, `CHAT_BATCH_MAX: want a whole number from 1 to 4096`},
		{"ErrChatBatchShards", map[string]string{"CHAT_BATCH_SHARDS": "many"}, `CHAT_BATCH_SHARDS: want a whole number from 1 to 64, got "many"`},
		{"ErrChatWindow", map[string]string{"CHAT_WINDOW": "65"}, `CHAT_WINDOW: want a whole number from 1 to 64, got "65"`},
		{"ErrChatBatchWait", map[string]string{"CHAT_BATCH_WAIT": "5s"}, `CHAT_BATCH_WAIT: want a duration from 0 to 1s`},
		{"ErrChatBatchWaitUnit", map[string]string{"CHAT_BATCH_WAIT": "2"}, `CHAT_BATCH_WAIT: want a duration from 0 to 1s`},
		{"ErrDBStatementTimeout", map[string]string{"DB_NAME": "x", "DB_STATEMENT_TIMEOUT": "30"}, `DB_STATEMENT_TIMEOUT: want a duration such as 30s`},
		{"ErrDBSSLMode", map[string]string{"DB_NAME": "x", "DB_SSLMODE": "on"}, `DB_SSLMODE: want one of disable, allow, prefer, require, verify-ca, verify-full, got "on"`},
		{"ErrDBSSLModeConflict", map[string]string{"DATABASE_URL": "postgres://u:hunter2@h/d?sslmode=disable", "DB_SSLMODE": "require"},
			`DB_SSLMODE: want the same sslmode as DATABASE_URL (disable) or no DB_SSLMODE, got "require"`},
		{"ErrOrigins", map[string]string{"CORS_ALLOWED_ORIGINS": "localhost"}, `CORS_ALLOWED_ORIGINS: want comma-separated origins`},
		{"ErrPublicURL", map[string]string{"EDUSPHERE_PUBLIC_URL": "chat.example"}, `EDUSPHERE_PUBLIC_URL: want an absolute`},
		{"ErrSecureCookies", map[string]string{"SECURE_COOKIES": "sometimes"}, `SECURE_COOKIES: want true or false`},
		{"ErrLimit", map[string]string{"LOGIN_RATE_LIMIT": "ten"}, `LOGIN_RATE_LIMIT: want COUNT/DURATION such as 10/15m, or 0 for off, got "ten"`},
		{"ErrLimitDuration", map[string]string{"REGISTER_RATE_LIMIT": "5/fortnight"}, `REGISTER_RATE_LIMIT: want COUNT/DURATION`},
		{"ErrAvatar", map[string]string{"AVATAR_MAX_BYTES": "big"}, `AVATAR_MAX_BYTES: want a byte count`},
		{"ErrAvatarNegative", map[string]string{"AVATAR_MAX_BYTES": "-1"}, `AVATAR_MAX_BYTES: want a byte count`},
		{"ErrMaxDepth", map[string]string{"GRAPHQL_MAX_DEPTH": "-3"}, `GRAPHQL_MAX_DEPTH: want a whole number >= 0`},
		{"ErrIntrospection", map[string]string{"GRAPHQL_INTROSPECTION": "2"}, `GRAPHQL_INTROSPECTION: want true or false`},
		{"ErrTimeout", map[string]string{"GRAPHQL_TIMEOUT": "soon"}, `GRAPHQL_TIMEOUT: want a duration such as 10s or 1m`},
		{"ErrPresenceTTL", map[string]string{"PRESENCE_TTL": "-5s"}, `PRESENCE_TTL: want a duration such as 10s or 1m`},
		{"ErrMaxTokens", map[string]string{"GRAPHQL_MAX_TOKENS": "many"}, `GRAPHQL_MAX_TOKENS: want a whole number >= 0`},
		{"ErrDecodeMemory", map[string]string{"AVATAR_DECODE_MEMORY": "lots"}, `AVATAR_DECODE_MEMORY: want a byte count`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.env)
			if err == nil {
				t.Fatalf("err=nil, want %q", tt.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("err=%q, want one line starting %q", msg, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("err=%q, want the password hidden", err)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:hunter2@h:5432/d", "postgres://u:xxxxx@h:5432/d"},
		{"redis-sentinel://:hunter2@s1:26379/0?master_name=m&password=hunter2", "redis-sentinel://:xxxxx@s1:26379/0?master_name=m&password=xxxxx"},
		{"redis://r:6379/0", "redis://r:6379/0"},
	}
	for _, tt := range tests {
		if got := config.RedactURL(tt.in); got != tt.want {
			t.Fatalf("RedactURL(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}
