package postgres

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.RoomService = (*RoomService)(nil)

// Constraint names the room code reacts to.
const (
	roomSlugKey = "core_room_host_slug_key"
)

// slugAttempts bounds how often a create or rename retries after another
// transaction took the same slug between the check and the insert.
const slugAttempts = 4

// RoomService stores rooms in core_room and participants in
// core_room_participants.
type RoomService struct {
	db *DB
}

// NewRoomService returns the room service of db.
func NewRoomService(db *DB) *RoomService { return &RoomService{db: db} }

// roomFrom is the FROM clause of the room finders.
const roomFrom = `core_room r`

// roomColumns are read by scanRoom, in order.
const roomColumns = `r.id, r.name, r.slug, r.host_id, r.topic_id, r.description, r.created, r.updated, r.participant_count,
	r.is_private, r.members_can_invite`

// scanRoom reads roomColumns, then extra.
func scanRoom(row pgx.Row, extra ...any) (*edusphere.Room, error) {
	var r edusphere.Room
	dest := []any{&r.ID, &r.Name, &r.Slug, &r.HostID, &r.TopicID, &r.Description,
		&r.Created, &r.Updated, &r.ParticipantCount, &r.IsPrivate, &r.MembersCanInvite}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	utc(&r.Created)
	utc(&r.Updated)
	return &r, nil
}

// FindRoomByID returns the room with its participant count, or ENOTFOUND.
func (s *RoomService) FindRoomByID(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findRoomOne(ctx, tx, `r.id = $1`, id)
}

// FindRoomBySlug matches the host's username and the slug exactly. Returns
// ENOTFOUND.
func (s *RoomService) FindRoomBySlug(ctx context.Context, hostUsername, slug string) (*edusphere.Room, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findRoomOne(ctx, tx,
		`r.host_id = (SELECT id FROM core_user WHERE username = $1) AND r.slug = $2`, hostUsername, slug)
}

// FindRoomForUser is FindRoomBySlug and IsParticipant in one statement.
func (s *RoomService) FindRoomForUser(ctx context.Context, hostUsername, slug string, userID uuid.UUID) (*edusphere.Room, bool, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, false, err
	}
	return findRoomForUser(ctx, tx, hostUsername, slug, userID)
}

func findRoomForUser(ctx context.Context, tx *Tx, hostUsername, slug string, userID uuid.UUID) (*edusphere.Room, bool, error) {
	var member bool
	r, err := scanRoom(tx.queryRow(ctx, `SELECT `+roomColumns+`,
			EXISTS (SELECT 1 FROM core_room_participants p WHERE p.room_id = r.id AND p.user_id = $3)
		FROM `+roomFrom+` WHERE r.host_id = (SELECT id FROM core_user WHERE username = $1) AND r.slug = $2`,
		hostUsername, slug, userID), &member)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if err != nil {
		return nil, false, mapError("find room for user", err)
	}
	return r, member, nil
}

// FindRooms returns matching rooms and the total before Offset and Limit.
func (s *RoomService) FindRooms(ctx context.Context, filter edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	return findRooms(ctx, tx, filter)
}

// CreateRoom validates what it can before any SQL (RoomCreate.Validate), then in
// one transaction gets or creates the topic, checks the host has no room of
// that name (ignoring case), picks a free slug, inserts the room and adds
// the host as a participant. Returns EINVALID, ENOTFOUND for an unknown
// host, or ECONFLICT {'__all__': ['You already have a room with this name.']},
// also when a concurrent create wins the race for the name.
func (s *RoomService) CreateRoom(ctx context.Context, create edusphere.RoomCreate) (*edusphere.Room, error) {
	if err := create.Validate(); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		r, err := s.createRoom(ctx, create)
		if isUniqueViolation(err, roomSlugKey) && attempt < slugAttempts {
			continue
		}
		if err != nil {
			return nil, mapError("create room", err)
		}
		return r, nil
	}
}

