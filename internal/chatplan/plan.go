// Package chatplan holds what both stores share of MessageService.CommitChat:
// which rows a batch of chat ops must read, the plan of its writes (the
// sequence numbers, creation times, results and error order, worked out in
// Go from what was read), and the retry rule that keeps a bad op from
// failing its neighbours. The stores only read and write rows; every rule
// of docs/data.md ("Room sequences", "Tombstones", "Group commit") is here.
package chatplan

import (
	"cmp"
	"slices"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Op is a chat op as a store runs it.
type Op struct {
	edusphere.ChatOp
	// KeepBody makes an update leave the body as it is (a MessageUpdate
	// without Body).
	KeepBody bool
	// Preset marks a create whose MessageID the caller chose, which must be
	// checked against the ids in use; Prepare gives the others fresh ids.
	Preset bool
}

// Prepare turns ops into Ops, giving each create without an id a fresh
// one, once, so that a retry after an unclear commit cannot store it twice.
// Fresh ids are time-ordered (UUID version 7), so new rows go to the end of
// the id index instead of to a random page of it (docs/data.md, "Write
// throughput").
func Prepare(ops []edusphere.ChatOp) []Op {
	out := make([]Op, len(ops))
	for i, op := range ops {
		out[i] = Op{ChatOp: op}
		if op.Kind == edusphere.ChatCreate {
			if op.MessageID == uuid.Nil {
				out[i].MessageID = NewID()
			} else {
				out[i].Preset = true
			}
		}
	}
	return out
}

// NewID returns a fresh message id: a UUID of version 7, whose leading bits
// are the time, so ids of new messages sort after older ones.
func NewID() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.New() // only when the system's random source fails
	}
	return id
}

// Needs lists, without duplicates, what a store reads before planning.
type Needs struct {
	// Rooms are the rooms of creates and the rooms named by updates and
	// deletes; the store also reads the rooms of the Targets.
	Rooms []uuid.UUID
	// Targets are the messages updates and deletes name.
	Targets []uuid.UUID
	// Users are the authors of creates.
	Users []uuid.UUID
	// Presets are the caller-chosen ids of creates.
	Presets []uuid.UUID
	// Parents are the messages creates reply to.
	Parents []uuid.UUID
}

// NeedsOf returns what planning ops needs read.
func NeedsOf(ops []Op) Needs {
	var n Needs
	seen := make(map[uuid.UUID]uint8, len(ops)*2)
	add := func(list *[]uuid.UUID, id uuid.UUID, bit uint8) {
		if id != uuid.Nil && seen[id]&bit == 0 {
			seen[id] |= bit
			*list = append(*list, id)
		}
	}
	for _, op := range ops {
		add(&n.Rooms, op.RoomID, 1)
		switch op.Kind {
		case edusphere.ChatCreate:
			add(&n.Users, op.UserID, 2)
			if op.Preset {
				add(&n.Presets, op.MessageID, 4)
			}
			add(&n.Parents, op.ReplyTo, 16)
		case edusphere.ChatUpdate, edusphere.ChatDelete:
			add(&n.Targets, op.MessageID, 8)
		}
	}
	return n
}

// Room is a room's sequence row as read, under the row's lock.
type Room struct {
	Seq int64
	// LastCreated is the creation time of the room's latest message, zero
	// before the first.
	LastCreated time.Time
}

// State is what the store read for a batch, inside its transaction.
type State struct {
	// Now is the transaction's time.
	Now time.Time
	// Rooms holds the sequence rows of the rooms that exist among Needs.Rooms
	// and the rooms of the Targets found.
	Rooms map[uuid.UUID]Room
	// Users holds the Needs.Users that exist.
	Users map[uuid.UUID]bool
	// Messages holds the Needs.Targets that exist.
	Messages map[uuid.UUID]*edusphere.Message
	// Taken holds the Needs.Presets in use by a message or a tombstone.
	Taken map[uuid.UUID]bool
	// Parents maps each of the Needs.Parents that exists to its room.
	Parents map[uuid.UUID]uuid.UUID
}

