// Package groupcommit is the chat write path's group commit: many
// goroutines submit chat ops (new, edit, delete) to a Writer, which commits
// whatever is waiting in one transaction through the store's CommitChat,
// calls OnCommit for each committed op in commit order, and answers each
// submitter with its op's own result.
//
// Batches form by themselves: an idle writer commits the first op at once,
// and the ops that queue while a commit runs make the next batch, so a
// batch is as large as the load makes it (up to MaxBatch) and low load
// pays no added latency. MaxWait can trade latency for larger batches.
// Ops of one room always go to the same shard's queue, so a room's ops
// commit in the order they were submitted. See docs/data.md, "Group
// commit".
package groupcommit
