package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/sqlite"
)

// TestMain_Backup backs up the database of a running server while its
// users chat, then opens the copy; the command's refusals are one line.
func TestMain_Backup(t *testing.T) {
	env := testEnv(t, "REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0", "WS_RATE_LIMIT", "0")
	m := MustRunMain(t, env)
	c := newClient(t, m.URL())
	ws := chatSession(t, c, m.URL(), "keeper@example.com", "keeper", "correct horse battery", "Kept Room", "first")

	// Chat goes on during the backup.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var sent atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if ws.Write(ctx, websocket.MessageText, []byte(`{"type":"text","message":"during"}`)) != nil {
				return
			}
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
			sent.Add(1)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); sent.Load() < 5 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}

	file := filepath.Join(t.TempDir(), "edusphere-backup.db")
	b, out, stderr := newMain(env, "")
	code := b.Exec(context.Background(), []string{"backup", file})
	close(stop)
	<-done
	if code != ExitOK || !strings.Contains(out.String(), "Backed up") {
		t.Fatalf("backup exit=%d stdout=%q stderr=%q, want 0 and the summary", code, out, stderr)
	}

	db := sqlite.NewDB(file)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	room, err := db.Services().Rooms.FindRoomBySlug(context.Background(), "keeper", "kept-room")
	if err != nil {
		t.Fatalf("copy: FindRoomBySlug=%v, want the room", err)
	}
	msgs, _, err := db.Services().Messages.FindMessages(context.Background(), edusphere.MessageFilter{RoomID: &room.ID})
	if err != nil || len(msgs) == 0 || msgs[0].Body != "first" {
		t.Fatalf("copy: messages=%d err=%v, want the first message and more", len(msgs), err)
	}

	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"ErrExists", env, []string{"backup", file}, ExitFailure, "already exists"},
		{"ErrNoFile", env, []string{"backup"}, ExitUsage, "backup: want one argument"},
		{"ErrNoDatabase", testEnv(t), []string{"backup", file + "2"}, ExitFailure, "no database at"},
		{"ErrPostgres", testEnv(t, "DATABASE_URL", "postgres://u:hunter2@db.example/edu"), []string{"backup", "x.dump"}, ExitFailure,
			`back it up with pg_dump, for example pg_dump --format=custom --file="x.dump" "postgres://u:xxxxx@db.example/edu"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, stderr := newMain(tt.env, "")
			if code := m.Exec(context.Background(), tt.args); code != tt.code {
				t.Fatalf("exit=%d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if first, _, _ := strings.Cut(stderr.String(), "\n"); !strings.Contains(stderr.String(), tt.stderr) || strings.Contains(stderr.String(), "hunter2") {
				t.Fatalf("stderr=%q (first line %q), want %q and no password", stderr, first, tt.stderr)
			}
		})
	}
}
