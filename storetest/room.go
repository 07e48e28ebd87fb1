package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testRooms(t *testing.T, open opener) {
	t.Run("CreateOK", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		e.h.Clock.Set(epoch)
		r, err := e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{
			HostID: host.ID, Name: "Padded  Room 42", TopicName: "Go", Description: "  about go  "})
		mustOK(t, "CreateRoom", err)
		if r.ID == uuid.Nil || r.Slug != "padded-room-42" || r.HostID != host.ID || r.TopicID == 0 ||
			r.Description != "  about go  " || r.ParticipantCount != 1 {
			t.Fatalf("CreateRoom=%+v", r)
		}
		wantTime(t, "Created", r.Created, epochUS)
		wantTime(t, "Updated", r.Updated, epochUS)
		got, err := e.s.Rooms.FindRoomBySlug(e.ctx, "host", "padded-room-42")
		mustOK(t, "FindRoomBySlug", err)
		if got.ID != r.ID || got.Name != "Padded  Room 42" || got.TopicID != r.TopicID ||
			got.Description != r.Description || got.ParticipantCount != 1 {
			t.Fatalf("FindRoomBySlug=%+v, want %+v", got, r)
		}
		wantTime(t, "Created", got.Created, epochUS)
		wantTime(t, "Updated", got.Updated, epochUS)
		ok, err := e.s.Rooms.IsParticipant(e.ctx, r.ID, host.ID)
		mustOK(t, "IsParticipant", err)
		if !ok {
			t.Fatalf("IsParticipant(host)=false, want true")
		}
		topic, err := e.s.Topics.FindTopicByID(e.ctx, r.TopicID)
		mustOK(t, "FindTopicByID", err)
		if topic.Name != "Go" || topic.RoomCount != 1 {
			t.Fatalf("FindTopicByID=%+v, want Go with 1 room", topic)
		}
	})

	t.Run("FindBySlugExact", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		e.room(t, host, "Room A", "Go")
		for _, tt := range []struct{ name, host, slug string }{
			{"ErrSlugCase", "host", "Room-A"},
			{"ErrHostCase", "HOST", "room-a"},
			{"ErrUnknownHost", "nobody", "room-a"},
			{"ErrUnknownSlug", "host", "room-b"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.s.Rooms.FindRoomBySlug(e.ctx, tt.host, tt.slug)
				wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
			})
		}
		_, err := e.s.Rooms.FindRoomByID(e.ctx, uuid.New())
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
	})

	// FindRoomForUser answers a chat handshake's two questions at once:
	// which room the path names, and whether the user takes part in it.
	t.Run("FindRoomForUser", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		guest := e.user(t, "guest")
		other := e.user(t, "other")
		r := e.room(t, host, "Room A", "Go")
		_, err := e.s.Rooms.JoinRoom(e.ctx, r.ID, guest.ID)
		mustOK(t, "JoinRoom", err)
		for _, tt := range []struct {
			name, host, slug string
			user             uuid.UUID
			member           bool
		}{
			{"Host", "host", "room-a", host.ID, true},
			{"Joined", "host", "room-a", guest.ID, true},
			{"NotJoined", "host", "room-a", other.ID, false},
			{"UnknownUser", "host", "room-a", uuid.New(), false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, member, err := e.s.Rooms.FindRoomForUser(e.ctx, tt.host, tt.slug, tt.user)
				mustOK(t, "FindRoomForUser", err)
				if got.ID != r.ID || got.Name != "Room A" || got.ParticipantCount != 2 || member != tt.member {
					t.Fatalf("FindRoomForUser=%+v, %v; want room %s with 2 participants, %v", got, member, r.ID, tt.member)
				}
			})
		}
		for _, tt := range []struct{ name, host, slug string }{
			{"ErrUnknownHost", "nobody", "room-a"},
			{"ErrUnknownSlug", "host", "room-b"},
			{"ErrSlugCase", "host", "Room-A"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := e.s.Rooms.FindRoomForUser(e.ctx, tt.host, tt.slug, host.ID)
				wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
			})
		}
	})

	t.Run("Slugs", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		first := e.room(t, ann, "Room A", "Go")
		// Another name of the same host with the same base slug gets a suffix.
		second := e.room(t, ann, "Room  a", "Go")
		third := e.room(t, ann, "room   A", "Go")
		// Another host may use the same slug.
		bobs := e.room(t, bob, "ROOM A", "Go")
		if first.Slug != "room-a" || bobs.Slug != "room-a" {
			t.Fatalf("Slugs=%q, %q, want room-a for both hosts", first.Slug, bobs.Slug)
		}
		re := slugSuffixRe("room-a")
		if !re.MatchString(second.Slug) || !re.MatchString(third.Slug) || second.Slug == third.Slug {
			t.Fatalf("Slugs=%q, %q, want distinct matches of %s", second.Slug, third.Slug, re)
		}
		got, err := e.s.Rooms.FindRoomBySlug(e.ctx, "ann", second.Slug)
		mustOK(t, "FindRoomBySlug", err)
		if got.ID != second.ID {
			t.Fatalf("FindRoomBySlug=%v, want %v", got.ID, second.ID)
		}
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		long := strings.Repeat("a", 201)
		for _, tt := range []struct {
			name   string
			create edusphere.RoomCreate
			code   string
			msg    string
		}{
			{"ErrTopicBlank", edusphere.RoomCreate{Name: "Ok"}, edusphere.EINVALID, repr("name", edusphere.MsgBlank)},
			{"ErrTopicLetters", edusphere.RoomCreate{Name: "Ok", TopicName: "C++"}, edusphere.EINVALID,
				repr("__all__", edusphere.MsgTopicLetters)},
			{"ErrTopicBeforeRoom", edusphere.RoomCreate{Name: "bad!", TopicName: "C++"}, edusphere.EINVALID,
				repr("__all__", edusphere.MsgTopicLetters)},
			{"ErrTopicTooLong", edusphere.RoomCreate{Name: "Ok", TopicName: long}, edusphere.EINVALID,
				repr("name", edusphere.MsgMaxLength(200, 201))},
			{"ErrNameBlank", edusphere.RoomCreate{TopicName: "Go"}, edusphere.EINVALID, repr("name", edusphere.MsgBlank)},
			{"ErrNameChars", edusphere.RoomCreate{Name: "bad-name", TopicName: "Go"}, edusphere.EINVALID,
				repr("name", edusphere.MsgRoomNameChars)},
			{"ErrNameTooLong", edusphere.RoomCreate{Name: long, TopicName: "Go"}, edusphere.EINVALID,
				repr("name", edusphere.MsgMaxLength(200, 201))},
			{"ErrNameCharsAndTooLong", edusphere.RoomCreate{Name: long + "!", TopicName: "Go"}, edusphere.EINVALID,
				repr("name", edusphere.MsgRoomNameChars, edusphere.MsgMaxLength(200, 202))},
			{"ErrDescriptionTooLong", edusphere.RoomCreate{Name: "Ok", TopicName: "Go", Description: strings.Repeat("ß", 501)},
				edusphere.EINVALID, repr("description", edusphere.MsgMaxLength(500, 501))},
			{"ErrUnknownHost", edusphere.RoomCreate{HostID: uuid.New(), Name: "Ok", TopicName: "Go"}, edusphere.ENOTFOUND,
				edusphere.MsgUserNotFound},
			{"ErrHostNull", edusphere.RoomCreate{Name: "Ok", TopicName: "Go"}, edusphere.EINVALID, repr("host", edusphere.MsgNull)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, open)
				c := tt.create
				if c.HostID == uuid.Nil && tt.name != "ErrHostNull" {
					c.HostID = e.user(t, "host").ID
				}
				_, err := e.s.Rooms.CreateRoom(e.ctx, c)
				wantErr(t, err, tt.code, tt.msg)
				_, n, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{})
				mustOK(t, "FindRooms", err)
				wantTotal(t, n, 0)
				// The room and the topic are one transaction: no orphan topic.
				_, n, err = e.s.Topics.FindTopics(e.ctx, edusphere.TopicFilter{})
				mustOK(t, "FindTopics", err)
				wantTotal(t, n, 0)
			})
		}
	})

	t.Run("CreateNameTaken", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		e.room(t, ann, "Study Hall", "Go")
		_, err := e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{HostID: ann.ID, Name: "sTUDY hALL", TopicName: "Fresh"})
		wantErr(t, err, edusphere.ECONFLICT, repr("__all__", edusphere.MsgRoomNameTaken))
		_, n, err := e.s.Topics.FindTopics(e.ctx, edusphere.TopicFilter{Name: ptr("Fresh")})
		mustOK(t, "FindTopics", err)
		wantTotal(t, n, 0)
		// Another host may use the name.
		e.room(t, bob, "Study Hall", "Go")
	})

	t.Run("CreateSameNameConcurrently", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		const rounds, racers = 5, 4
		for round := range rounds {
			name := "Race " + string(rune('A'+round))
			var wg sync.WaitGroup
			errs := make([]error, racers)
			start := make(chan struct{})
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					n := name
					if i%2 == 1 {
						n = strings.ToUpper(name)
					}
					_, errs[i] = e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{HostID: host.ID, Name: n, TopicName: "Race"})
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, err := range errs {
				if err == nil {
					wins++
					continue
				}
				wantErr(t, err, edusphere.ECONFLICT, repr("__all__", edusphere.MsgRoomNameTaken))
			}
			if wins != 1 {
				t.Fatalf("round %d: %d creations succeeded, want exactly 1", round, wins)
			}
		}
		_, n, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{HostID: &host.ID})
		mustOK(t, "FindRooms", err)
		wantTotal(t, n, rounds)
	})

	t.Run("Update", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		e.h.Clock.Set(epoch)
		r := e.room(t, host, "Room A", "Go")
		other := e.room(t, host, "Other Room", "Go")
		e.room(t, host, "Taken Base", "Go")
		e.h.Clock.Add(time.Minute)
		later := epochUS.Add(time.Minute)

		t.Run("CaseOnlyRenameKeepsSlug", func(t *testing.T) {
			got, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Name: ptr("ROOM a")})
			mustOK(t, "UpdateRoom", err)
			if got.Name != "ROOM a" || got.Slug != "room-a" {
				t.Fatalf("UpdateRoom=%q %q, want ROOM a with slug room-a", got.Name, got.Slug)
			}
			wantTime(t, "Updated", got.Updated, later)
			wantTime(t, "Created", got.Created, epochUS)
		})
		t.Run("RenameRebuildsSlug", func(t *testing.T) {
			got, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Name: ptr("Fresh Name")})
			mustOK(t, "UpdateRoom", err)
			if got.Slug != "fresh-name" {
				t.Fatalf("Slug=%q, want fresh-name", got.Slug)
			}
			if _, err := e.s.Rooms.FindRoomBySlug(e.ctx, "host", "room-a"); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("FindRoomBySlug(old slug)=%v, want ENOTFOUND", err)
			}
		})
		t.Run("RenameCollidingSlug", func(t *testing.T) {
			got, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Name: ptr("Taken  Base")})
			mustOK(t, "UpdateRoom", err)
			if re := slugSuffixRe("taken-base"); !re.MatchString(got.Slug) {
				t.Fatalf("Slug=%q, want a match of %s", got.Slug, re)
			}
		})
		t.Run("ErrNameTaken", func(t *testing.T) {
			_, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Name: ptr("other ROOM"), Description: ptr("x")})
			wantErr(t, err, edusphere.ECONFLICT, repr("__all__", edusphere.MsgRoomNameTaken))
			got, err := e.s.Rooms.FindRoomByID(e.ctx, r.ID)
			mustOK(t, "FindRoomByID", err)
			if got.Name != "Taken  Base" || got.Description != "" {
				t.Fatalf("FindRoomByID=%+v, want the room unchanged", got)
			}
		})
		t.Run("TopicAndDescription", func(t *testing.T) {
			e.h.Clock.Add(time.Minute)
			got, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{TopicName: ptr("Rust"), Description: ptr("new")})
			mustOK(t, "UpdateRoom", err)
			topic, err := e.s.Topics.FindTopicByID(e.ctx, got.TopicID)
			mustOK(t, "FindTopicByID", err)
			if topic.Name != "Rust" || got.Description != "new" || got.Name != "Taken  Base" {
				t.Fatalf("UpdateRoom=%+v topic %q, want topic Rust, description new, name kept", got, topic.Name)
			}
			wantTime(t, "Updated", got.Updated, later.Add(time.Minute))
			found, err := e.s.Rooms.FindRoomByID(e.ctx, r.ID)
			mustOK(t, "FindRoomByID", err)
			if found.TopicID != topic.ID || found.ParticipantCount != 1 {
				t.Fatalf("FindRoomByID=%+v, want topic %d and 1 participant", found, topic.ID)
			}
			wantTime(t, "Updated", found.Updated, later.Add(time.Minute))
		})
		t.Run("SlugDirectly", func(t *testing.T) {
			got, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Slug: ptr("hand-made")})
			mustOK(t, "UpdateRoom", err)
			if got.Slug != "hand-made" {
				t.Fatalf("Slug=%q, want hand-made", got.Slug)
			}
			_, err = e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Slug: ptr(other.Slug)})
			wantErr(t, err, edusphere.ECONFLICT, "")
			_, err = e.s.Rooms.UpdateRoom(e.ctx, r.ID, edusphere.RoomUpdate{Slug: ptr("no spaces")})
			wantErr(t, err, edusphere.EINVALID, repr("slug", edusphere.MsgInvalidSlug))
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, tt := range []struct {
				name string
				upd  edusphere.RoomUpdate
				msg  string
			}{
				{"ErrTopicLetters", edusphere.RoomUpdate{TopicName: ptr("a b"), Name: ptr("bad!")}, repr("__all__", edusphere.MsgTopicLetters)},
				{"ErrTopicBlank", edusphere.RoomUpdate{TopicName: ptr("")}, repr("name", edusphere.MsgBlank)},
				{"ErrNameChars", edusphere.RoomUpdate{Name: ptr("bad!")}, repr("name", edusphere.MsgRoomNameChars)},
				{"ErrNameBlank", edusphere.RoomUpdate{Name: ptr("")}, repr("name", edusphere.MsgBlank)},
				{"ErrDescriptionTooLong", edusphere.RoomUpdate{Description: ptr(strings.Repeat("d", 501))},
					repr("description", edusphere.MsgMaxLength(500, 501))},
			} {
				t.Run(tt.name, func(t *testing.T) {
					_, err := e.s.Rooms.UpdateRoom(e.ctx, r.ID, tt.upd)
					wantErr(t, err, edusphere.EINVALID, tt.msg)
				})
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := e.s.Rooms.UpdateRoom(e.ctx, uuid.New(), edusphere.RoomUpdate{Description: ptr("x")})
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		})
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		guest := e.user(t, "guest")
		r := e.room(t, host, "Doomed", "Go")
		e.join(t, r, guest)
		msg := e.message(t, r, guest, "hi")
		mustOK(t, "DeleteRoom", e.s.Rooms.DeleteRoom(e.ctx, r.ID))
		_, err := e.s.Rooms.FindRoomByID(e.ctx, r.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		_, err = e.s.Messages.FindMessageByID(e.ctx, msg.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
		ok, err := e.s.Rooms.IsParticipant(e.ctx, r.ID, guest.ID)
		mustOK(t, "IsParticipant", err)
		if ok {
			t.Fatalf("IsParticipant=true after delete, want false")
		}
		topic, err := e.s.Topics.FindTopicByID(e.ctx, r.TopicID)
		mustOK(t, "FindTopicByID", err)
		if topic.RoomCount != 0 {
			t.Fatalf("RoomCount=%d, want 0", topic.RoomCount)
		}
		if _, err := e.s.Users.FindUserByID(e.ctx, guest.ID); err != nil {
			t.Fatalf("FindUserByID(guest)=%v, want nil", err)
		}
		wantErr(t, e.s.Rooms.DeleteRoom(e.ctx, r.ID), edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
	})

	t.Run("Join", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		guest := e.user(t, "guest")
		e.h.Clock.Set(epoch)
		r := e.room(t, host, "Open", "Go")
		e.h.Clock.Add(time.Hour)
		for i := range 2 {
			got, err := e.s.Rooms.JoinRoom(e.ctx, r.ID, guest.ID)
			mustOK(t, "JoinRoom", err)
			if got.ParticipantCount != 2 {
				t.Fatalf("join #%d: ParticipantCount=%d, want 2", i+1, got.ParticipantCount)
			}
			wantTime(t, "Updated", got.Updated, epochUS)
		}
		ok, err := e.s.Rooms.IsParticipant(e.ctx, r.ID, guest.ID)
		mustOK(t, "IsParticipant", err)
		if !ok {
			t.Fatalf("IsParticipant=false, want true")
		}
		stranger := e.user(t, "stranger")
		ok, err = e.s.Rooms.IsParticipant(e.ctx, r.ID, stranger.ID)
		mustOK(t, "IsParticipant", err)
		if ok {
			t.Fatalf("IsParticipant(stranger)=true, want false")
		}
		_, err = e.s.Rooms.JoinRoom(e.ctx, uuid.New(), guest.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		_, err = e.s.Rooms.JoinRoom(e.ctx, r.ID, uuid.New())
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
	})

	t.Run("ParticipantCountFollowsDeletedUsers", func(t *testing.T) {
		// The stored count drops when a participant's account goes (a
		// cascaded delete), and the default order follows it.
		e := newEnv(t, open)
		host := e.user(t, "host")
		a, b := e.user(t, "a"), e.user(t, "b")
		e.h.Clock.Set(epoch)
		big := e.room(t, host, "Big", "Go")
		e.h.Clock.Add(time.Hour)
		small := e.room(t, host, "Small", "Go")
		e.join(t, big, a)
		e.join(t, big, b)
		e.join(t, small, a)
		rooms, _, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{})
		mustOK(t, "FindRooms", err)
		wantIDs(t, "FindRooms", roomIDs(rooms), []uuid.UUID{big.ID, small.ID})
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, b.ID))
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, a.ID))
		rooms, _, err = e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{})
		mustOK(t, "FindRooms", err)
		// Both now have only the host: the newer room comes first.
		wantIDs(t, "FindRooms", roomIDs(rooms), []uuid.UUID{small.ID, big.ID})
		for _, r := range rooms {
			if r.ParticipantCount != 1 {
				t.Fatalf("%s: ParticipantCount=%d, want 1", r.Name, r.ParticipantCount)
			}
		}
		joined, err := e.s.Rooms.JoinRoom(e.ctx, big.ID, e.user(t, "c").ID)
		mustOK(t, "JoinRoom", err)
		if joined.ParticipantCount != 2 {
			t.Fatalf("after join: ParticipantCount=%d, want 2", joined.ParticipantCount)
		}
	})

	t.Run("FindParticipants", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		a, b := e.user(t, "a"), e.user(t, "b")
		r1 := e.room(t, host, "One", "Go")
		r2 := e.room(t, b, "Two", "Go")
		e.join(t, r1, a)
		e.join(t, r1, b)
		before := e.h.StatementCount()
		got, err := e.s.Rooms.FindParticipants(e.ctx, []uuid.UUID{r1.ID, r2.ID, uuid.New()})
		mustOK(t, "FindParticipants", err)
		if n := e.h.StatementCount() - before; n != 1 {
			t.Fatalf("FindParticipants ran %d statements, want 1", n)
		}
		if len(got) != 2 {
			t.Fatalf("FindParticipants has %d rooms, want 2 (unknown rooms absent)", len(got))
		}
		wantIDs(t, "participants of One", sortedIDs(userIDs(got[r1.ID])...), sortedIDs(host.ID, a.ID, b.ID))
		wantIDs(t, "participants of Two", userIDs(got[r2.ID]), []uuid.UUID{b.ID})
		if u := got[r2.ID][0]; u.Username != "b" || u.Email != b.Email {
			t.Fatalf("participant=%+v, want user b in full", u)
		}
		empty, err := e.s.Rooms.FindParticipants(e.ctx, nil)
		mustOK(t, "FindParticipants(nil)", err)
		if len(empty) != 0 {
			t.Fatalf("FindParticipants(nil)=%v, want empty", empty)
		}
	})

	t.Run("FindRooms", func(t *testing.T) { testFindRooms(t, open) })
}