// RoomWrite is a room's sequence row after the batch.
type RoomWrite struct {
	RoomID      uuid.UUID
	Seq         int64
	LastCreated time.Time
	// Prune, when positive, removes the room's tombstones with a sequence
	// number at or below it (docs/data.md, "Tombstones").
	Prune int64
}

// MarkerWrite moves a user's read marker in a room forward to Seq: an
// author has read their room up to their own message.
type MarkerWrite struct {
	UserID, RoomID uuid.UUID
	Seq            int64
}

// Plan is what a batch writes, and what each op gets back.
type Plan struct {
	// Results has one entry per op, in op order.
	Results []edusphere.ChatResult
	// Inserts are the new messages that survive the batch, in their final
	// state; Updates the existing messages it changed and did not delete.
	Inserts, Updates []*edusphere.Message
	// Tombstones are the batch's deletions; Deletes lists those of them
	// whose message existed before the batch (the rest were never stored).
	Tombstones []*edusphere.Tombstone
	Deletes    []uuid.UUID
	// Rooms are the sequence rows that moved, in room id order.
	Rooms   []RoomWrite
	Markers []MarkerWrite
}

// msgState is a message during planning.
type msgState struct {
	m     *edusphere.Message
	isNew bool // created in this batch
}

// Make plans ops against what st holds, in op order: each op that succeeds
// takes the next number of its room's sequence, a new message's Created
// is the later of st.Now and 1µs after the room's latest message, and
// every op fails alone with its own error.
func Make(ops []Op, st State) *Plan {
	p := &Plan{Results: make([]edusphere.ChatResult, len(ops))}
	rooms := make(map[uuid.UUID]*RoomWrite)
	room := func(id uuid.UUID) (*RoomWrite, bool) {
		if w, ok := rooms[id]; ok {
			return w, true
		}
		r, ok := st.Rooms[id]
		if !ok {
			return nil, false
		}
		w := &RoomWrite{RoomID: id, Seq: r.Seq, LastCreated: r.LastCreated}
		rooms[id] = w
		return w, true
	}
	msgs := make(map[uuid.UUID]*msgState)
	lookup := func(id uuid.UUID) *msgState {
		if s, ok := msgs[id]; ok {
			return s // nil after a delete in this batch
		}
		m, ok := st.Messages[id]
		if !ok {
			return nil
		}
		c := *m
		s := &msgState{m: &c}
		msgs[id] = s
		return s
	}
	changed := make(map[uuid.UUID]bool) // existing messages updated
	deleted := make(map[uuid.UUID]bool) // existing messages deleted
	var order []uuid.UUID               // messages in order of first change
	touched := make(map[uuid.UUID]bool)
	touch := func(id uuid.UUID) {
		if !touched[id] {
			touched[id] = true
			order = append(order, id)
		}
	}
	markers := make(map[[2]uuid.UUID]int64)
	var markerOrder [][2]uuid.UUID
	pruneRooms := make(map[uuid.UUID]bool)

	for i, op := range ops {
		res := &p.Results[i]
		switch op.Kind {
		case edusphere.ChatCreate:
			m := &edusphere.Message{ID: op.MessageID, UserID: op.UserID, RoomID: op.RoomID, Body: op.Body}
			if err := m.Validate(); err != nil {
				res.Err = err
				continue
			}
			w, ok := room(op.RoomID)
			if !ok {
				res.Err = edusphere.NotFound(edusphere.MsgRoomNotFound)
				continue
			}
			if !st.Users[op.UserID] {
				res.Err = edusphere.NotFound(edusphere.MsgUserNotFound)
				continue
			}
			if _, dup := msgs[op.MessageID]; dup || (op.Preset && st.Taken[op.MessageID]) {
				res.Err = edusphere.Errorf(edusphere.ECONFLICT, "Already exists.")
				continue
			}
			if op.ReplyTo != uuid.Nil {
				// The parent as the batch left it: made or deleted by an
				// earlier op, or as read.
				parentRoom, found := st.Parents[op.ReplyTo]
				if s, ok := msgs[op.ReplyTo]; ok {
					found = s != nil
					if found {
						parentRoom = s.m.RoomID
					}
				}
				if err := edusphere.CheckReply(op.RoomID, parentRoom, found); err != nil {
					res.Err = err
					continue
				}
				reply := op.ReplyTo
				m.ReplyTo = &reply
			}
			w.Seq++
			created := st.Now
			if !w.LastCreated.IsZero() && !created.After(w.LastCreated) {
				created = w.LastCreated.Add(time.Microsecond)
			}
			w.LastCreated = created
			m.Created, m.Updated = created, created
			m.CreatedSeq, m.Seq = w.Seq, w.Seq
			msgs[m.ID] = &msgState{m: m, isNew: true}
			touch(m.ID)
			res.Seq, res.Message = w.Seq, copyMessage(m)
			k := [2]uuid.UUID{m.UserID, m.RoomID}
			if _, ok := markers[k]; !ok {
				markerOrder = append(markerOrder, k)
			}
			markers[k] = w.Seq

		case edusphere.ChatUpdate, edusphere.ChatDelete:
			s := lookup(op.MessageID)
			if s == nil || (op.RoomID != uuid.Nil && s.m.RoomID != op.RoomID) {
				res.Err = edusphere.NotFound(edusphere.MsgMessageNotFound)
				continue
			}
			w, ok := room(s.m.RoomID)
			if !ok { // the room is being deleted with its messages
				res.Err = edusphere.NotFound(edusphere.MsgMessageNotFound)
				continue
			}
			if op.UserID != uuid.Nil && op.UserID != s.m.UserID {
				res.Err = edusphere.PermissionDenied()
				continue
			}
			if op.Kind == edusphere.ChatUpdate {
				if !op.KeepBody {
					if err := edusphere.ValidateBody(op.Body); err != nil {
						res.Err = err
						continue
					}
					s.m.Body = op.Body
				}
				w.Seq++
				s.m.Edited = true
				s.m.Updated = st.Now
				s.m.Seq = w.Seq
				if !s.isNew {
					changed[s.m.ID] = true
				}
				touch(s.m.ID)
				res.Seq, res.Message = w.Seq, copyMessage(s.m)
				continue
			}
			w.Seq++
			t := &edusphere.Tombstone{
				ID: s.m.ID, RoomID: s.m.RoomID, UserID: s.m.UserID,
				CreatedSeq: s.m.CreatedSeq, Created: s.m.Created,
				Seq: w.Seq, Deleted: st.Now,
			}
			p.Tombstones = append(p.Tombstones, t)
			if !s.isNew {
				deleted[s.m.ID] = true
			}
			msgs[s.m.ID] = nil
			pruneRooms[s.m.RoomID] = true
			c := *t
			res.Seq, res.Tombstone = w.Seq, &c

		default:
			res.Err = edusphere.Errorf(edusphere.EINVALID, edusphere.MsgUnknownChatOp)
		}
	}

	for _, id := range order {
		s := msgs[id]
		switch {
		case s == nil: // deleted in this batch
		case s.isNew:
			p.Inserts = append(p.Inserts, s.m)
		case changed[id]:
			p.Updates = append(p.Updates, s.m)
		}
	}
	for _, t := range p.Tombstones {
		if deleted[t.ID] {
			p.Deletes = append(p.Deletes, t.ID)
		}
	}
	for _, w := range rooms {
		if pruneRooms[w.RoomID] && w.Seq > edusphere.TombstoneWindow {
			w.Prune = w.Seq - edusphere.TombstoneWindow
		}
		if r := st.Rooms[w.RoomID]; w.Seq != r.Seq {
			p.Rooms = append(p.Rooms, *w)
		}
	}
	slices.SortFunc(p.Rooms, func(a, b RoomWrite) int { return cmp.Compare(a.RoomID.String(), b.RoomID.String()) })
	for _, k := range markerOrder {
		p.Markers = append(p.Markers, MarkerWrite{UserID: k[0], RoomID: k[1], Seq: markers[k]})
	}
	return p
}

func copyMessage(m *edusphere.Message) *edusphere.Message {
	c := *m
	if m.ReplyTo != nil {
		r := *m.ReplyTo
		c.ReplyTo = &r
	}
	return &c
}
