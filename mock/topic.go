package mock

import (
	"context"

	"github.com/edusphere/edusphere"
)

var _ edusphere.TopicService = (*TopicService)(nil)

// TopicService is an edusphere.TopicService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type TopicService struct {
	FindTopicByIDFn    func(ctx context.Context, id int64) (*edusphere.Topic, error)
	FindTopicsFn       func(ctx context.Context, filter edusphere.TopicFilter) ([]*edusphere.Topic, int, error)
	GetOrCreateTopicFn func(ctx context.Context, name string) (*edusphere.Topic, error)
	DeleteTopicFn      func(ctx context.Context, id int64) error
}

// FindTopicByID calls FindTopicByIDFn.
func (mk *TopicService) FindTopicByID(ctx context.Context, id int64) (*edusphere.Topic, error) {
	if mk.FindTopicByIDFn == nil {
		panic("mock: TopicService.FindTopicByID called without FindTopicByIDFn")
	}
	return mk.FindTopicByIDFn(ctx, id)
}

// FindTopics calls FindTopicsFn.
func (mk *TopicService) FindTopics(ctx context.Context, filter edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	if mk.FindTopicsFn == nil {
		panic("mock: TopicService.FindTopics called without FindTopicsFn")
	}
	return mk.FindTopicsFn(ctx, filter)
}

// GetOrCreateTopic calls GetOrCreateTopicFn.
func (mk *TopicService) GetOrCreateTopic(ctx context.Context, name string) (*edusphere.Topic, error) {
	if mk.GetOrCreateTopicFn == nil {
		panic("mock: TopicService.GetOrCreateTopic called without GetOrCreateTopicFn")
	}
	return mk.GetOrCreateTopicFn(ctx, name)
}

// DeleteTopic calls DeleteTopicFn.
func (mk *TopicService) DeleteTopic(ctx context.Context, id int64) error {
	if mk.DeleteTopicFn == nil {
		panic("mock: TopicService.DeleteTopic called without DeleteTopicFn")
	}
	return mk.DeleteTopicFn(ctx, id)
}
