package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// CheckpointInterval is how often the checkpointer copies the write-ahead
// log into the database file (docs/data.md, "SQLite checkpoints").
const CheckpointInterval = 200 * time.Millisecond

// restartFrames is the log length (in pages) past which a checkpoint also
// starts the log over. A passive checkpoint never catches up with a
// writer that keeps writing, and the log only starts over once all of it
// is copied: past this length the checkpointer holds new writes back
// until it has copied the little the passive run left.
const restartFrames = 2000

// CheckpointStats tells what the checkpointer has done.
type CheckpointStats struct {
	Runs     int64 // checkpoints run
	Restarts int64 // of them, restarting ones
	// Log and Checkpointed are the last run's frames in the log and
	// frames of it in the database file: equal when it caught up.
	Log, Checkpointed int64
	Err               error // the last run's error
}

// checkpointer runs checkpoints on a connection of its own. The writer's
// automatic checkpoint is off: it would copy the log and sync the
// database file inside a commit, stalling every chat write queued behind
// it, once per thousand pages of log. A passive checkpoint waits for no
// reader or writer; when the log has grown past restartFrames, a
// restarting one follows it, which waits for the writer to finish, holds
// new writes back while it copies what is left, and has the next write
// start the log over, so the log stays short under any load.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	stats CheckpointStats
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(every)
	return c
}

func (c *checkpointer) run(every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if log := c.checkpoint("PASSIVE"); log > restartFrames {
				c.checkpoint("RESTART")
			}
		}
	}
}

// checkpoint runs one checkpoint of mode, records its outcome and returns
// the log's length in pages.
func (c *checkpointer) checkpoint(mode string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, log, done int64
	err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &log, &done)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Runs++
	c.stats.Log, c.stats.Checkpointed, c.stats.Err = log, done, err
	if mode != "PASSIVE" {
		c.stats.Restarts++
	}
	return log
}

// close stops the loop and closes its connection. The last connection of
// the database to close checkpoints what is left.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

func (c *checkpointer) Stats() CheckpointStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}
