package presence

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// RedisStore is a Store in Redis, shared by every process of a cluster
// (docs/presence.md, Shared store). Its keys, under Prefix, all carry the
// hash tag {presence}, so that its scripts stay in one slot of a Redis
// Cluster:
//
//	<prefix>{presence}:r:<room>         sorted set: user -> latest expiry (ms) of their entries
//	<prefix>{presence}:h:<room>:<user>  hash: process -> expiry (ms); dropped a minute after its latest entry
//	<prefix>{presence}:all              sorted set: "<room>/<user>" -> latest expiry, for the sweeper
//	<prefix>{presence}:seen             hash: user -> last-seen time (ms)
type RedisStore struct {
	client goredis.UniversalClient
	prefix string
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a RedisStore using client, its keys under prefix
// (e.g. "edusphere:", the broker's prefix).
func NewRedisStore(client goredis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{client: client, prefix: prefix + "{presence}:"}
}

func (s *RedisStore) roomKey(room uuid.UUID) string { return s.prefix + "r:" + room.String() }
func (s *RedisStore) procKey(p Pair) string {
	return s.prefix + "h:" + p.Room.String() + ":" + p.User.String()
}
func (s *RedisStore) allKey() string  { return s.prefix + "all" }
func (s *RedisStore) seenKey() string { return s.prefix + "seen" }

func (s *RedisStore) keys(p Pair) []string {
	return []string{s.roomKey(p.Room), s.procKey(p), s.allKey(), s.seenKey()}
}

func pairMember(p Pair) string { return p.Room.String() + "/" + p.User.String() }

func ms(t time.Time) int64 { return t.UnixMilli() }

// liveMax is shared by the scripts: it drops the expired entries of the
// process hash KEYS[2] and leaves their latest expiry in max (0 for none).
const liveMax = `
local max = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local e = tonumber(all[i+1])
  if e <= now then redis.call('HDEL', KEYS[2], all[i]) elseif e > max then max = e end
end
`

// settle writes the pair's latest expiry max, or removes the pair when no
// entry is live. Times are the callers' clocks, never Redis's: the hash's
// own expiry, only a clean-up, is relative.
const settle = `
if max > 0 then
  redis.call('PEXPIRE', KEYS[2], max - now + 60000)
  redis.call('ZADD', KEYS[1], max, ARGV[1])
  redis.call('ZADD', KEYS[3], max, ARGV[4])
else
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[4])
end
`

// KEYS: room, proc hash, all, seen. ARGV: user, process, now, pair member, expiry.
var refreshScript = goredis.NewScript(`
local now = tonumber(ARGV[3])
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
local was = before and tonumber(before) > now
redis.call('HSET', KEYS[2], ARGV[2], ARGV[5])
` + liveMax + settle + `
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
if was then return 0 end
return 1
`)

// KEYS: room, proc hash, all, seen. ARGV: user, process, now, pair member.
var removeScript = goredis.NewScript(`
local now = tonumber(ARGV[3])
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
local was = before and tonumber(before) > now
redis.call('HDEL', KEYS[2], ARGV[2])
` + liveMax + settle + `
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
if was and max == 0 then return 1 end
return 0
`)

// expireScript removes a pair the sweeper found expired, unless a process
// refreshed it meanwhile; it returns 1 to the one caller that removed it.
// KEYS: room, proc hash, all. ARGV: user, unused, now, pair member.
var expireScript = goredis.NewScript(`
local now = tonumber(ARGV[3])
local score = redis.call('ZSCORE', KEYS[3], ARGV[4])
if not score or tonumber(score) > now then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[4])
return 1
`)

// Refresh implements Store.
func (s *RedisStore) Refresh(ctx context.Context, p Pair, proc string, now, expires time.Time) (bool, error) {
	n, err := refreshScript.Run(ctx, s.client, s.keys(p),
		p.User.String(), proc, ms(now), pairMember(p), ms(expires)).Int()
	if err != nil {
		return false, fmt.Errorf("presence refresh: %w", err)
	}
	return n == 1, nil
}

// Remove implements Store.
func (s *RedisStore) Remove(ctx context.Context, p Pair, proc string, now time.Time) (bool, error) {
	n, err := removeScript.Run(ctx, s.client, s.keys(p),
		p.User.String(), proc, ms(now), pairMember(p)).Int()
	if err != nil {
		return false, fmt.Errorf("presence remove: %w", err)
	}
	return n == 1, nil
}

// Sweep implements Store.
func (s *RedisStore) Sweep(ctx context.Context, now time.Time, limit int) ([]Pair, error) {
	members, err := s.client.ZRangeArgs(ctx, goredis.ZRangeArgs{
		Key: s.allKey(), Start: "-inf", Stop: strconv.FormatInt(ms(now), 10),
		ByScore: true, Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("presence sweep: %w", err)
	}
	var out []Pair
	for _, m := range members {
		r, u, _ := strings.Cut(m, "/")
		room, err1 := uuid.Parse(r)
		user, err2 := uuid.Parse(u)
		if err1 != nil || err2 != nil {
			s.client.ZRem(ctx, s.allKey(), m)
			continue
		}
		p := Pair{Room: room, User: user}
		keys := s.keys(p)[:3]
		n, err := expireScript.Run(ctx, s.client, keys, user.String(), "", ms(now), m).Int()
		if err != nil {
			return out, fmt.Errorf("presence expire: %w", err)
		}
		if n == 1 {
			out = append(out, p)
		}
	}
	return out, nil
}

// Online implements Store: two reads per room, in one round trip.
func (s *RedisStore) Online(ctx context.Context, rooms []uuid.UUID, now time.Time, limit int) (map[uuid.UUID]edusphere.OnlineList, error) {
	min := "(" + strconv.FormatInt(ms(now), 10)
	lists := make([]*goredis.StringSliceCmd, len(rooms))
	counts := make([]*goredis.IntCmd, len(rooms))
	_, err := s.client.Pipelined(ctx, func(pipe goredis.Pipeliner) error {
		for i, room := range rooms {
			key := s.roomKey(room)
			lists[i] = pipe.ZRangeArgs(ctx, goredis.ZRangeArgs{
				Key: key, Start: min, Stop: "+inf", ByScore: true, Count: int64(limit),
			})
			counts[i] = pipe.ZCount(ctx, key, min, "+inf")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("presence online: %w", err)
	}
	out := make(map[uuid.UUID]edusphere.OnlineList, len(rooms))
	for i, room := range rooms {
		n := int(counts[i].Val())
		if n == 0 {
			continue
		}
		l := edusphere.OnlineList{Count: n}
		for _, m := range lists[i].Val() {
			if id, err := uuid.Parse(m); err == nil {
				l.Users = append(l.Users, id)
			}
		}
		out[room] = l
	}
	return out, nil
}

// LastSeen implements Store.
func (s *RedisStore) LastSeen(ctx context.Context, users []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	out := make(map[uuid.UUID]time.Time, len(users))
	if len(users) == 0 {
		return out, nil
	}
	fields := make([]string, len(users))
	for i, u := range users {
		fields[i] = u.String()
	}
	vals, err := s.client.HMGet(ctx, s.seenKey(), fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("presence last seen: %w", err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(str, 10, 64); err == nil {
			out[users[i]] = time.UnixMilli(n).UTC()
		}
	}
	return out, nil
}
