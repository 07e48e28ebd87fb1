package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testMessages(t *testing.T, open opener) {
	t.Run("CreateOK", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		e.h.Clock.Set(epoch)
		for i, body := range []string{"  spaced out  ", " ", strings.Repeat("é", 500), "line\nbreak"} {
			m := &edusphere.Message{RoomID: r.ID, UserID: host.ID, Body: body}
			mustOK(t, "CreateMessage", e.s.Messages.CreateMessage(e.ctx, m))
			if m.ID == uuid.Nil || m.Edited {
				t.Fatalf("CreateMessage=%+v, want an id and Edited false", m)
			}
			// The clock stands still: each message of the room is created
			// 1µs after the one before, so creation order is sequence order.
			created := epochUS.Add(time.Duration(i) * time.Microsecond)
			wantTime(t, "Created", m.Created, created)
			wantTime(t, "Updated", m.Updated, created)
			if m.CreatedSeq != int64(i+1) || m.Seq != int64(i+1) {
				t.Fatalf("CreatedSeq, Seq=%d, %d, want %d", m.CreatedSeq, m.Seq, i+1)
			}
			got, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
			mustOK(t, "FindMessageByID", err)
			if got.Body != body || got.RoomID != r.ID || got.UserID != host.ID || got.Edited || *got != *m {
				t.Fatalf("FindMessageByID=%+v, want %+v, body %q kept exactly", got, m, body)
			}
		}
	})

	t.Run("RealClockRoundTrip", func(t *testing.T) {
		// With the clock running, stored times still come back exactly.
		e := newEnv(t, open)
		m := e.message(t, e.room(t, e.user(t, "host"), "Chat", "Go"), e.user(t, "guest"), "x")
		if m.Created.Nanosecond()%1000 != 0 || m.Created.Location() != time.UTC {
			t.Fatalf("Created=%v, want UTC at microsecond precision", m.Created)
		}
		got, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
		mustOK(t, "FindMessageByID", err)
		wantTime(t, "Created", got.Created, m.Created)
		wantTime(t, "Updated", got.Updated, m.Updated)
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		for _, tt := range []struct {
			name string
			msg  edusphere.Message
			code string
			text string
		}{
			{"ErrBodyBlank", edusphere.Message{RoomID: r.ID, UserID: host.ID}, edusphere.EINVALID, repr("body", edusphere.MsgBlank)},
			{"ErrBodyTooLong", edusphere.Message{RoomID: r.ID, UserID: host.ID, Body: strings.Repeat("ж", 501)},
				edusphere.EINVALID, repr("body", edusphere.MsgMaxLength(500, 501))},
			{"ErrRoomNull", edusphere.Message{UserID: host.ID, Body: "x"}, edusphere.EINVALID, repr("room", edusphere.MsgNull)},
			{"ErrUserNull", edusphere.Message{RoomID: r.ID, Body: "x"}, edusphere.EINVALID, repr("user", edusphere.MsgNull)},
			{"ErrUnknownRoom", edusphere.Message{RoomID: uuid.New(), UserID: host.ID, Body: "x"}, edusphere.ENOTFOUND,
				edusphere.MsgRoomNotFound},
			{"ErrUnknownUser", edusphere.Message{RoomID: r.ID, UserID: uuid.New(), Body: "x"}, edusphere.ENOTFOUND,
				edusphere.MsgUserNotFound},
		} {
			t.Run(tt.name, func(t *testing.T) {
				m := tt.msg
				wantErr(t, e.s.Messages.CreateMessage(e.ctx, &m), tt.code, tt.text)
				_, n, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{})
				mustOK(t, "FindMessages", err)
				wantTotal(t, n, 0)
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		e.h.Clock.Set(epoch)
		m := e.message(t, r, host, "first")
		e.h.Clock.Add(time.Second)
		t.Run("OK", func(t *testing.T) {
			got, err := e.s.Messages.UpdateMessage(e.ctx, m.ID, edusphere.MessageUpdate{Body: ptr(" second ")})
			mustOK(t, "UpdateMessage", err)
			if got.Body != " second " || !got.Edited || got.ID != m.ID || got.RoomID != r.ID || got.UserID != host.ID {
				t.Fatalf("UpdateMessage=%+v", got)
			}
			wantTime(t, "Created", got.Created, epochUS)
			wantTime(t, "Updated", got.Updated, epochUS.Add(time.Second))
			found, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
			mustOK(t, "FindMessageByID", err)
			if found.Body != " second " || !found.Edited {
				t.Fatalf("FindMessageByID=%+v, want the update stored", found)
			}
		})
		t.Run("SameTextStillEdits", func(t *testing.T) {
			e.h.Clock.Add(time.Second)
			got, err := e.s.Messages.UpdateMessage(e.ctx, m.ID, edusphere.MessageUpdate{Body: ptr(" second ")})
			mustOK(t, "UpdateMessage", err)
			wantTime(t, "Updated", got.Updated, epochUS.Add(2*time.Second))
		})
		t.Run("ErrBodyBlank", func(t *testing.T) {
			_, err := e.s.Messages.UpdateMessage(e.ctx, m.ID, edusphere.MessageUpdate{Body: ptr("")})
			wantErr(t, err, edusphere.EINVALID, repr("body", edusphere.MsgBlank))
		})
		t.Run("ErrBodyTooLong", func(t *testing.T) {
			_, err := e.s.Messages.UpdateMessage(e.ctx, m.ID, edusphere.MessageUpdate{Body: ptr(strings.Repeat("x", 501))})
			wantErr(t, err, edusphere.EINVALID, repr("body", edusphere.MsgMaxLength(500, 501)))
			found, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
			mustOK(t, "FindMessageByID", err)
			if found.Body != " second " {
				t.Fatalf("Body=%q, want it unchanged", found.Body)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := e.s.Messages.UpdateMessage(e.ctx, uuid.New(), edusphere.MessageUpdate{Body: ptr("x")})
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
		})
	})

	t.Run("Delete", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		m := e.message(t, r, host, "bye")
		keep := e.message(t, r, host, "stay")
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, m.ID))
		_, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
		_, err = e.s.Messages.FindMessageByID(e.ctx, keep.ID)
		mustOK(t, "FindMessageByID(keep)", err)
		wantErr(t, e.s.Messages.DeleteMessage(e.ctx, m.ID), edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
	})

	t.Run("Find", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob_x")
		math := e.room(t, ann, "Math Club", "Math")
		art := e.room(t, bob, "Art", "Art")
		e.h.Clock.Set(epoch)
		m1 := e.message(t, math, ann, "hello 100% of you")
		e.h.Clock.Add(time.Second)
		// m2 and m3 share an instant: the id breaks the tie.
		m2 := e.message(t, math, bob, "hi ann")
		m3 := e.message(t, art, ann, "art is fun")
		e.h.Clock.Add(time.Second)
		m4 := e.message(t, art, bob, "quiet")
		_, err := e.s.Messages.UpdateMessage(e.ctx, m4.ID, edusphere.MessageUpdate{Body: ptr("QUIET")})
		mustOK(t, "UpdateMessage", err)
		tie := sortedIDs(m2.ID, m3.ID)
		oldest := []uuid.UUID{m1.ID, tie[0], tie[1], m4.ID}
		newest := []uuid.UUID{m4.ID, tie[0], tie[1], m1.ID}

		for _, tt := range []struct {
			name   string
			filter edusphere.MessageFilter
			want   []uuid.UUID
			total  int
		}{
			{"Oldest", edusphere.MessageFilter{}, oldest, 4},
			{"Newest", edusphere.MessageFilter{Order: edusphere.MessageOrderNewest}, newest, 4},
			{"Room", edusphere.MessageFilter{RoomID: &math.ID}, []uuid.UUID{m1.ID, m2.ID}, 2},
			{"UserNewest", edusphere.MessageFilter{UserID: &ann.ID, Order: edusphere.MessageOrderNewest}, []uuid.UUID{m3.ID, m1.ID}, 2},
			{"RoomAndUser", edusphere.MessageFilter{RoomID: &art.ID, UserID: &bob.ID}, []uuid.UUID{m4.ID}, 1},
			{"IDs", edusphere.MessageFilter{IDs: []uuid.UUID{m4.ID, m1.ID}}, []uuid.UUID{m1.ID, m4.ID}, 2},
			{"Edited", edusphere.MessageFilter{Edited: ptr(true)}, []uuid.UUID{m4.ID}, 1},
			{"NotEdited", edusphere.MessageFilter{Edited: ptr(false)}, oldest[:3], 3},
			{"SearchBody", edusphere.MessageFilter{Search: ptr("FUN")}, []uuid.UUID{m3.ID}, 1},
			{"SearchBodyPercentIsLiteral", edusphere.MessageFilter{Search: ptr("0%")}, []uuid.UUID{m1.ID}, 1},
			{"SearchUsername", edusphere.MessageFilter{Search: ptr("b_x")}, []uuid.UUID{m2.ID, m4.ID}, 2},
			{"SearchUnderscoreIsLiteral", edusphere.MessageFilter{Search: ptr("o_1")}, nil, 0},
			{"SearchRoomName", edusphere.MessageFilter{Search: ptr("math c")}, []uuid.UUID{m1.ID, m2.ID}, 2},
			{"Limit", edusphere.MessageFilter{Limit: 1}, oldest[:1], 4},
			{"OffsetLimit", edusphere.MessageFilter{Offset: 1, Limit: 2}, oldest[1:3], 4},
			{"OffsetPastEnd", edusphere.MessageFilter{Offset: 4}, nil, 4},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, n, err := e.s.Messages.FindMessages(e.ctx, tt.filter)
				mustOK(t, "FindMessages", err)
				wantIDs(t, "FindMessages", messageIDs(got), tt.want)
				wantTotal(t, n, tt.total)
			})
		}
	})
}