func testFindRooms(t *testing.T, open opener) {
	e := newEnv(t, open)
	ann := e.user(t, "ann")
	bob := e.user(t, "bob")
	cat := e.user(t, "cat")
	e.h.Clock.Set(epoch)
	// Created in this order, one minute apart, except tie1 and tie2 which
	// share an instant.
	old := e.room(t, ann, "Old Go", "Go")
	e.h.Clock.Add(time.Minute)
	pct := testRoom(t, e, ann, "Percent Room", "Rust", "100% sure_thing")
	e.h.Clock.Add(time.Minute)
	tie1 := e.room(t, bob, "Tie One", "Go")
	tie2 := e.room(t, bob, "Tie Two", "Zig")
	e.h.Clock.Add(time.Minute)
	newest := e.room(t, cat, "Newest", "go")
	e.h.Clock.Add(time.Minute)
	// Participants: old 3, pct 2, tie1 1, tie2 1, newest 1.
	e.join(t, old, bob)
	e.join(t, old, cat)
	e.join(t, pct, cat)
	// Updating tie1 makes it the most recently updated.
	_, err := e.s.Rooms.UpdateRoom(e.ctx, tie1.ID, edusphere.RoomUpdate{Description: ptr("Touched")})
	mustOK(t, "UpdateRoom", err)

	ties := sortedIDs(tie1.ID, tie2.ID)
	popular := []uuid.UUID{old.ID, pct.ID, newest.ID, ties[0], ties[1]}
	newestFirst := []uuid.UUID{newest.ID, ties[0], ties[1], pct.ID, old.ID}
	updated := []uuid.UUID{tie1.ID, newest.ID, tie2.ID, pct.ID, old.ID}
	goTopic := old.TopicID

	for _, tt := range []struct {
		name   string
		filter edusphere.RoomFilter
		want   []uuid.UUID
		total  int
	}{
		{"Popular", edusphere.RoomFilter{}, popular, 5},
		{"Newest", edusphere.RoomFilter{Order: edusphere.RoomOrderNewest}, newestFirst, 5},
		{"Updated", edusphere.RoomFilter{Order: edusphere.RoomOrderUpdated}, updated, 5},
		{"IDs", edusphere.RoomFilter{IDs: []uuid.UUID{newest.ID, old.ID}}, []uuid.UUID{old.ID, newest.ID}, 2},
		{"HostID", edusphere.RoomFilter{HostID: &bob.ID}, ties, 2},
		{"HostUsername", edusphere.RoomFilter{HostUsername: ptr("ann")}, []uuid.UUID{old.ID, pct.ID}, 2},
		{"HostUsernameExact", edusphere.RoomFilter{HostUsername: ptr("Ann")}, nil, 0},
		{"Slug", edusphere.RoomFilter{Slug: ptr("tie-one")}, []uuid.UUID{tie1.ID}, 1},
		{"SearchName", edusphere.RoomFilter{Search: ptr("tie")}, ties, 2},
		{"SearchDescription", edusphere.RoomFilter{Search: ptr("TOUCHED")}, []uuid.UUID{tie1.ID}, 1},
		{"SearchPercentIsLiteral", edusphere.RoomFilter{Search: ptr("0% s")}, []uuid.UUID{pct.ID}, 1},
		{"SearchOnlyPercent", edusphere.RoomFilter{Search: ptr("%")}, []uuid.UUID{pct.ID}, 1},
		{"SearchUnderscoreIsLiteral", edusphere.RoomFilter{Search: ptr("e_t")}, []uuid.UUID{pct.ID}, 1},
		{"SearchUnderscoreNoWildcard", edusphere.RoomFilter{Search: ptr("d_G")}, nil, 0},
		{"SearchSkipsTopic", edusphere.RoomFilter{Search: ptr("zig")}, nil, 0},
		{"SearchTopic", edusphere.RoomFilter{Search: ptr("zig"), SearchTopic: true}, []uuid.UUID{tie2.ID}, 1},
		{"EmptySearch", edusphere.RoomFilter{Search: ptr("")}, popular, 5},
		{"Topics", edusphere.RoomFilter{Topics: []string{"Go", "Zig", "Go"}}, []uuid.UUID{old.ID, ties[0], ties[1]}, 3},
		{"TopicsExact", edusphere.RoomFilter{Topics: []string{"go"}}, []uuid.UUID{newest.ID}, 1},
		{"TopicsUnknown", edusphere.RoomFilter{Topics: []string{"Cobol"}}, nil, 0},
		{"TopicID", edusphere.RoomFilter{TopicID: &goTopic}, []uuid.UUID{old.ID, tie1.ID}, 2},
		{"Participant", edusphere.RoomFilter{ParticipantID: &cat.ID, Order: edusphere.RoomOrderNewest},
			[]uuid.UUID{newest.ID, pct.ID, old.ID}, 3},
		{"NotParticipant", edusphere.RoomFilter{NotParticipantID: &cat.ID}, ties, 2},
		{"Limit", edusphere.RoomFilter{Limit: 2}, popular[:2], 5},
		{"OffsetLimit", edusphere.RoomFilter{Offset: 2, Limit: 2}, popular[2:4], 5},
		{"OffsetPastEnd", edusphere.RoomFilter{Offset: 50, Limit: 2}, nil, 5},
		{"FilterAndPage", edusphere.RoomFilter{HostID: &bob.ID, Offset: 1}, ties[1:], 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := e.s.Rooms.FindRooms(e.ctx, tt.filter)
			mustOK(t, "FindRooms", err)
			wantIDs(t, "FindRooms", roomIDs(got), tt.want)
			wantTotal(t, n, tt.total)
		})
	}

	t.Run("ParticipantCount", func(t *testing.T) {
		got, _, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{})
		mustOK(t, "FindRooms", err)
		want := map[uuid.UUID]int{old.ID: 3, pct.ID: 2, tie1.ID: 1, tie2.ID: 1, newest.ID: 1}
		for _, r := range got {
			if r.ParticipantCount != want[r.ID] {
				t.Fatalf("%s: ParticipantCount=%d, want %d", r.Name, r.ParticipantCount, want[r.ID])
			}
		}
		byID, err := e.s.Rooms.FindRoomByID(e.ctx, old.ID)
		mustOK(t, "FindRoomByID", err)
		bySlug, err := e.s.Rooms.FindRoomBySlug(e.ctx, "ann", "percent-room")
		mustOK(t, "FindRoomBySlug", err)
		if byID.ParticipantCount != 3 || bySlug.ParticipantCount != 2 {
			t.Fatalf("ParticipantCount=%d, %d, want 3, 2", byID.ParticipantCount, bySlug.ParticipantCount)
		}
	})

	t.Run("StatementsDoNotGrowWithRooms", func(t *testing.T) {
		before := e.h.StatementCount()
		_, _, err := e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{Limit: 1})
		mustOK(t, "FindRooms", err)
		one := e.h.StatementCount() - before
		before = e.h.StatementCount()
		_, _, err = e.s.Rooms.FindRooms(e.ctx, edusphere.RoomFilter{})
		mustOK(t, "FindRooms", err)
		if all := e.h.StatementCount() - before; all != one || one == 0 {
			t.Fatalf("FindRooms ran %d statements for 5 rooms and %d for 1, want the same (and not 0)", all, one)
		}
	})
}

// testRoom creates a room with a description.
func testRoom(t *testing.T, e *env, host *edusphere.User, name, topic, description string) *edusphere.Room {
	t.Helper()
	r, err := e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{HostID: host.ID, Name: name, TopicName: topic, Description: description})
	mustOK(t, "CreateRoom", err)
	return r
}
