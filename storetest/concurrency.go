package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testConcurrency(t *testing.T, open opener) {
	t.Run("ReadersAndWriters", func(t *testing.T) {
		// Reads running while writes commit must neither fail nor block
		// for good: every operation here must succeed.
		e := newEnv(t, open)
		host := e.user(t, "host")
		room := e.room(t, host, "Busy", "Go")
		const writers, readers, perWriter = 4, 4, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*perWriter+readers*perWriter*2)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					m := &edusphere.Message{RoomID: room.ID, UserID: host.ID, Body: fmt.Sprintf("w%d-%d", w, i)}
					if err := e.s.Messages.CreateMessage(e.ctx, m); err != nil {
						errs <- fmt.Errorf("CreateMessage: %w", err)
					}
				}
			}()
		}
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perWriter {
					if _, _, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &room.ID}); err != nil {
						errs <- fmt.Errorf("FindMessages: %w", err)
					}
					if _, _, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{}); err != nil {
						errs <- fmt.Errorf("FindRooms: %w", err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent operation failed: %v", err)
		}
		_, n, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &room.ID})
		mustOK(t, "FindMessages", err)
		wantTotal(t, n, writers*perWriter)
	})

	t.Run("SameUsername", func(t *testing.T) {
		e := newEnv(t, open)
		const racers = 4
		var wg sync.WaitGroup
		errs := make([]error, racers)
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				u := &edusphere.User{Username: "Same", Name: "Same", Email: fmt.Sprintf("same%d@example.com", i), IsActive: true}
				errs[i] = e.s.Users.CreateUser(e.ctx, u)
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else {
				wantErr(t, err, edusphere.ECONFLICT, repr("username", edusphere.MsgUsernameTaken))
			}
		}
		if wins != 1 {
			t.Fatalf("%d creations succeeded, want exactly 1", wins)
		}
	})

	t.Run("JoinTwiceAtOnce", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		guest := e.user(t, "guest")
		room := e.room(t, host, "Joinable", "Go")
		const racers = 4
		var wg sync.WaitGroup
		errs := make([]error, racers)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.s.Rooms.JoinRoom(e.ctx, room.ID, guest.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			mustOK(t, "JoinRoom", err)
		}
		got, err := e.s.Rooms.FindParticipants(e.ctx, []uuid.UUID{room.ID})
		mustOK(t, "FindParticipants", err)
		if n := len(got[room.ID]); n != 2 {
			t.Fatalf("participants=%d, want 2", n)
		}
	})
}
