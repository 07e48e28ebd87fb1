package auth

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
)

// Limit allows Count events per Per, as a token bucket that holds at most
// Count tokens and refills Count tokens every Per. The zero Limit is off.
// It is the one rate type of the server: log-in and registration limits
// here, and the chat socket's frame limit (hub.Config.RateLimit).
type Limit struct {
	Count int
	Per   time.Duration
}

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.Count <= 0 || l.Per <= 0 }

// String renders the limit as ParseLimit reads it.
func (l Limit) String() string {
	if l.Off() {
		return "0"
	}
	return fmt.Sprintf("%d/%s", l.Count, l.Per)
}

// ParseLimit reads "<count>/<duration>": "10/15m", "20/1s", "100/1d", or
// "5/m" for one unit. The duration is a Go duration or a number of days of
// 24 hours ("1d", "1.5d"). "0", "off" and "" turn the limit off. It is the
// one parser of the rate settings (LOGIN_RATE_LIMIT, REGISTER_RATE_LIMIT,
// WS_RATE_LIMIT).
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "0", "off":
		return Limit{}, nil
	}
	countText, perText, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("parse limit %q: want <count>/<duration>, e.g. 10/15m", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(countText))
	if err != nil || count < 0 {
		return Limit{}, fmt.Errorf("parse limit %q: count must be a whole number", s)
	}
	per, err := parsePer(strings.TrimSpace(perText))
	if err != nil || per <= 0 {
		return Limit{}, fmt.Errorf("parse limit %q: duration must be positive, e.g. 15m, 1h, 1d", s)
	}
	if count == 0 {
		return Limit{}, nil
	}
	return Limit{Count: count, Per: per}, nil
}

// parsePer reads a Go duration, a number of days ("1d"), or a bare unit.
func parsePer(s string) (time.Duration, error) {
	if s != "" && (s[0] < '0' || s[0] > '9') {
		s = "1" + s
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// Limiter is a keyed token bucket: each key (an address, an account) has its
// own bucket of Limit.Count tokens. Idle full buckets are forgotten, so the
// memory it holds follows the number of keys recently active.
type Limiter struct {
	limit Limit
	// Now is the clock; nil is real time. Set it before the first use.
	Now edusphere.Clock

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter for l; a zero l allows everything.
func NewLimiter(l Limit) *Limiter {
	return &Limiter{limit: l, buckets: map[string]*bucket{}}
}

// refill brings b up to date at now and returns it; callers hold mu.
func (lim *Limiter) refill(key string, now time.Time) *bucket {
	b, ok := lim.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(lim.limit.Count), last: now}
		lim.buckets[key] = b
		return b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(float64(lim.limit.Count),
			b.tokens+elapsed.Seconds()*float64(lim.limit.Count)/lim.limit.Per.Seconds())
		b.last = now
	}
	return b
}

// Allow takes one token from key's bucket. When the bucket is empty it
// takes nothing and returns how long until a token is back.
func (lim *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if lim == nil || lim.limit.Off() {
		return true, 0
	}
	now := lim.Now.Now()
	lim.mu.Lock()
	defer lim.mu.Unlock()
	lim.sweepIdle(now)
	b := lim.refill(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	perToken := lim.limit.Per.Seconds() / float64(lim.limit.Count)
	wait := time.Duration((1 - b.tokens) * perToken * float64(time.Second))
	return false, wait
}

// Return gives back a token taken by Allow, for an attempt that turned out
// fine (a successful log-in does not count as a failure).
func (lim *Limiter) Return(key string) {
	if lim == nil || lim.limit.Off() {
		return
	}
	now := lim.Now.Now()
	lim.mu.Lock()
	defer lim.mu.Unlock()
	b := lim.refill(key, now)
	b.tokens = math.Min(float64(lim.limit.Count), b.tokens+1)
}

// sweepIdle drops full buckets once a period; callers hold mu.
func (lim *Limiter) sweepIdle(now time.Time) {
	since := now.Sub(lim.sweep)
	if since < lim.limit.Per && (len(lim.buckets) < 10000 || since < time.Second) {
		return
	}
	lim.sweep = now
	for key := range lim.buckets {
		if b := lim.refill(key, now); b.tokens >= float64(lim.limit.Count) {
			delete(lim.buckets, key)
		}
	}
}

// tooManyAttempts is the ETOOMANYREQUEST error for a wait of d.
func tooManyAttempts(d time.Duration) error {
	secs := int(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return edusphere.Errorf(edusphere.ETOOMANYREQUEST, "Too many attempts. Try again in %d seconds.", secs)
}
