package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusphere/edusphere"
)

// Defaults of Config.
const (
	DefaultMaxBatch      = 256
	DefaultCommitTimeout = 10 * time.Second
)

// ErrClosed is Submit's error after Close.
var ErrClosed = errors.New("groupcommit: writer closed")

// Store commits a batch of chat ops, one result per op, in op order;
// edusphere.MessageService.CommitChat is one.
type Store interface {
	CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult
}

// Config configures a Writer. Zero fields take their defaults.
type Config struct {
	// MaxBatch bounds the ops of one transaction. Default DefaultMaxBatch.
	MaxBatch int
	// MaxWait is how long a shard waits for more ops once it has the first
	// of a batch, while the batch is not full. Default 0: commit at once
	// what is waiting; what arrives meanwhile forms the next batch.
	MaxWait time.Duration
	// Shards is the number of batches committed at the same time, each
	// from its own queue; a room's ops always use the same one. Default 1,
	// right for SQLite's one writer; PostgreSQL commits different rooms in
	// parallel.
	Shards int
	// QueueSize bounds the ops waiting in each shard; Submit blocks while
	// its shard's queue is full. Default 4*MaxBatch.
	QueueSize int
	// CommitTimeout bounds one CommitChat call. Default DefaultCommitTimeout.
	CommitTimeout time.Duration
	// OnCommit is called for every op that committed, after its commit and
	// before its submitter is answered, from the shard's goroutine, in
	// commit order: for one room, in sequence order. It is called even
	// when the submitter has stopped waiting. The next batch of the shard
	// waits for it, so it should only hand the result on (the hub
	// publishes it). Tag is what the submitter passed.
	OnCommit func(op edusphere.ChatOp, tag any, res edusphere.ChatResult)
	// OnFail is called, like OnCommit, for every op that did not commit:
	// failed in its batch, or dropped because its context ended while it
	// was queued. res.Err says why. Every op queued gets exactly one of
	// the two calls.
	OnFail func(op edusphere.ChatOp, tag any, res edusphere.ChatResult)
}

// Stats counts a Writer's work so far, and what it holds now.
type Stats struct {
	Batches int64 // CommitChat calls
	Ops     int64 // ops committed or failed in them
	Queued  int   // ops waiting in the queues now
	Taken   int   // ops taken into a batch and not yet answered now
}

// Writer commits submitted chat ops in groups. Make one with New.
type Writer struct {
	store  Store
	cfg    Config
	seed   maphash.Seed
	shards []*shard

	mu     sync.RWMutex // held for reading by Submit while it enqueues
	closed bool
	stop   chan struct{} // closed by Close
	wg     sync.WaitGroup

	batches, ops, taken atomic.Int64
}

// shard is one queue and the goroutine committing from it.
type shard struct {
	queue chan *request
}

// request is one submitted op waiting for its answer.
type request struct {
	ctx  context.Context
	op   edusphere.ChatOp
	tag  any
	done chan edusphere.ChatResult // buffered: the writer never blocks on it; nil for Enqueue
}

// New returns a Writer committing through store, with its shards' goroutines
// running until Close.
func New(store Store, cfg Config) *Writer {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Shards <= 0 {
		cfg.Shards = 1
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 4 * cfg.MaxBatch
	}
	if cfg.CommitTimeout <= 0 {
		cfg.CommitTimeout = DefaultCommitTimeout
	}
	w := &Writer{store: store, cfg: cfg, seed: maphash.MakeSeed(), stop: make(chan struct{})}
	for range cfg.Shards {
		s := &shard{queue: make(chan *request, cfg.QueueSize)}
		w.shards = append(w.shards, s)
		w.wg.Go(func() { w.run(s) })
	}
	return w
}

// Submit queues op, waits for its commit and returns its result, whose Err
// is the op's own error (see edusphere.ChatOp). tag goes to OnCommit as it
// is. The error is ErrClosed after Close, or ctx's error when ctx ended
// first: if that happened while the op was queued and not yet taken into a
// batch, the op is dropped; once taken, it commits or fails regardless,
// and OnCommit still reports a commit.
func (w *Writer) Submit(ctx context.Context, op edusphere.ChatOp, tag any) (edusphere.ChatResult, error) {
	req := &request{ctx: ctx, op: op, tag: tag, done: make(chan edusphere.ChatResult, 1)}
	if err := w.enqueue(req); err != nil {
		return edusphere.ChatResult{}, err
	}
	select {
	case res := <-req.done:
		return res, nil
	case <-ctx.Done():
		return edusphere.ChatResult{}, ctx.Err()
	}
}

