package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.RoomService = (*RoomService)(nil)

// RoomService stores rooms in core_room and participants in
// core_room_participants.
type RoomService struct {
	db *DB
}

// roomColumns lists what scanRoom reads, the participant count included.
const roomColumns = `r.id, r.name, r.slug, r.host_id, r.topic_id, r.description, r.created, r.updated,
	r.participant_count, r.is_private, r.members_can_invite`

// FindRoomByID returns ENOTFOUND ("Room not found").
func (s *RoomService) FindRoomByID(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findRoomByID(ctx, tx, id)
}

// FindRoomBySlug matches the host's username and the slug exactly.
// Returns ENOTFOUND ("Room not found").
func (s *RoomService) FindRoomBySlug(ctx context.Context, hostUsername, slug string) (*edusphere.Room, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findOneRoom(ctx, tx, edusphere.RoomFilter{HostUsername: &hostUsername, Slug: &slug})
}

// FindRoomForUser is FindRoomBySlug and IsParticipant in one read
// transaction.
func (s *RoomService) FindRoomForUser(ctx context.Context, hostUsername, slug string, userID uuid.UUID) (*edusphere.Room, bool, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	r, err := findOneRoom(ctx, tx, edusphere.RoomFilter{HostUsername: &hostUsername, Slug: &slug})
	if err != nil {
		return nil, false, err
	}
	ok, err := isParticipant(ctx, tx, r.ID, userID)
	if err != nil {
		return nil, false, err
	}
	return r, ok, nil
}

// FindRooms returns matching rooms, each with its participant count, and
// the total before Offset and Limit.
func (s *RoomService) FindRooms(ctx context.Context, filter edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findRooms(ctx, tx, filter)
}

// CreateRoom gets or creates the topic, builds the slug, inserts the room
// and adds the host as a participant in one write transaction, so a failed
// room leaves no topic behind. Returns EINVALID, ENOTFOUND ("User not
// found") for an unknown host, and ECONFLICT {'__all__': ['You already have
// a room with this name.']} when the host has a room of that name in any
// letter case; the unique index gives the same error if a check is raced.
func (s *RoomService) CreateRoom(ctx context.Context, c edusphere.RoomCreate) (*edusphere.Room, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// The slug and the topic id are known only inside the transaction;
	// the whole room is validated once they are.
	room := &edusphere.Room{
		ID:          uuid.New(),
		Name:        c.Name,
		HostID:      c.HostID,
		Description: c.Description,

		IsPrivate:        c.IsPrivate,
		MembersCanInvite: c.MembersCanInvite,
	}

	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if ok, err := tx.exists(ctx, `SELECT 1 FROM core_user WHERE id = ?`, c.HostID); err != nil {
		return nil, fmt.Errorf("find host: %w", err)
	} else if !ok {
		return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
	}
	topic, err := getOrCreateTopic(ctx, tx, c.TopicName)
	if err != nil {
		return nil, err
	}
	room.TopicID = topic.ID
	if err := checkRoomName(ctx, tx, room.HostID, room.Name, uuid.Nil); err != nil {
		return nil, err
	}
	if room.Slug, err = freeSlug(ctx, tx, room.HostID, room.Name); err != nil {
		return nil, err
	}
	if err := room.Validate(); err != nil {
		return nil, err
	}
	room.Created, room.Updated = tx.now, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO core_room (id, name, slug, host_id, topic_id, description, created, updated,
		is_private, members_can_invite)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		room.ID, room.Name, room.Slug, room.HostID, room.TopicID, room.Description,
		encTime(room.Created), encTime(room.Updated), room.IsPrivate, room.MembersCanInvite); err != nil {
		return nil, mapError("insert room", err, edusphere.MsgUserNotFound)
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES (?, ?)`,
		room.ID, room.HostID); err != nil {
		return nil, mapError("add host", err, edusphere.MsgUserNotFound)
	}
	room.ParticipantCount = 1
	return room, tx.Commit()
}

// UpdateRoom applies upd in one write transaction. A new TopicName is got
// or created; a new Name rebuilds the slug unless KeepsSlug holds, and the
// room's own slug counts as taken; a Slug set directly must be free for the
// host. Updated becomes now. Returns ENOTFOUND, EINVALID, ECONFLICT.
func (s *RoomService) UpdateRoom(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}

	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	room, err := findRoomByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.TopicName != nil {
		topic, err := getOrCreateTopic(ctx, tx, *upd.TopicName)
		if err != nil {
			return nil, err
		}
		room.TopicID = topic.ID
	}
	if upd.Description != nil {
		room.Description = *upd.Description
	}
	if upd.IsPrivate != nil {
		room.IsPrivate = *upd.IsPrivate
	}
	if upd.MembersCanInvite != nil {
		room.MembersCanInvite = *upd.MembersCanInvite
	}
	if upd.Name != nil && *upd.Name != room.Name {
		if err := checkRoomName(ctx, tx, room.HostID, *upd.Name, room.ID); err != nil {
			return nil, err
		}
		old := room.Name
		room.Name = *upd.Name
		if upd.Slug == nil && !edusphere.KeepsSlug(old, room.Name) {
			if room.Slug, err = freeSlug(ctx, tx, room.HostID, room.Name); err != nil {
				return nil, err
			}
		}
	}
	if upd.Slug != nil && *upd.Slug != room.Slug {
		taken, err := tx.exists(ctx, `SELECT 1 FROM core_room WHERE host_id = ? AND slug = ? AND id <> ?`,
			room.HostID, *upd.Slug, room.ID)
		if err != nil {
			return nil, fmt.Errorf("check slug: %w", err)
		} else if taken {
			return nil, edusphere.ModelFieldError(edusphere.ECONFLICT, "slug", edusphere.MsgRoomSlugTaken)
		}
		room.Slug = *upd.Slug
	}
	if err := room.Validate(); err != nil {
		return nil, err
	}
	room.Updated = tx.now
	if _, err := tx.exec(ctx, `UPDATE core_room SET name = ?, slug = ?, topic_id = ?, description = ?, updated = ?,
		is_private = ?, members_can_invite = ?
		WHERE id = ?`, room.Name, room.Slug, room.TopicID, room.Description, encTime(room.Updated),
		room.IsPrivate, room.MembersCanInvite, room.ID); err != nil {
		return nil, mapError("update room", err, "")
	}
	return room, tx.Commit()
}

// DeleteRoom deletes the room; its messages and participations cascade and
// the topic stays. Returns ENOTFOUND.
func (s *RoomService) DeleteRoom(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_room", id, edusphere.MsgRoomNotFound)
}

// JoinRoom adds userID to the participants; joining twice changes nothing
// and Updated is kept. Returns ENOTFOUND for the room or the user.
func (s *RoomService) JoinRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := findRoomByID(ctx, tx, roomID); err != nil {
		return nil, err
	}
	if ok, err := tx.exists(ctx, `SELECT 1 FROM core_user WHERE id = ?`, userID); err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	} else if !ok {
		return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES (?, ?)
		ON CONFLICT (room_id, user_id) DO NOTHING`, roomID, userID); err != nil {
		return nil, mapError("join room", err, edusphere.MsgRoomNotFound)
	}
	room, err := findRoomByID(ctx, tx, roomID)
	if err != nil {
		return nil, err
	}
	return room, tx.Commit()
}

