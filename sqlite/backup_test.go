package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/testdb"
)

// TestDB_Backup copies a live database while writers go on, then opens the
// copy: it is whole, consistent (every stored count matches its rows) and
// holds at least everything committed before the backup began.
func TestDB_Backup(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(dir, "live.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Services()
	room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{Name: "Live", TopicName: "Ops"})
	for range 50 {
		testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: room.HostID, Body: "before"})
	}

	// Writers run through the whole backup: messages, and users joining
	// the room (which moves the stored participant count).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if i%5 == 0 {
					u := &edusphere.User{Email: testdb.RandomHex(6) + "@example.com", Username: "u" + testdb.RandomHex(6), Name: "U", IsActive: true}
					if err := s.Users.CreateUser(ctx, u); err != nil {
						t.Errorf("writer %d: CreateUser=%v", w, err)
						return
					}
					if _, err := s.Rooms.JoinRoom(ctx, room.ID, u.ID); err != nil {
						t.Errorf("writer %d: JoinRoom=%v", w, err)
						return
					}
				}
				if err := s.Messages.CreateMessage(ctx, &edusphere.Message{RoomID: room.ID, UserID: room.HostID, Body: "during"}); err != nil {
					t.Errorf("writer %d: CreateMessage=%v", w, err)
					return
				}
				written.Add(1)
			}
		}()
	}
	// Let the writers get going, bounded in time on a slow machine.
	for deadline := time.Now().Add(10 * time.Second); written.Load() < 20 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	copyPath := filepath.Join(dir, "copy.db")
	err := db.Backup(ctx, copyPath)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup=%v, want nil", err)
	}
	if written.Load() == 0 {
		t.Fatalf("no write ran during the backup")
	}

	cp := testdb.OpenSQLite(t, copyPath)
	got, err := cp.Services.Rooms.FindRoomByID(ctx, room.ID)
	if err != nil {
		t.Fatalf("copy: FindRoomByID=%v, want the room", err)
	}
	users, _, err := cp.Services.Users.FindUsers(ctx, edusphere.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The stored count changes in the same transaction as the participant
	// rows: in a torn copy they would disagree.
	joined := 0
	for _, u := range users {
		ok, err := cp.Services.Rooms.IsParticipant(ctx, room.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			joined++
		}
	}
	if got.ParticipantCount != joined || joined < 1 {
		t.Fatalf("copy: ParticipantCount=%d with %d participant rows, want equal", got.ParticipantCount, joined)
	}
	msgs, _, err := cp.Services.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, m := range msgs {
		if m.Body == "before" {
			before++
		}
	}
	if before != 50 {
		t.Fatalf("copy: %d messages from before the backup, want 50", before)
	}
	live, _, _ := s.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
	if len(msgs) > len(live) {
		t.Fatalf("copy has %d messages, the live database %d", len(msgs), len(live))
	}
	t.Logf("copy holds %d of %d messages; %d written during the run", len(msgs), len(live), written.Load())

	t.Run("ErrExists", func(t *testing.T) {
		err := db.Backup(ctx, copyPath)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("Backup over an existing file=%v, want an error", err)
		}
	})
	t.Run("ErrNoDirectory", func(t *testing.T) {
		if err := db.Backup(ctx, filepath.Join(dir, "missing", "x.db")); err == nil {
			t.Fatalf("Backup into a missing directory=nil, want an error")
		}
	})
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".partial-") {
			t.Fatalf("leftover temporary file %s", e.Name())
		}
	}
}
