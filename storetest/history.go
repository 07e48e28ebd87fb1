package storetest

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testHistory(t *testing.T, open opener) {
	t.Run("Pages", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		other := e.room(t, host, "Other", "Go")
		res := e.commit(t, creates(r, host, "m", 25)...)
		e.commit(t, creates(other, host, "o", 3)...)
		ids := make([]uuid.UUID, len(res))
		for i, x := range res {
			ids[i] = x.Message.ID
		}
		var before *uuid.UUID
		for _, want := range []struct {
			from, to int
			more     bool
		}{{15, 25, true}, {5, 15, true}, {0, 5, false}} {
			page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID, Before: before, Last: 10})
			mustOK(t, "FindHistory", err)
			wantIDs(t, "page", messageIDs(page.Messages), ids[want.from:want.to])
			if page.HasMore != want.more || page.Seq != 25 {
				t.Fatalf("page HasMore=%v Seq=%d, want %v, 25", page.HasMore, page.Seq, want.more)
			}
			if want.more && page.Next != ids[want.from] || !want.more && page.Next != uuid.Nil {
				t.Fatalf("page Next=%v, want the oldest message's id when more", page.Next)
			}
			before = &page.Next
		}
		t.Run("DefaultSize", func(t *testing.T) {
			page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID})
			mustOK(t, "FindHistory", err)
			if len(page.Messages) != 25 || page.HasMore {
				t.Fatalf("page of %d, HasMore %v, want all 25 within the default size", len(page.Messages), page.HasMore)
			}
		})
		t.Run("EmptyRoom", func(t *testing.T) {
			empty := e.room(t, host, "Empty", "Go")
			page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: empty.ID})
			mustOK(t, "FindHistory", err)
			if len(page.Messages) != 0 || page.HasMore || page.Seq != 0 {
				t.Fatalf("page=%+v, want empty", page)
			}
		})
		t.Run("DeletedCursor", func(t *testing.T) {
			mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, ids[10]))
			page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID, Before: &ids[10], Last: 3})
			mustOK(t, "FindHistory", err)
			wantIDs(t, "page", messageIDs(page.Messages), ids[7:10])
		})
		for _, tt := range []struct {
			name string
			q    edusphere.HistoryQuery
			code string
			msg  string
		}{
			{"ErrCursorInOtherRoom", edusphere.HistoryQuery{RoomID: other.ID, Before: &ids[3]}, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound},
			{"ErrUnknownCursor", edusphere.HistoryQuery{RoomID: r.ID, Before: ptr(uuid.New())}, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound},
			{"ErrUnknownRoom", edusphere.HistoryQuery{RoomID: uuid.New()}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
			{"ErrLastNegative", edusphere.HistoryQuery{RoomID: r.ID, Last: -1}, edusphere.EINVALID, ""},
			{"ErrLastTooHigh", edusphere.HistoryQuery{RoomID: r.ID, Last: edusphere.MaxHistoryPage + 1}, edusphere.EINVALID, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.s.Messages.FindHistory(e.ctx, tt.q)
				wantErr(t, err, tt.code, tt.msg)
			})
		}
	})

	t.Run("StableUnderWrites", func(t *testing.T) {
		// While others post and delete, a reader walks the history back
		// from the newest page. Each message that was there when the walk
		// began and is not deleted during it appears exactly once, pages
		// never overlap, and nothing newer than the first page slips in.
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		res := e.commit(t, creates(r, host, "m", 300)...)
		deleted := make(map[uuid.UUID]bool)
		var mu sync.Mutex
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; !stop.Load() && i < 200; i++ {
				victim := res[rng.IntN(len(res))].Message.ID
				mu.Lock()
				deleted[victim] = true // marked first: the reader may miss it from now on
				mu.Unlock()
				out := e.s.Messages.CommitChat(e.ctx, []edusphere.ChatOp{
					{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: host.ID, Body: "new"},
					{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: host.ID, MessageID: victim},
				})
				if out[0].Err != nil {
					t.Errorf("CommitChat: %v", out[0].Err)
					return
				}
			}
		})
		seen := make(map[uuid.UUID]bool)
		var before *uuid.UUID
		var firstSeq, lastCreated int64
		for pages := 0; ; pages++ {
			page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID, Before: before, Last: 7})
			if err != nil {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("FindHistory page %d: %v", pages, err)
			}
			if pages == 0 {
				firstSeq = page.Seq
				lastCreated = page.Messages[len(page.Messages)-1].CreatedSeq + 1
			}
			for i := len(page.Messages) - 1; i >= 0; i-- { // newest first
				m := page.Messages[i]
				if seen[m.ID] || m.CreatedSeq >= lastCreated || m.CreatedSeq > firstSeq {
					stop.Store(true)
					wg.Wait()
					t.Fatalf("page %d: message %d out of order or repeated", pages, m.CreatedSeq)
				}
				seen[m.ID] = true
				lastCreated = m.CreatedSeq
			}
			if !page.HasMore {
				break
			}
			before = &page.Next
		}
		stop.Store(true)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, x := range res {
			if !seen[x.Message.ID] && !deleted[x.Message.ID] {
				t.Fatalf("message %d never appeared and was not deleted", x.Message.CreatedSeq)
			}
		}
	})
}
