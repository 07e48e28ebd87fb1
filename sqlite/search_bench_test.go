package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkSearch seeds a database file with 1,000,000 messages with SQL
// (the FTS index filled by the triggers, as live writes fill it) and
// measures searches: go test -run '^$' -bench Search -benchtime 20x ./sqlite/
func BenchmarkSearch(b *testing.B) {
	path := filepath.Join(b.TempDir(), "search.db")
	h := testdb.OpenSQLite(b, path)
	storetest.BenchSearch(b, h.Store(), searchBenchSize(), func(s storetest.SearchSeed) error {
		start := time.Now()
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(60000)")
		if err != nil {
			return err
		}
		defer db.Close()
		rooms, _ := json.Marshal(s.Rooms)
		users, _ := json.Marshal(s.Users)
		ctx := context.Background()
		stmts := []struct {
			q    string
			args []any
		}{
			{`CREATE TEMP TABLE seed_room AS SELECT key AS k, value AS id FROM json_each(?)`, []any{string(rooms)}},
			{`CREATE TEMP TABLE seed_user AS SELECT key AS k, value AS id FROM json_each(?)`, []any{string(users)}},
			{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3)
			INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq)
			SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
				(SELECT id FROM seed_user WHERE k = i % ?5), (SELECT id FROM seed_room WHERE k = i % ?4),
				printf('message %d about topic%d with word%d common', i, i % 97, i % 10000), 0,
				strftime('%Y-%m-%dT%H:%M:%f000Z', 1700000000 + i / 1000.0, 'unixepoch'),
				strftime('%Y-%m-%dT%H:%M:%f000Z', 1700000000 + i / 1000.0, 'unixepoch'),
				i / ?4 + 1, i / ?4 + 1
			FROM (SELECT i, hex(randomblob(16)) AS h FROM n)`, []any{nil, nil, s.N, len(s.Rooms), len(s.Users)}},
			{`UPDATE edusphere_room_seq SET seq = (SELECT max(seq) FROM core_message m WHERE m.room_id = edusphere_room_seq.room_id),
				last_created = (SELECT max(created) FROM core_message m WHERE m.room_id = edusphere_room_seq.room_id)
			WHERE room_id IN (SELECT id FROM seed_room)`, nil},
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		b.Logf("sqlite: seeded %d messages in %v", s.N, time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// searchBenchSize is storetest.BigRoom, or EDUSPHERE_SEARCH_BENCH_SIZE.
func searchBenchSize() int {
	if n, err := strconv.Atoi(os.Getenv("EDUSPHERE_SEARCH_BENCH_SIZE")); err == nil && n > 0 {
		return n
	}
	return storetest.BigRoom
}