func (s *RoomService) createRoom(ctx context.Context, create edusphere.RoomCreate) (*edusphere.Room, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	topicID, err := getOrCreateTopic(ctx, tx, create.TopicName)
	if err != nil {
		return nil, err
	}
	r := &edusphere.Room{
		ID:          uuid.New(),
		Name:        create.Name,
		HostID:      create.HostID,
		TopicID:     topicID,
		Description: create.Description,
		Created:     tx.now,
		Updated:     tx.now,

		IsPrivate:        create.IsPrivate,
		MembersCanInvite: create.MembersCanInvite,
	}
	if err := checkRoomName(ctx, tx, r); err != nil {
		return nil, err
	}
	if r.Slug, err = newRoomSlug(ctx, tx, r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room
		(id, name, slug, host_id, topic_id, description, created, updated, is_private, members_can_invite)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.Name, r.Slug, r.HostID, r.TopicID, r.Description, r.Created, r.Updated,
		r.IsPrivate, r.MembersCanInvite); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES ($1, $2)`,
		r.ID, r.HostID); err != nil {
		return nil, err
	}
	r.ParticipantCount = 1
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRoom applies upd in one transaction. The set fields are validated
// before any SQL (RoomUpdate.Validate); a new TopicName is got or created; a nil TopicName keeps the topic. A
// new Name rebuilds the slug unless KeepsSlug; a Slug set by the admin must
// be free among the host's rooms. Updated becomes now. Returns ENOTFOUND,
// EINVALID, ECONFLICT.
func (s *RoomService) UpdateRoom(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		r, err := s.updateRoom(ctx, id, upd)
		if isUniqueViolation(err, roomSlugKey) && upd.Slug == nil && attempt < slugAttempts {
			continue
		}
		if err != nil {
			return nil, mapError("update room", err)
		}
		return r, nil
	}
}

func (s *RoomService) updateRoom(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	r, err := findRoomOne(ctx, tx, `r.id = $1 FOR UPDATE OF r`, id)
	if err != nil {
		return nil, err
	}
	old := *r
	if upd.TopicName != nil {
		if r.TopicID, err = getOrCreateTopic(ctx, tx, *upd.TopicName); err != nil {
			return nil, err
		}
	}
	if upd.Name != nil {
		r.Name = *upd.Name
	}
	if upd.Description != nil {
		r.Description = *upd.Description
	}
	if upd.IsPrivate != nil {
		r.IsPrivate = *upd.IsPrivate
	}
	if upd.MembersCanInvite != nil {
		r.MembersCanInvite = *upd.MembersCanInvite
	}
	if r.Name != old.Name {
		if err := checkRoomName(ctx, tx, r); err != nil {
			return nil, err
		}
		if upd.Slug == nil && !edusphere.KeepsSlug(old.Name, r.Name) {
			if r.Slug, err = newRoomSlug(ctx, tx, r); err != nil {
				return nil, err
			}
		}
	}
	if upd.Slug != nil && *upd.Slug != r.Slug {
		taken, err := slugTaken(ctx, tx, r.HostID, *upd.Slug)
		if err != nil {
			return nil, err
		} else if taken {
			return nil, edusphere.ModelFieldError(edusphere.ECONFLICT, "slug", edusphere.MsgRoomSlugTaken)
		}
		r.Slug = *upd.Slug
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.Updated = tx.now
	if _, err := tx.exec(ctx, `UPDATE core_room SET
		name = $2, slug = $3, topic_id = $4, description = $5, updated = $6,
		is_private = $7, members_can_invite = $8
		WHERE id = $1`,
		r.ID, r.Name, r.Slug, r.TopicID, r.Description, r.Updated, r.IsPrivate, r.MembersCanInvite); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteRoom deletes the room; its messages and participations go with it
// through the foreign keys and the topic stays. Returns ENOTFOUND.
func (s *RoomService) DeleteRoom(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_room", id, edusphere.MsgRoomNotFound)
}

// JoinRoom adds userID to the room's participants; joining twice changes
// nothing and the room's Updated is kept. Returns ENOTFOUND for the room
// (checked first) or the user.
func (s *RoomService) JoinRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Nothing is inserted for an unknown room, so the lookup after reports
	// "Room not found" even when the user is unknown too; a known room with
	// an unknown user breaks the user's foreign key ("User not found").
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id)
		SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM core_room WHERE id = $1)
		ON CONFLICT (room_id, user_id) DO NOTHING`, roomID, userID); err != nil {
		return nil, mapError("join room", err)
	}
	r, err := findRoomOne(ctx, tx, `r.id = $1`, roomID)
	if err := commitWith(ctx, tx, err); err != nil {
		return nil, err
	}
	return r, nil
}

// FindParticipants returns the participants of each room in joining order,
// with one query for all rooms. Rooms without participants are absent.
func (s *RoomService) FindParticipants(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error) {
	m := make(map[uuid.UUID][]*edusphere.User)
	if len(roomIDs) == 0 {
		return m, nil
	}
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+userColumns+`, p.room_id
		FROM core_room_participants p JOIN core_user u ON u.id = p.user_id
		WHERE p.room_id = ANY($1)
		ORDER BY p.room_id, p.id`, roomIDs)
	if err != nil {
		return nil, mapError("find participants", err)
	}
	defer rows.Close()
	for rows.Next() {
		var roomID uuid.UUID
		u, err := scanUser(rows, &roomID)
		if err != nil {
			return nil, mapError("scan participant", err)
		}
		m[roomID] = append(m[roomID], u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("find participants", err)
	}
	return m, nil
}

