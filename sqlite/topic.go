package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/edusphere/edusphere"
)

var _ edusphere.TopicService = (*TopicService)(nil)

// TopicService stores topics in core_topic.
type TopicService struct {
	db *DB
}

// FindTopicByID returns the topic with its room count, or ENOTFOUND.
func (s *TopicService) FindTopicByID(ctx context.Context, id int64) (*edusphere.Topic, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	topics, _, err := findTopics(ctx, tx, edusphere.TopicFilter{IDs: []int64{id}})
	if err != nil {
		return nil, err
	} else if len(topics) == 0 {
		return nil, edusphere.NotFound(edusphere.MsgTopicNotFound)
	}
	return topics[0], nil
}

// FindTopics returns matching topics with their room counts, and the total
// before Offset and Limit.
func (s *TopicService) FindTopics(ctx context.Context, filter edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findTopics(ctx, tx, filter)
}

// GetOrCreateTopic returns the topic named exactly name, creating it when
// there is none. Returns EINVALID from ValidateTopicName.
func (s *TopicService) GetOrCreateTopic(ctx context.Context, name string) (*edusphere.Topic, error) {
	if err := edusphere.ValidateTopicName(name); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := getOrCreateTopic(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	return t, tx.Commit()
}

// DeleteTopic deletes the topic; its rooms and their messages cascade.
// Returns ENOTFOUND.
func (s *TopicService) DeleteTopic(ctx context.Context, id int64) error {
	return s.db.deleteByID(ctx, "core_topic", id, edusphere.MsgTopicNotFound)
}

// getOrCreateTopic runs inside a write transaction, so the lookup and the
// insert cannot race with another writer. The name is already validated.
func getOrCreateTopic(ctx context.Context, tx *Tx, name string) (*edusphere.Topic, error) {
	t := &edusphere.Topic{Name: name}
	err := tx.queryRow(ctx, `SELECT t.id, (SELECT count(*) FROM core_room r WHERE r.topic_id = t.id)
		FROM core_topic t WHERE t.name = ?`, name).Scan(&t.ID, &t.RoomCount)
	if err == nil {
		return t, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find topic: %w", err)
	}
	if err := tx.queryRow(ctx, `INSERT INTO core_topic (name) VALUES (?) RETURNING id`, name).Scan(&t.ID); err != nil {
		return nil, mapError("insert topic", err, "")
	}
	return t, nil
}

func findTopics(ctx context.Context, tx *Tx, f edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	if err := edusphere.ValidateSearch(f.Search); err != nil {
		return nil, 0, err
	}
	var w where
	// The room count's own arguments come before the WHERE clause's.
	all := `(SELECT count(*) FROM core_room r WHERE r.topic_id = t.id)`
	count := all
	if f.VisibleTo != nil {
		count = `(SELECT count(*) FROM core_room r WHERE r.topic_id = t.id AND ` + visibleRoom("r") + `)`
		w.args = append(w.args, *f.VisibleTo)
		// A topic whose rooms are all hidden is hidden too.
		w.conds = append(w.conds, `(room_count > 0 OR all_count = 0)`)
	}
	if len(f.IDs) > 0 {
		in(&w, "id", f.IDs)
	}
	if f.Name != nil {
		w.add(`name = ?`, *f.Name)
	}
	if f.Search != nil && *f.Search != "" {
		w.add(`name LIKE ? ESCAPE '\'`, likeContains(*f.Search))
	}
	if f.MinRooms != nil && *f.MinRooms != 0 {
		w.add(`room_count >= ?`, *f.MinRooms)
	}
	order := ` ORDER BY room_count DESC, id`
	if f.Order == edusphere.TopicOrderName {
		order = ` ORDER BY lower(name), id`
	}
	from := ` FROM (SELECT t.id, t.name, ` + count + ` AS room_count, ` + all + ` AS all_count
		FROM core_topic t)` + w.String()
	return findPage(ctx, tx, "topics",
		`SELECT id, name, room_count, `+totalColumn(f.Limit, f.Offset)+from+order+limitOffset(f.Limit, f.Offset),
		`SELECT count(*)`+from, w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.Topic, error) {
			var t edusphere.Topic
			err := rows.Scan(&t.ID, &t.Name, &t.RoomCount, total)
			return &t, err
		})
}
