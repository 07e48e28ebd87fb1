package django

import (
	"context"
	"fmt"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var _ edusphere.ImportSource = (*Source)(nil)

// Source reads the original's tables inside one read-only REPEATABLE READ
// transaction, so every table comes from the same snapshot even while the
// original server still runs.
type Source struct {
	conn *pgx.Conn
	tx   pgx.Tx
}

// Open connects to the original's database at url (postgres://…) and
// starts the snapshot. It fails when a table is missing, naming it.
func Open(ctx context.Context, url string) (*Source, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", err)
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "edusphere import-django"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("begin: %w", err)
	}
	s := &Source{conn: conn, tx: tx}
	for _, table := range []string{"core_user", "core_topic", "core_room", "core_room_participants", "core_message"} {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&found); err != nil {
			s.Close()
			return nil, fmt.Errorf("look for %s: %w", table, err)
		}
		if !found {
			s.Close()
			return nil, fmt.Errorf("table %s not found: is this the original EduSphere database?", table)
		}
	}
	return s, nil
}

// Close ends the snapshot and the connection.
func (s *Source) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.tx.Rollback(ctx)
	return s.conn.Close(ctx)
}

// each runs query and calls scan for every row; scan reads the row and
// hands it on.
func (s *Source) each(ctx context.Context, table, query string, scan func(pgx.Rows) error) error {
	rows, err := s.tx.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}

// ImportUsers reads core_user, oldest account first. A NULL avatar is "".
func (s *Source) ImportUsers(ctx context.Context, fn func(*edusphere.User) error) error {
	return s.each(ctx, "core_user", `SELECT id, password, last_login, is_superuser, email, username, name,
		bio, avatar, is_staff, is_active, date_joined FROM core_user ORDER BY date_joined, id`,
		func(rows pgx.Rows) error {
			u := &edusphere.User{}
			var avatar *string
			if err := rows.Scan(&u.ID, &u.Password, &u.LastLogin, &u.IsSuperuser, &u.Email, &u.Username, &u.Name,
				&u.Bio, &avatar, &u.IsStaff, &u.IsActive, &u.DateJoined); err != nil {
				return fmt.Errorf("read core_user: %w", err)
			}
			if avatar != nil {
				u.Avatar = *avatar
			}
			u.DateJoined = u.DateJoined.UTC()
			if u.LastLogin != nil {
				t := u.LastLogin.UTC()
				u.LastLogin = &t
			}
			return fn(u)
		})
}

// ImportTopics reads core_topic in id order.
func (s *Source) ImportTopics(ctx context.Context, fn func(*edusphere.Topic) error) error {
	return s.each(ctx, "core_topic", `SELECT id, name FROM core_topic ORDER BY id`, func(rows pgx.Rows) error {
		t := &edusphere.Topic{}
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return fmt.Errorf("read core_topic: %w", err)
		}
		return fn(t)
	})
}

// ImportRooms reads core_room, oldest first.
func (s *Source) ImportRooms(ctx context.Context, fn func(*edusphere.Room) error) error {
	return s.each(ctx, "core_room", `SELECT id, name, slug, host_id, topic_id, description, updated, created
		FROM core_room ORDER BY created, id`, func(rows pgx.Rows) error {
		r := &edusphere.Room{}
		if err := rows.Scan(&r.ID, &r.Name, &r.Slug, &r.HostID, &r.TopicID, &r.Description, &r.Updated, &r.Created); err != nil {
			return fmt.Errorf("read core_room: %w", err)
		}
		r.Created, r.Updated = r.Created.UTC(), r.Updated.UTC()
		return fn(r)
	})
}

// ImportParticipants reads core_room_participants in the order they joined.
func (s *Source) ImportParticipants(ctx context.Context, fn func(roomID, userID uuid.UUID) error) error {
	return s.each(ctx, "core_room_participants", `SELECT room_id, user_id FROM core_room_participants ORDER BY id`,
		func(rows pgx.Rows) error {
			var roomID, userID uuid.UUID
			if err := rows.Scan(&roomID, &userID); err != nil {
				return fmt.Errorf("read core_room_participants: %w", err)
			}
			return fn(roomID, userID)
		})
}

// ImportMessages reads core_message, oldest first.
func (s *Source) ImportMessages(ctx context.Context, fn func(*edusphere.Message) error) error {
	return s.each(ctx, "core_message", `SELECT id, user_id, room_id, body, edited, updated, created
		FROM core_message ORDER BY created, id`, func(rows pgx.Rows) error {
		m := &edusphere.Message{}
		if err := rows.Scan(&m.ID, &m.UserID, &m.RoomID, &m.Body, &m.Edited, &m.Updated, &m.Created); err != nil {
			return fmt.Errorf("read core_message: %w", err)
		}
		m.Created, m.Updated = m.Created.UTC(), m.Updated.UTC()
		return fn(m)
	})
}