// Enqueue queues op like Submit and returns once it is queued, without
// waiting for its commit, so that one submitter can have several ops in the
// writer; ops queued one after the other for one room commit in that order.
// Its result reaches OnCommit or OnFail alone. It waits only while the
// op's shard's queue is full. The error is ErrClosed after Close, or
// ctx's error when ctx ended before the op was queued; the callbacks then
// never see the op.
func (w *Writer) Enqueue(ctx context.Context, op edusphere.ChatOp, tag any) error {
	return w.enqueue(&request{ctx: ctx, op: op, tag: tag})
}

func (w *Writer) enqueue(req *request) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	s := w.shards[0]
	if len(w.shards) > 1 {
		s = w.shards[maphash.Comparable(w.seed, req.op.RoomID)%uint64(len(w.shards))]
	}
	select {
	case s.queue <- req:
		return nil
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
}

// Close stops taking ops, commits those already queued, and returns once
// every submitted op has its answer.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.stop)
	w.mu.Unlock()
	w.wg.Wait()
	return nil
}

// Stats returns the counts so far.
func (w *Writer) Stats() Stats {
	st := Stats{Batches: w.batches.Load(), Ops: w.ops.Load(), Taken: int(w.taken.Load())}
	for _, s := range w.shards {
		st.Queued += len(s.queue)
	}
	return st
}

// run commits batches from s until Close, then what is left in its queue.
func (w *Writer) run(s *shard) {
	batch := make([]*request, 0, w.cfg.MaxBatch)
	for {
		var first *request
		select {
		case first = <-s.queue:
		case <-w.stop:
			select {
			case first = <-s.queue:
			default:
				return
			}
		}
		w.taken.Add(1)
		batch = append(batch[:0], first)
		batch = w.fill(s, batch)
		w.commit(batch)
		clear(batch)
	}
}

// fill adds to batch what s has queued, up to MaxBatch, waiting up to
// MaxWait for more when that is set.
func (w *Writer) fill(s *shard, batch []*request) []*request {
drain:
	for len(batch) < w.cfg.MaxBatch {
		select {
		case r := <-s.queue:
			w.taken.Add(1)
			batch = append(batch, r)
		default:
			break drain
		}
	}
	if w.cfg.MaxWait <= 0 || len(batch) >= w.cfg.MaxBatch {
		return batch
	}
	timer := time.NewTimer(w.cfg.MaxWait)
	defer timer.Stop()
	for len(batch) < w.cfg.MaxBatch {
		select {
		case r := <-s.queue:
			w.taken.Add(1)
			batch = append(batch, r)
		case <-timer.C:
			return batch
		case <-w.stop:
			return batch
		}
	}
	return batch
}

// commit runs one batch: ops whose submitter gave up while queued are
// dropped, the rest go to CommitChat, and each gets its answer after
// OnCommit has seen the committed ones.
func (w *Writer) commit(batch []*request) {
	live := make([]*request, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			w.answer(r, edusphere.ChatResult{Err: err})
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ops := make([]edusphere.ChatOp, len(live))
	for i, r := range live {
		ops[i] = r.op
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.CommitTimeout)
	results := w.store.CommitChat(ctx, ops)
	cancel()
	w.batches.Add(1)
	w.ops.Add(int64(len(ops)))
	for i, r := range live {
		var res edusphere.ChatResult
		if i < len(results) {
			res = results[i]
		} else {
			res.Err = fmt.Errorf("groupcommit: store gave %d results for %d ops", len(results), len(ops))
		}
		w.answer(r, res)
	}
}

// answer hands r's result to OnCommit or OnFail, then to its submitter;
// the channel's buffer means it never waits.
func (w *Writer) answer(r *request, res edusphere.ChatResult) {
	switch {
	case res.Err == nil && w.cfg.OnCommit != nil:
		w.cfg.OnCommit(r.op, r.tag, res)
	case res.Err != nil && w.cfg.OnFail != nil:
		w.cfg.OnFail(r.op, r.tag, res)
	}
	w.taken.Add(-1)
	if r.done != nil {
		r.done <- res
	}
}
