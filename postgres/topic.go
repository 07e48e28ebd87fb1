package postgres

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.TopicService = (*TopicService)(nil)

// TopicService stores topics in core_topic.
type TopicService struct {
	db *DB
}

// NewTopicService returns the topic service of db.
func NewTopicService(db *DB) *TopicService { return &TopicService{db: db} }

// topicFrom is the FROM clause giving each topic t its room count rc.n.
const topicFrom = `core_topic t CROSS JOIN LATERAL
	(SELECT count(*) AS n FROM core_room r WHERE r.topic_id = t.id) rc`

// FindTopicByID returns the topic with its room count, or ENOTFOUND.
func (s *TopicService) FindTopicByID(ctx context.Context, id int64) (*edusphere.Topic, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findTopicByID(ctx, tx, id)
}

// FindTopics returns matching topics with their room counts and the total
// before Offset and Limit.
func (s *TopicService) FindTopics(ctx context.Context, filter edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	return findTopics(ctx, tx, filter)
}

// GetOrCreateTopic returns the topic named exactly name, creating it when
// there is none. Returns EINVALID from ValidateTopicName before any SQL.
func (s *TopicService) GetOrCreateTopic(ctx context.Context, name string) (*edusphere.Topic, error) {
	if err := edusphere.ValidateTopicName(name); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id, err := getOrCreateTopic(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	t, err := findTopicByID(ctx, tx, id)
	if err := commitWith(ctx, tx, err); err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTopic deletes the topic; its rooms and their messages go with it
// through the foreign keys. Returns ENOTFOUND.
func (s *TopicService) DeleteTopic(ctx context.Context, id int64) error {
	return s.db.deleteByID(ctx, "core_topic", id, edusphere.MsgTopicNotFound)
}

func findTopicByID(ctx context.Context, tx *Tx, id int64) (*edusphere.Topic, error) {
	var t edusphere.Topic
	err := tx.queryRow(ctx, `SELECT t.id, t.name, rc.n FROM `+topicFrom+` WHERE t.id = $1`, id).
		Scan(&t.ID, &t.Name, &t.RoomCount)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgTopicNotFound)
	} else if err != nil {
		return nil, mapError("find topic", err)
	}
	return &t, nil
}

func findTopics(ctx context.Context, tx *Tx, filter edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	if err := edusphere.ValidateSearch(filter.Search); err != nil {
		return nil, 0, err
	}
	var w where
	from := topicFrom
	if v := filter.VisibleTo; v != nil {
		// Only the rooms the viewer may see count; a topic whose rooms are
		// all hidden is hidden too.
		from = `core_topic t CROSS JOIN LATERAL
	(SELECT count(*) FILTER (WHERE ` + visibleRoom("r", w.arg(*v)) + `) AS n, count(*) AS total
		FROM core_room r WHERE r.topic_id = t.id) rc`
		w.add(`(rc.n > 0 OR rc.total = 0)`)
	}
	if len(filter.IDs) > 0 {
		w.add(`t.id = ANY(` + w.arg(filter.IDs) + `)`)
	}
	if v := filter.Name; v != nil {
		w.add(`t.name = ` + w.arg(*v))
	}
	if v := filter.Search; v != nil && *v != "" {
		w.add(ilike(`t.name`, w.arg(likePattern(*v))))
	}
	if v := filter.MinRooms; v != nil && *v != 0 {
		w.add(`rc.n >= ` + w.arg(*v))
	}
	order := `rc.n DESC, t.id`
	if filter.Order == edusphere.TopicOrderName {
		order = `lower(t.name) COLLATE "C", t.id`
	}
	cond, nargs := w.String(), len(w.args)
	query := `SELECT t.id, t.name, rc.n, ` + totalColumn(filter.Limit, filter.Offset) + ` FROM ` + from + ` ` + cond +
		` ORDER BY ` + order + w.page(filter.Offset, filter.Limit)
	return findPage(ctx, tx, "topics", query, `SELECT count(*) FROM `+from+` `+cond, w.args, nargs, filter.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.Topic, error) {
			var t edusphere.Topic
			err := rows.Scan(&t.ID, &t.Name, &t.RoomCount, total)
			return &t, err
		})
}

// getOrCreateTopic returns the id of the topic named name, inserting it when
// missing. ON CONFLICT DO NOTHING waits for a concurrent insert of the same
// name to commit; the SELECT that follows then sees it.
func getOrCreateTopic(ctx context.Context, tx *Tx, name string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO core_topic (name) VALUES ($1)
		ON CONFLICT (name) DO NOTHING RETURNING id`, name).Scan(&id)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return 0, mapError("insert topic", err)
	}
	if err := tx.queryRow(ctx, `SELECT id FROM core_topic WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, mapError("find topic by name", err)
	}
	return id, nil
}
