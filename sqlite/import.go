package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.Importer = (*DB)(nil)

// Import copies every row of src in one write transaction, table by table
// (edusphere.Importer; docs/operations.md, "Importing from the original").
// Each table has its own function below, so a column added to a table
// changes one of them.
func (db *DB) Import(ctx context.Context, src edusphere.ImportSource) (edusphere.ImportCounts, error) {
	var n edusphere.ImportCounts
	tx, err := db.begin(ctx, true)
	if err != nil {
		return n, err
	}
	defer tx.Rollback()
	if n.Users, err = importUsers(ctx, tx, src); err != nil {
		return edusphere.ImportCounts{}, err
	}
	topicIDs := map[int64]int64{}
	if n.Topics, err = importTopics(ctx, tx, src, topicIDs); err != nil {
		return edusphere.ImportCounts{}, err
	}
	if n.Rooms, err = importRooms(ctx, tx, src, topicIDs); err != nil {
		return edusphere.ImportCounts{}, err
	}
	if n.Participants, err = importParticipants(ctx, tx, src); err != nil {
		return edusphere.ImportCounts{}, err
	}
	if n.Messages, err = importMessages(ctx, tx, src); err != nil {
		return edusphere.ImportCounts{}, err
	}
	if err := numberImported(ctx, tx); err != nil {
		return edusphere.ImportCounts{}, err
	}
	if err := tx.Commit(); err != nil {
		return edusphere.ImportCounts{}, err
	}
	return n, nil
}

// added reports how many rows an INSERT … ON CONFLICT DO NOTHING added.
func added(res sql.Result) int {
	n, err := res.RowsAffected()
	if err != nil {
		return 0
	}
	return int(n)
}

// importUsers copies core_user, password hashes as they are.
func importUsers(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	err = src.ImportUsers(ctx, func(u *edusphere.User) error {
		c.Read++
		if err := edusphere.ValidateImportedUser(u); err != nil {
			return edusphere.ImportRowError("core_user", u.ID, err)
		}
		res, err := tx.exec(ctx, `INSERT INTO core_user (id, email, username, name, bio, avatar, password,
			is_staff, is_superuser, is_active, date_joined, last_login)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			u.ID, u.Email, u.Username, u.Name, u.Bio, u.Avatar, u.Password,
			u.IsStaff, u.IsSuperuser, u.IsActive, encTime(u.DateJoined), encTimePtr(u.LastLogin))
		if err != nil {
			return edusphere.ImportRowError("core_user", u.ID, mapError("insert user", err, ""))
		}
		c.New += added(res)
		return nil
	})
	return c, err
}

// importTopics copies core_topic. A topic whose name exists already is that
// topic; a new one keeps its id unless another topic holds it. ids maps
// each source id to the id here, for importRooms.
func importTopics(ctx context.Context, tx *Tx, src edusphere.ImportSource, ids map[int64]int64) (c edusphere.ImportCount, err error) {
	err = src.ImportTopics(ctx, func(t *edusphere.Topic) error {
		c.Read++
		if err := edusphere.ValidateTopicName(t.Name); err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, err)
		}
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM core_topic WHERE name = ?`, t.Name).Scan(&id)
		if err == nil {
			ids[t.ID] = id
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("find topic", err, ""))
		}
		res, err := tx.exec(ctx, `INSERT INTO core_topic (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, t.ID, t.Name)
		if err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("insert topic", err, ""))
		}
		if added(res) == 1 {
			ids[t.ID] = t.ID
		} else if err := tx.queryRow(ctx, `INSERT INTO core_topic (name) VALUES (?) RETURNING id`, t.Name).Scan(&id); err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("insert topic", err, ""))
		} else {
			ids[t.ID] = id
		}
		c.New++
		return nil
	})
	return c, err
}

// importRooms copies core_room, its topic mapped by importTopics.
func importRooms(ctx context.Context, tx *Tx, src edusphere.ImportSource, topicIDs map[int64]int64) (c edusphere.ImportCount, err error) {
	err = src.ImportRooms(ctx, func(r *edusphere.Room) error {
		c.Read++
		if err := edusphere.ValidateImportedRoom(r); err != nil {
			return edusphere.ImportRowError("core_room", r.ID, err)
		}
		topicID, ok := topicIDs[r.TopicID]
		if !ok {
			return edusphere.ImportRowError("core_room", r.ID, edusphere.NotFound("Topic not found"))
		}
		res, err := tx.exec(ctx, `INSERT INTO core_room (id, name, slug, host_id, topic_id, description, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.Name, r.Slug, r.HostID, topicID, r.Description, encTime(r.Created), encTime(r.Updated))
		if err != nil {
			return edusphere.ImportRowError("core_room", r.ID, mapError("insert room", err, edusphere.MsgUserNotFound))
		}
		c.New += added(res)
		return nil
	})
	return c, err
}

