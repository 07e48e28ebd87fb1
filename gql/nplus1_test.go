package gql_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// TestNoNPlusOne checks that the rooms query with hosts, topics and
// participants costs the same number of SQL statements for 5 rooms as for
// 500: every per-room lookup is batched.
func TestNoNPlusOne(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		counts := map[int]int64{}
		for _, n := range []int{5, 500} {
			var hh *testdb.Handle
			if h.Kind == "sqlite" {
				hh = testdb.SQLite(t)
			} else {
				hh = testdb.Postgres(t)
			}
			ctx := context.Background()
			users := make([]*edusphere.User, 10)
			for i := range users {
				users[i] = testdb.MustCreateUser(t, ctx, hh.Services, &edusphere.User{
					Email: fmt.Sprintf("u%d@example.com", i), Username: fmt.Sprintf("u%d", i), Name: "U", IsActive: true})
			}
			for i := 0; i < n; i++ {
				room := testdb.MustCreateRoom(t, ctx, hh.Services, edusphere.RoomCreate{
					HostID: users[i%len(users)].ID, Name: fmt.Sprintf("Room %d", i), TopicName: []string{"Go", "Rust", "Math"}[i%3]})
				if _, err := hh.Services.Rooms.JoinRoom(ctx, room.ID, users[(i+1)%len(users)].ID); err != nil {
					t.Fatal(err)
				}
			}
			srv := newServer(t, hh)
			c := srv.client(t)
			q := `{ rooms { name host { username } topic { name } participants { username } } }`
			c.do(q, nil).noErrors(t) // warm the query cache
			before := hh.StatementCount()
			r := c.do(q, nil).noErrors(t)
			counts[n] = hh.StatementCount() - before
			if got := len(names(t, r, "rooms")); got != n {
				t.Fatalf("rooms=%d, want %d", got, n)
			}
		}
		if counts[5] != counts[500] {
			t.Fatalf("statements for 5 rooms=%d, for 500=%d, want equal", counts[5], counts[500])
		}
	})
}
