package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// SearchBenchRooms is how many rooms the search benchmark spreads its
// messages over; the searcher takes part in the first half.
const SearchBenchRooms = 50

// SearchBenchBody is the body of seeded message i, as the stores' seeding
// SQL writes it: "message <i> about topic<i%97> with word<i%10000> common".
// Every message has "common"; "word1210" is in one message of 10,000, all in rooms the searcher takes part in.
func SearchBenchBody(i int) string {
	return fmt.Sprintf("message %d about topic%d with word%d common", i, i%97, i%10000)
}

// SearchSeed is what a store's seeding SQL needs: the rooms (message i is
// in Rooms[i%len(Rooms)]) and the authors (Users[i%len(Users)]).
type SearchSeed struct {
	N     int
	Rooms []uuid.UUID
	Users []uuid.UUID
}

// BenchSearch seeds h through seed with n messages and measures searches
// of the searcher, who takes part in half the rooms: a rare word, two
// words, a word in every message (the worst case: every match is read and
// sorted), a two-letter prefix, and the second page of the worst case.
func BenchSearch(b *testing.B, h *Store, n int, seed func(SearchSeed) error) {
	ctx := context.Background()
	s := SearchSeed{N: n}
	var users []*edusphere.User
	for range 20 {
		u := MustCreateUser(b, ctx, h.Services, nil)
		users = append(users, u)
		s.Users = append(s.Users, u.ID)
	}
	searcher := users[0]
	for i := range SearchBenchRooms {
		r := MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: users[1+i%19].ID})
		s.Rooms = append(s.Rooms, r.ID)
		if i < SearchBenchRooms/2 {
			if _, err := h.Services.Rooms.JoinRoom(ctx, r.ID, searcher.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
	// A loner takes part only in a room of their own, without messages:
	// every match of their search is in other people's rooms.
	loner := MustCreateUser(b, ctx, h.Services, nil)
	MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: loner.ID})
	if err := seed(s); err != nil {
		b.Fatalf("seed: %v", err)
	}
	search := func(b *testing.B, query string, after *edusphere.SearchCursor) *edusphere.SearchPage {
		terms, err := edusphere.SearchTerms(query)
		if err != nil {
			b.Fatal(err)
		}
		p, err := h.Services.Search.SearchMessages(ctx, edusphere.SearchQuery{UserID: searcher.ID, Terms: terms, First: 20, After: after})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ name, query string }{
		{"RareWord", "word1210"},
		{"TwoWords", "topic46 word1210"},
		{"EveryMessage", "common"},
		{"TwoLetterPrefix", "wo"},
		{"OnlyOthersRooms", "word1234"}, // 100 matches, none in the searcher's rooms
	} {
		b.Run(tc.name, func(b *testing.B) {
			hits := 0
			for b.Loop() {
				hits = len(search(b, tc.query, nil).Hits)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
	b.Run("EveryMessageNoneVisible", func(b *testing.B) {
		terms, _ := edusphere.SearchTerms("common")
		for b.Loop() {
			p, err := h.Services.Search.SearchMessages(ctx, edusphere.SearchQuery{UserID: loner.ID, Terms: terms, First: 20})
			if err != nil || len(p.Hits) != 0 {
				b.Fatalf("loner's search=%v, %v; want nothing", p, err)
			}
		}
	})
	b.Run("EveryMessagePage2", func(b *testing.B) {
		p := search(b, "common", nil)
		c, err := edusphere.ParseSearchCursor(*p.EndCursor)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			search(b, "common", c)
		}
	})
}
