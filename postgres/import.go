package postgres

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var _ edusphere.Importer = (*DB)(nil)

// importBatch is how many rows go to the server in one round trip.
const importBatch = 500

// Import copies every row of src in one transaction, table by table
// (edusphere.Importer; docs/operations.md, "Importing from the original").
// Each table has its own function below, so a column added to a table
// changes one of them.
func (db *DB) Import(ctx context.Context, src edusphere.ImportSource) (edusphere.ImportCounts, error) {
	var n edusphere.ImportCounts
	tx, err := db.BeginTx(ctx)
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
	if err := tx.Commit(ctx); err != nil {
		return edusphere.ImportCounts{}, err
	}
	return n, nil
}

// batch queues the inserts of one table and sends them importBatch at a
// time, counting the rows they add and naming the row of a failing one.
type batch struct {
	tx    *Tx
	table string
	count *edusphere.ImportCount
	b     pgx.Batch
	ids   []any
}

func (b *batch) add(ctx context.Context, id any, sql string, args ...any) error {
	b.b.Queue(sql, args...)
	b.ids = append(b.ids, id)
	if len(b.ids) >= importBatch {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if len(b.ids) == 0 {
		return nil
	}
	b.tx.db.stmts.Add(int64(len(b.ids)))
	res := b.tx.tx.SendBatch(ctx, &b.b)
	var failed error
	for _, id := range b.ids {
		tag, err := res.Exec()
		if err != nil {
			failed = edusphere.ImportRowError(b.table, id, mapError("insert into "+b.table, err))
			break
		}
		b.count.New += int(tag.RowsAffected())
	}
	if err := res.Close(); failed == nil && err != nil {
		failed = mapError("insert into "+b.table, err)
	}
	b.b = pgx.Batch{}
	b.ids = b.ids[:0]
	return failed
}

// importUsers copies core_user, password hashes as they are.
func importUsers(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	b := &batch{tx: tx, table: "core_user", count: &c}
	err = src.ImportUsers(ctx, func(u *edusphere.User) error {
		c.Read++
		if err := edusphere.ValidateImportedUser(u); err != nil {
			return edusphere.ImportRowError("core_user", u.ID, err)
		}
		return b.add(ctx, u.ID, `INSERT INTO core_user
			(id, email, username, name, bio, avatar, password, is_staff, is_superuser, is_active, date_joined, last_login)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
			u.ID, u.Email, u.Username, u.Name, u.Bio, u.Avatar, u.Password,
			u.IsStaff, u.IsSuperuser, u.IsActive, u.DateJoined, u.LastLogin)
	})
	if err == nil {
		err = b.flush(ctx)
	}
	return c, err
}

// importTopics copies core_topic. A topic whose name exists already is that
// topic; a new one keeps its id unless another topic holds it. ids maps
// each source id to the id here, for importRooms. The identity sequence is
// moved past the largest id afterwards, so topics created later get free ids.
func importTopics(ctx context.Context, tx *Tx, src edusphere.ImportSource, ids map[int64]int64) (c edusphere.ImportCount, err error) {
	err = src.ImportTopics(ctx, func(t *edusphere.Topic) error {
		c.Read++
		if err := edusphere.ValidateTopicName(t.Name); err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, err)
		}
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM core_topic WHERE name = $1`, t.Name).Scan(&id)
		if err == nil {
			ids[t.ID] = id
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("find topic", err))
		}
		tag, err := tx.exec(ctx, `INSERT INTO core_topic (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, t.ID, t.Name)
		if err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("insert topic", err))
		}
		if tag.RowsAffected() == 1 {
			ids[t.ID] = t.ID
		} else if err := tx.queryRow(ctx, `INSERT INTO core_topic (name) VALUES ($1) RETURNING id`, t.Name).Scan(&id); err != nil {
			return edusphere.ImportRowError("core_topic", t.ID, mapError("insert topic", err))
		} else {
			ids[t.ID] = id
		}
		c.New++
		return nil
	})
	if err != nil {
		return c, err
	}
	if _, err := tx.exec(ctx, `SELECT setval(pg_get_serial_sequence('core_topic', 'id'),
		GREATEST((SELECT max(id) FROM core_topic), 1))`); err != nil {
		return c, mapError("move topic id sequence", err)
	}
	return c, nil
}

// importRooms copies core_room, its topic mapped by importTopics.
func importRooms(ctx context.Context, tx *Tx, src edusphere.ImportSource, topicIDs map[int64]int64) (c edusphere.ImportCount, err error) {
	b := &batch{tx: tx, table: "core_room", count: &c}
	err = src.ImportRooms(ctx, func(r *edusphere.Room) error {
		c.Read++
		if err := edusphere.ValidateImportedRoom(r); err != nil {
			return edusphere.ImportRowError("core_room", r.ID, err)
		}
		topicID, ok := topicIDs[r.TopicID]
		if !ok {
			return edusphere.ImportRowError("core_room", r.ID, edusphere.NotFound("Topic not found"))
		}
		return b.add(ctx, r.ID, `INSERT INTO core_room (id, name, slug, host_id, topic_id, description, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.Name, r.Slug, r.HostID, topicID, r.Description, r.Created, r.Updated)
	})
	if err == nil {
		err = b.flush(ctx)
	}
	return c, err
}

// importParticipants copies core_room_participants; the stored counts
// follow by trigger.
func importParticipants(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	b := &batch{tx: tx, table: "core_room_participants", count: &c}
	err = src.ImportParticipants(ctx, func(roomID, userID uuid.UUID) error {
		c.Read++
		return b.add(ctx, roomID.String()+"/"+userID.String(), `INSERT INTO core_room_participants (room_id, user_id)
			VALUES ($1, $2) ON CONFLICT (room_id, user_id) DO NOTHING`, roomID, userID)
	})
	if err == nil {
		err = b.flush(ctx)
	}
	return c, err
}

// importMessages copies core_message. New rows come in unnumbered
// (sequence 0, a number no message has) for numberImported.
func importMessages(ctx context.Context, tx *Tx, src edusphere.ImportSource) (c edusphere.ImportCount, err error) {
	b := &batch{tx: tx, table: "core_message", count: &c}
	err = src.ImportMessages(ctx, func(m *edusphere.Message) error {
		c.Read++
		if err := edusphere.ValidateImportedMessage(m); err != nil {
			return edusphere.ImportRowError("core_message", m.ID, err)
		}
		return b.add(ctx, m.ID, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0) ON CONFLICT (id) DO NOTHING`,
			m.ID, m.UserID, m.RoomID, m.Body, m.Edited, m.Created, m.Updated)
	})
	if err == nil {
		err = b.flush(ctx)
	}
	return c, err
}

// numberImported gives the messages importMessages added the next numbers
// of their rooms' sequences, in history order, and moves the read marker of
// each participant who had read the whole room along with them (docs/data.md,
// "Imported messages"). Three statements, whatever the number of rooms.
func numberImported(ctx context.Context, tx *Tx) error {
	const added = `SELECT room_id, count(*) AS n, max(created) AS last FROM core_message WHERE seq = 0 GROUP BY room_id`
	if _, err := tx.exec(ctx, `UPDATE edusphere_read_marker r SET seq = r.seq + a.n
		FROM (`+added+`) a JOIN edusphere_room_seq s ON s.room_id = a.room_id
		WHERE r.room_id = a.room_id AND r.seq >= s.seq`); err != nil {
		return mapError("move read markers past imported messages", err)
	}
	if _, err := tx.exec(ctx, `WITH a AS (`+added+`),
		bumped AS (
			UPDATE edusphere_room_seq s SET seq = s.seq + a.n, last_created = GREATEST(s.last_created, a.last)
			FROM a WHERE s.room_id = a.room_id
			RETURNING s.room_id, s.seq - a.n AS base)
		UPDATE core_message m SET created_seq = b.base + n.rn, seq = b.base + n.rn
		FROM (SELECT id, room_id, row_number() OVER (PARTITION BY room_id ORDER BY created, id) AS rn
		      FROM core_message WHERE seq = 0) n
		JOIN bumped b ON b.room_id = n.room_id
		WHERE m.id = n.id`); err != nil {
		return mapError("number imported messages", err)
	}
	return nil
}
