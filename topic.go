package edusphere

import (
	"context"

	"github.com/google/uuid"
)

// Topic tags rooms. Names are ASCII letters only and unique, compared
// exactly (python and Python are two topics).
type Topic struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	RoomCount int    `json:"roomCount"` // filled by FindTopics and FindTopicByID
}

// ValidateTopicName checks a topic name as the original's model did and
// returns the repr error the original returned (docs/graphql.md, Forms):
// the length message alone when the name is too long, else blank, else letters.
func ValidateTopicName(name string) error {
	if name == "" {
		return ModelFieldError(EINVALID, "name", MsgBlank)
	}
	switch msg := topicNameMessage(name); msg {
	case "":
		return nil
	case MsgTopicLetters:
		return ModelFieldError(EINVALID, "__all__", msg)
	default:
		return ModelFieldError(EINVALID, "name", msg)
	}
}

// TopicOrder names the orderings FindTopics supports.
type TopicOrder int

const (
	// TopicOrderPopular sorts by room count descending, then id ascending
	// (docs/graphql.md, Queries).
	TopicOrderPopular TopicOrder = iota
	// TopicOrderName sorts by lower(name), then id (the admin's order).
	TopicOrderName
)

// TopicService reads and changes topics.
type TopicService interface {
	// FindTopicByID returns ENOTFOUND.
	FindTopicByID(ctx context.Context, id int64) (*Topic, error)

	// FindTopics returns matching topics with their room counts and the
	// total count before Offset and Limit.
	FindTopics(ctx context.Context, filter TopicFilter) ([]*Topic, int, error)

	// GetOrCreateTopic returns the topic named exactly name, creating it
	// when there is none. Returns EINVALID from ValidateTopicName.
	GetOrCreateTopic(ctx context.Context, name string) (*Topic, error)

	// DeleteTopic deletes the topic and its rooms (with their messages).
	// Returns ENOTFOUND.
	DeleteTopic(ctx context.Context, id int64) error
}

// TopicFilter selects topics; nil fields and empty slices do not filter.
type TopicFilter struct {
	IDs    []int64
	Name   *string // exact
	Search *string // case-insensitive substring of the name
	// MinRooms keeps topics with at least that many rooms; nil or 0 do not filter.
	MinRooms *int
	// VisibleTo counts only the rooms that user may see
	// (RoomFilter.VisibleTo), in RoomCount, MinRooms and the order, and
	// leaves out topics whose rooms are all hidden from them; topics
	// without rooms stay. nil counts every room.
	VisibleTo *uuid.UUID
	Order     TopicOrder

	Offset int
	Limit  int // 0 means no limit
}
