package media

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/edusphere/edusphere"
)

// DefaultDecodeMemory is the default budget of a DecodeGate: the memory
// all image decodes of the process may hold at once (AVATAR_DECODE_MEMORY).
const DefaultDecodeMemory int64 = 256 << 20

// maxGateWait bounds how long a decode waits for its share of the budget
// when its context sets no earlier deadline.
const maxGateWait = 10 * time.Second

// gcAfter is the decode size from which the gate runs the collector once
// the decode is over. The server runs with GOGC=1000: without it a
// decoded image's memory would be reused only once the heap had grown to
// ten times its live size, or to the soft memory limit.
const gcAfter = 16 << 20

// MsgBusy is the message of an upload that waited too long for the
// decode budget.
const MsgBusy = "The server is busy checking other images; try again in a moment."

// DecodeGate bounds the memory and the number of image decodes running at
// once in a process (docs/limits.md, "Images"). A decode asks for its
// header's estimate (Header.Memory) before it starts: one asking for more
// than the whole budget is refused at once; others wait for their share,
// up to their context's deadline or 10 seconds. At most GOMAXPROCS
// decodes run at a time, so decoding never takes every core.
type DecodeGate struct {
	budget int64
	mem    *semaphore.Weighted
	slots  chan struct{}
}

// NewDecodeGate returns a gate over budget bytes (DefaultDecodeMemory
// when zero or less).
func NewDecodeGate(budget int64) *DecodeGate {
	if budget <= 0 {
		budget = DefaultDecodeMemory
	}
	return &DecodeGate{
		budget: budget,
		mem:    semaphore.NewWeighted(budget),
		slots:  make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
	}
}

// Budget returns the gate's budget in bytes.
func (g *DecodeGate) Budget() int64 { return g.budget }

// defaultGate serves every Limits without a gate of its own.
var defaultGate = NewDecodeGate(DefaultDecodeMemory)

// run runs decode once n bytes of the budget and a slot are free, then
// gives them back. Errors: MsgTooMuchMemory as a form error when n
// exceeds the budget; ETOOMANYREQUEST when the wait ran out.
func (g *DecodeGate) run(ctx context.Context, n int64, decode func() error) error {
	if n > g.budget {
		return avatarError(MsgTooMuchMemory(n, g.budget))
	}
	ctx, cancel := context.WithTimeout(ctx, maxGateWait)
	defer cancel()
	busy := edusphere.Errorf(edusphere.ETOOMANYREQUEST, MsgBusy)
	if err := g.mem.Acquire(ctx, n); err != nil {
		return busy
	}
	defer g.mem.Release(n)
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return busy
	}
	defer func() { <-g.slots }()
	err := decode()
	if n >= gcAfter {
		// The decoded image is garbage now: collect it before its share of
		// the budget goes to the next decode, so the heap stays within it.
		runtime.GC()
	}
	return err
}

// MsgTooMuchMemory returns the message for an image whose decoding would
// need more than budget bytes.
func MsgTooMuchMemory(need, budget int64) string {
	return "The image is too large to check: decoding it needs " + formatBytes(need) +
		", more than the limit of " + formatBytes(budget) + "."
}
