package media

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/edusphere/edusphere"
)

// TestDecodeGate checks the gate's three rules: a decode over the budget
// is refused without running, decodes together never hold more than the
// budget, and a decode that cannot get its share in time is told the
// server is busy.
func TestDecodeGate(t *testing.T) {
	t.Run("ErrOverBudget", func(t *testing.T) {
		g := NewDecodeGate(10 << 20)
		ran := false
		err := g.run(context.Background(), 10<<20+1, func() error { ran = true; return nil })
		var e *edusphere.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Messages[0] != MsgTooMuchMemory(10<<20+1, 10<<20) || ran {
			t.Fatalf("err=%v ran=%v, want the form error and no decode", err, ran)
		}
	})
	t.Run("NeverOverBudget", func(t *testing.T) {
		g := NewDecodeGate(10 << 20)
		var held, peak atomic.Int64
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := int64(3<<20 + i<<10)
				err := g.run(context.Background(), n, func() error {
					now := held.Add(n)
					for {
						p := peak.Load()
						if now <= p || peak.CompareAndSwap(p, now) {
							break
						}
					}
					held.Add(-n)
					return nil
				})
				if err != nil {
					t.Errorf("run: %v", err)
				}
			}()
		}
		wg.Wait()
		if p := peak.Load(); p > 10<<20 {
			t.Fatalf("peak %d bytes held at once, want at most the budget", p)
		}
	})
	t.Run("ErrBusy", func(t *testing.T) {
		g := NewDecodeGate(10 << 20)
		started, release := make(chan struct{}), make(chan struct{})
		go g.run(context.Background(), 8<<20, func() error { close(started); <-release; return nil })
		<-started
		defer close(release)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a request whose client left, or whose time ran out
		err := g.run(ctx, 4<<20, func() error { t.Error("decode ran without its share"); return nil })
		if edusphere.ErrorCode(err) != edusphere.ETOOMANYREQUEST || edusphere.ErrorMessage(err) != MsgBusy {
			t.Fatalf("err=%v, want busy", err)
		}
	})
}