// IsParticipant reports whether userID takes part in roomID.
func (s *RoomService) IsParticipant(ctx context.Context, roomID, userID uuid.UUID) (bool, error) {
	tx, err := s.db.reader()
	if err != nil {
		return false, err
	}
	var ok bool
	err = tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room_participants
		WHERE room_id = $1 AND user_id = $2)`, roomID, userID).Scan(&ok)
	if err != nil {
		return false, mapError("is participant", err)
	}
	return ok, nil
}

// findRoomOne returns the room matching cond or ENOTFOUND.
func findRoomOne(ctx context.Context, tx *Tx, cond string, args ...any) (*edusphere.Room, error) {
	r, err := scanRoom(tx.queryRow(ctx, `SELECT `+roomColumns+` FROM `+roomFrom+` WHERE `+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if err != nil {
		return nil, mapError("find room", err)
	}
	return r, nil
}

func findRooms(ctx context.Context, tx *Tx, filter edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	if err := edusphere.ValidateSearch(filter.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(filter.IDs) > 0 {
		w.add(`r.id = ANY(` + w.arg(filter.IDs) + `)`)
	}
	if v := filter.HostID; v != nil {
		w.add(`r.host_id = ` + w.arg(*v))
	}
	if v := filter.HostUsername; v != nil {
		w.add(`r.host_id = (SELECT id FROM core_user WHERE username = ` + w.arg(*v) + `)`)
	}
	if v := filter.Slug; v != nil {
		w.add(`r.slug = ` + w.arg(*v))
	}
	if v := filter.Search; v != nil && *v != "" {
		p := w.arg(likePattern(*v))
		cond := ilike(`r.name`, p) + ` OR ` + ilike(`r.description`, p)
		if filter.SearchTopic {
			cond += ` OR EXISTS (SELECT 1 FROM core_topic t WHERE t.id = r.topic_id AND ` + ilike(`t.name`, p) + `)`
		}
		w.add(`(` + cond + `)`)
	}
	if len(filter.Topics) > 0 {
		w.add(`r.topic_id IN (SELECT id FROM core_topic WHERE name = ANY(` + w.arg(filter.Topics) + `))`)
	}
	if v := filter.TopicID; v != nil {
		w.add(`r.topic_id = ` + w.arg(*v))
	}
	if v := filter.ParticipantID; v != nil {
		w.add(`EXISTS (SELECT 1 FROM core_room_participants pp WHERE pp.room_id = r.id AND pp.user_id = ` + w.arg(*v) + `)`)
	}
	if v := filter.NotParticipantID; v != nil {
		w.add(`NOT EXISTS (SELECT 1 FROM core_room_participants pp WHERE pp.room_id = r.id AND pp.user_id = ` + w.arg(*v) + `)`)
	}
	if v := filter.VisibleTo; v != nil {
		w.add(visibleRoom("r", w.arg(*v)))
	}
	if v := filter.Private; v != nil {
		w.add(`r.is_private = ` + w.arg(*v))
	}
	var order string
	switch filter.Order {
	case edusphere.RoomOrderNewest:
		order = `r.created DESC, r.id`
	case edusphere.RoomOrderUpdated:
		order = `r.updated DESC, r.created DESC, r.id`
	default:
		order = `r.participant_count DESC, r.created DESC, r.id`
	}
	cond, nargs := w.String(), len(w.args)
	query := `SELECT ` + roomColumns + `, ` + totalColumn(filter.Limit, filter.Offset) + ` FROM ` + roomFrom + ` ` + cond +
		` ORDER BY ` + order + w.page(filter.Offset, filter.Limit)
	return findPage(ctx, tx, "rooms", query, `SELECT count(*) FROM `+roomFrom+` `+cond, w.args, nargs, filter.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.Room, error) { return scanRoom(rows, total) })
}

// checkRoomName returns the ECONFLICT repr when another room of r's host has
// r's name, ignoring case.
func checkRoomName(ctx context.Context, tx *Tx, r *edusphere.Room) error {
	var taken bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room
		WHERE host_id = $1 AND lower(name) = lower($2) AND id <> $3)`,
		r.HostID, r.Name, r.ID).Scan(&taken)
	if err != nil {
		return mapError("check room name", err)
	} else if taken {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "__all__", edusphere.MsgRoomNameTaken)
	}
	return nil
}

// slugTaken reports whether a room of host, r itself included, uses slug.
func slugTaken(ctx context.Context, tx *Tx, host uuid.UUID, slug string) (bool, error) {
	var taken bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room WHERE host_id = $1 AND slug = $2)`,
		host, slug).Scan(&taken)
	if err != nil {
		return false, mapError("check slug", err)
	}
	return taken, nil
}

// newRoomSlug picks a slug for r's name that no room of the host uses, the
// room's own current slug counting as used (docs/data.md, Room slugs).
func newRoomSlug(ctx context.Context, tx *Tx, r *edusphere.Room) (string, error) {
	return edusphere.NewRoomSlug(r.Name, func(slug string) (bool, error) {
		return slugTaken(ctx, tx, r.HostID, slug)
	})
}
