package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
	"github.com/jackc/pgx/v5"
)

// BenchmarkSearch seeds a database with 1,000,000 messages with SQL (the
// tsvector column and its GIN index filled as live writes fill them) and
// measures searches: go test -run '^$' -bench Search -benchtime 20x ./postgres/
func BenchmarkSearch(b *testing.B) {
	dsn := testdb.PostgresDSN(b)
	h := testdb.OpenPostgres(b, dsn)
	storetest.BenchSearch(b, h.Store(), searchBenchSize(), func(s storetest.SearchSeed) error {
		start := time.Now()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq)
			SELECT gen_random_uuid(), ($2::uuid[])[1 + i % $4], ($1::uuid[])[1 + i % $3],
				format('message %s about topic%s with word%s common', i, i % 97, i % 10000), false,
				to_timestamp(1700000000 + i / 1000.0), to_timestamp(1700000000 + i / 1000.0), i / $3 + 1, i / $3 + 1
			FROM generate_series(0, $5 - 1) AS i`, s.Rooms, s.Users, len(s.Rooms), len(s.Users), s.N)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `UPDATE edusphere_room_seq r SET seq = x.seq, last_created = x.created
			FROM (SELECT room_id, max(seq) AS seq, max(created) AS created FROM core_message GROUP BY room_id) x
			WHERE r.room_id = x.room_id`); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
			return err
		}
		b.Logf("postgres: seeded %d messages in %v", s.N, time.Since(start).Round(time.Millisecond))
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