// importParticipants copies core_room_participants; the stored counts
// follow by trigger.
func importParticipants(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	err = src.ImportParticipants(ctx, func(roomID, userID uuid.UUID) error {
		c.Read++
		res, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES (?, ?)
			ON CONFLICT (room_id, user_id) DO NOTHING`, roomID, userID)
		if err != nil {
			return edusphere.ImportRowError("core_room_participants", roomID.String()+"/"+userID.String(),
				mapError("insert participant", err, "Room or user not found"))
		}
		c.New += added(res)
		return nil
	})
	return c, err
}

// importMessages copies core_message. New rows come in unnumbered
// (sequence 0, a number no message has) for numberImported.
func importMessages(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	err = src.ImportMessages(ctx, func(m *edusphere.Message) error {
		c.Read++
		if err := edusphere.ValidateImportedMessage(m); err != nil {
			return edusphere.ImportRowError("core_message", m.ID, err)
		}
		res, err := tx.exec(ctx, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT (id) DO NOTHING`,
			m.ID, m.UserID, m.RoomID, m.Body, m.Edited, encTime(m.Created), encTime(m.Updated))
		if err != nil {
			return edusphere.ImportRowError("core_message", m.ID, mapError("insert message", err, "Room or user not found"))
		}
		c.New += added(res)
		return nil
	})
	return c, err
}

// numberImported gives the messages importMessages added the next numbers
// of their rooms' sequences, in history order, and moves the read marker of
// each participant who had read the whole room along with them (docs/data.md,
// "Imported messages"). The counts go to a temporary table first, since
// the numbering needs each room's sequence from before it moves.
func numberImported(ctx context.Context, tx *Tx) error {
	steps := []struct{ what, sql string }{
		{"count imported messages", `CREATE TEMP TABLE imported_room AS
			SELECT m.room_id, count(*) AS n, max(m.created) AS last, s.seq AS base
			FROM core_message m JOIN edusphere_room_seq s ON s.room_id = m.room_id
			WHERE m.seq = 0 GROUP BY m.room_id`},
		{"move read markers past imported messages", `UPDATE edusphere_read_marker SET seq = seq + a.n
			FROM imported_room a WHERE edusphere_read_marker.room_id = a.room_id AND edusphere_read_marker.seq >= a.base`},
		{"number imported messages", `UPDATE core_message SET created_seq = a.base + n.rn, seq = a.base + n.rn
			FROM (SELECT id, room_id, row_number() OVER (PARTITION BY room_id ORDER BY created, id) AS rn
			      FROM core_message WHERE seq = 0) n
			JOIN imported_room a ON a.room_id = n.room_id
			WHERE core_message.id = n.id`},
		{"move room sequences", `UPDATE edusphere_room_seq SET seq = a.base + a.n,
			last_created = max(coalesce(edusphere_room_seq.last_created, ''), a.last)
			FROM imported_room a WHERE edusphere_room_seq.room_id = a.room_id`},
		{"drop the count", `DROP TABLE imported_room`},
	}
	for _, st := range steps {
		if _, err := tx.exec(ctx, st.sql); err != nil {
			return mapError(st.what, err, "")
		}
	}
	return nil
}