// FindParticipants returns each room's participants in joining order with
// one query for all rooms. Rooms without any are absent.
func (s *RoomService) FindParticipants(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error) {
	out := make(map[uuid.UUID][]*edusphere.User)
	if len(roomIDs) == 0 {
		return out, nil
	}
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var w where
	in(&w, "p.room_id", roomIDs)
	rows, err := tx.query(ctx, `SELECT p.room_id, `+userColumns+`
		FROM core_room_participants p JOIN core_user u ON u.id = p.user_id`+w.String()+`
		ORDER BY p.room_id, p.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find participants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var roomID uuid.UUID
		var u edusphere.User
		if err := rows.Scan(&roomID, &u.ID, &u.Email, &u.Username, &u.Name, &u.Bio, &u.Avatar, &u.Password,
			&u.IsStaff, &u.IsSuperuser, &u.IsActive, timeScanner{&u.DateJoined}, nullTimeScanner{&u.LastLogin}); err != nil {
			return nil, fmt.Errorf("scan participant: %w", err)
		}
		out[roomID] = append(out[roomID], &u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find participants: %w", err)
	}
	return out, nil
}

// IsParticipant reports whether userID takes part in roomID.
func (s *RoomService) IsParticipant(ctx context.Context, roomID, userID uuid.UUID) (bool, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	return isParticipant(ctx, tx, roomID, userID)
}

// isParticipant reports whether userID takes part in roomID, inside tx.
func isParticipant(ctx context.Context, tx *Tx, roomID, userID uuid.UUID) (bool, error) {
	ok, err := tx.exists(ctx, `SELECT 1 FROM core_room_participants WHERE room_id = ? AND user_id = ?`, roomID, userID)
	if err != nil {
		return false, fmt.Errorf("is participant: %w", err)
	}
	return ok, nil
}

// checkRoomName returns the ECONFLICT repr error when host has another room
// (not self) whose name matches name ignoring case.
func checkRoomName(ctx context.Context, tx *Tx, hostID uuid.UUID, name string, self uuid.UUID) error {
	taken, err := tx.exists(ctx, `SELECT 1 FROM core_room WHERE host_id = ? AND lower(name) = lower(?) AND id <> ?`,
		hostID, name, self)
	if err != nil {
		return fmt.Errorf("check room name: %w", err)
	} else if taken {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "__all__", edusphere.MsgRoomNameTaken)
	}
	return nil
}

// freeSlug builds a slug for name that none of host's rooms uses.
func freeSlug(ctx context.Context, tx *Tx, hostID uuid.UUID, name string) (string, error) {
	return edusphere.NewRoomSlug(name, func(slug string) (bool, error) {
		ok, err := tx.exists(ctx, `SELECT 1 FROM core_room WHERE host_id = ? AND slug = ?`, hostID, slug)
		if err != nil {
			return false, fmt.Errorf("check slug: %w", err)
		}
		return ok, nil
	})
}

func findRoomByID(ctx context.Context, tx *Tx, id uuid.UUID) (*edusphere.Room, error) {
	return findOneRoom(ctx, tx, edusphere.RoomFilter{IDs: []uuid.UUID{id}})
}

// findOneRoom returns the first room matching f, or ENOTFOUND.
func findOneRoom(ctx context.Context, tx *Tx, f edusphere.RoomFilter) (*edusphere.Room, error) {
	f.Limit = 1
	rooms, _, err := findRooms(ctx, tx, f)
	if err != nil {
		return nil, err
	} else if len(rooms) == 0 {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	}
	return rooms[0], nil
}

func findRooms(ctx context.Context, tx *Tx, f edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	if err := edusphere.ValidateSearch(f.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(f.IDs) > 0 {
		in(&w, "r.id", f.IDs)
	}
	if f.HostID != nil {
		w.add(`r.host_id = ?`, *f.HostID)
	}
	if f.HostUsername != nil {
		w.add(`r.host_id = (SELECT id FROM core_user WHERE username = ?)`, *f.HostUsername)
	}
	if f.Slug != nil {
		w.add(`r.slug = ?`, *f.Slug)
	}
	if f.Search != nil && *f.Search != "" {
		p := likeContains(*f.Search)
		conds := []string{`r.name LIKE ? ESCAPE '\'`, `r.description LIKE ? ESCAPE '\'`}
		args := []any{p, p}
		if f.SearchTopic {
			conds = append(conds, `r.topic_id IN (SELECT id FROM core_topic WHERE name LIKE ? ESCAPE '\')`)
			args = append(args, p)
		}
		w.add("("+strings.Join(conds, " OR ")+")", args...)
	}
	if len(f.Topics) > 0 {
		w.add(`r.topic_id IN (SELECT id FROM core_topic WHERE name IN `+valuesQuery+`)`, jsonList(f.Topics))
	}
	if f.TopicID != nil {
		w.add(`r.topic_id = ?`, *f.TopicID)
	}
	if f.ParticipantID != nil {
		w.add(`EXISTS (SELECT 1 FROM core_room_participants p WHERE p.room_id = r.id AND p.user_id = ?)`, *f.ParticipantID)
	}
	if f.NotParticipantID != nil {
		w.add(`NOT EXISTS (SELECT 1 FROM core_room_participants p WHERE p.room_id = r.id AND p.user_id = ?)`, *f.NotParticipantID)
	}
	if f.VisibleTo != nil {
		w.add(visibleRoom("r"), *f.VisibleTo)
	}
	if f.Private != nil {
		w.add(`r.is_private = ?`, *f.Private)
	}
	var order string
	switch f.Order {
	case edusphere.RoomOrderNewest:
		order = ` ORDER BY r.created DESC, r.id`
	case edusphere.RoomOrderUpdated:
		order = ` ORDER BY r.updated DESC, r.created DESC, r.id`
	default:
		order = ` ORDER BY r.participant_count DESC, r.created DESC, r.id`
	}
	return findPage(ctx, tx, "rooms",
		`SELECT `+roomColumns+`, `+totalColumn(f.Limit, f.Offset)+` FROM core_room r`+w.String()+order+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM core_room r`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.Room, error) {
			var r edusphere.Room
			err := rows.Scan(&r.ID, &r.Name, &r.Slug, &r.HostID, &r.TopicID, &r.Description,
				timeScanner{&r.Created}, timeScanner{&r.Updated}, &r.ParticipantCount,
				&r.IsPrivate, &r.MembersCanInvite, total)
			return &r, err
		})
}
