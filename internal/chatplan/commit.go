package chatplan

import (
	"context"

	"github.com/edusphere/edusphere"
)

// CommitFunc applies ops in one transaction. It returns one result per op
// when the transaction committed (ops may still fail alone, with their own
// errors), or the error that failed the whole transaction, in which case
// nothing was stored.
type CommitFunc func(ctx context.Context, ops []Op) ([]edusphere.ChatResult, error)

// Commit applies ops with commit and returns one result per op, in op
// order. When a transaction fails as a whole, its ops are retried in two
// halves, each its own transaction and the first committed first, down to
// single ops; a single op whose transaction fails gets that error as its
// result, after one more try when the error is not a domain error (a
// deadlock, a lost connection). So one op that breaks its transaction
// costs its neighbours a few more transactions and nothing else, and the
// order of the sequence numbers stays the order of ops. Once ctx is done,
// the ops not yet committed fail with its error.
func Commit(ctx context.Context, ops []Op, commit CommitFunc) []edusphere.ChatResult {
	out := make([]edusphere.ChatResult, 0, len(ops))
	var run func(ops []Op)
	run = func(ops []Op) {
		if len(ops) == 0 {
			return
		}
		for attempt := 0; ; attempt++ {
			if err := ctx.Err(); err != nil {
				for range ops {
					out = append(out, edusphere.ChatResult{Err: err})
				}
				return
			}
			res, err := commit(ctx, ops)
			if err == nil {
				out = append(out, res...)
				return
			}
			if len(ops) > 1 {
				half := len(ops) / 2
				run(ops[:half])
				run(ops[half:])
				return
			}
			if attempt > 0 || edusphere.ErrorCode(err) != edusphere.EINTERNAL || ctx.Err() != nil {
				out = append(out, edusphere.ChatResult{Err: err})
				return
			}
		}
	}
	run(ops)
	return out
}
