package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults and bounds of the chat writer's settings (docs/data.md, "Group
// commit"; docs/limits.md).
const (
	DefaultChatBatchMax            = 256
	DefaultChatBatchShardsSQLite   = 1
	DefaultChatBatchShardsPostgres = 4
	MaxChatBatchMax                = 4096
	MaxChatBatchWait               = time.Second
	MaxChatBatchShards             = 64
	DefaultChatWindow              = 8
	MaxChatWindow                  = 64
)

// chatBatch reads CHAT_BATCH_MAX, CHAT_BATCH_WAIT, CHAT_BATCH_SHARDS and
// CHAT_WINDOW; the shards' default depends on the database, so it runs
// after database.
func (l *loader) chatBatch(c *Config) {
	c.ChatBatchMax = l.bounded("CHAT_BATCH_MAX", DefaultChatBatchMax, MaxChatBatchMax)
	c.ChatWindow = l.bounded("CHAT_WINDOW", DefaultChatWindow, MaxChatWindow)
	shards := DefaultChatBatchShardsSQLite
	if c.PostgresURL != "" {
		shards = DefaultChatBatchShardsPostgres
	}
	c.ChatBatchShards = l.bounded("CHAT_BATCH_SHARDS", shards, MaxChatBatchShards)
	if v := strings.TrimSpace(l.env["CHAT_BATCH_WAIT"]); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxChatBatchWait {
			l.fail("CHAT_BATCH_WAIT", "want a duration from 0 to 1s, such as 0 or 2ms", v)
			return
		}
		c.ChatBatchWait = d
	}
}

// bounded reads a whole number from 1 to most; unset or blank gives def.
func (l *loader) bounded(name string, def, most int) int {
	v := strings.TrimSpace(l.env[name])
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		l.fail(name, fmt.Sprintf("want a whole number from 1 to %d", most), v)
		return def
	}
	return n
}
