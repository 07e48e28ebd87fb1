package mock

import (
	"context"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.MessageService = (*MessageService)(nil)

// MessageService is an edusphere.MessageService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type MessageService struct {
	FindMessageByIDFn func(ctx context.Context, id uuid.UUID) (*edusphere.Message, error)
	FindMessagesFn    func(ctx context.Context, filter edusphere.MessageFilter) ([]*edusphere.Message, int, error)
	CreateMessageFn   func(ctx context.Context, m *edusphere.Message) error
	UpdateMessageFn   func(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error)
	DeleteMessageFn   func(ctx context.Context, id uuid.UUID) error
	CommitChatFn      func(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult
	ChangesSinceFn    func(ctx context.Context, roomID uuid.UUID, since int64, limit int) (*edusphere.RoomChanges, error)
	FindHistoryFn     func(ctx context.Context, q edusphere.HistoryQuery) (*edusphere.HistoryPage, error)
}

// FindMessageByID calls FindMessageByIDFn.
func (mk *MessageService) FindMessageByID(ctx context.Context, id uuid.UUID) (*edusphere.Message, error) {
	if mk.FindMessageByIDFn == nil {
		panic("mock: MessageService.FindMessageByID called without FindMessageByIDFn")
	}
	return mk.FindMessageByIDFn(ctx, id)
}

// FindMessages calls FindMessagesFn.
func (mk *MessageService) FindMessages(ctx context.Context, filter edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	if mk.FindMessagesFn == nil {
		panic("mock: MessageService.FindMessages called without FindMessagesFn")
	}
	return mk.FindMessagesFn(ctx, filter)
}

// CreateMessage calls CreateMessageFn.
func (mk *MessageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if mk.CreateMessageFn == nil {
		panic("mock: MessageService.CreateMessage called without CreateMessageFn")
	}
	return mk.CreateMessageFn(ctx, m)
}

// UpdateMessage calls UpdateMessageFn.
func (mk *MessageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	if mk.UpdateMessageFn == nil {
		panic("mock: MessageService.UpdateMessage called without UpdateMessageFn")
	}
	return mk.UpdateMessageFn(ctx, id, upd)
}

// DeleteMessage calls DeleteMessageFn.
func (mk *MessageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	if mk.DeleteMessageFn == nil {
		panic("mock: MessageService.DeleteMessage called without DeleteMessageFn")
	}
	return mk.DeleteMessageFn(ctx, id)
}

// CommitChat calls CommitChatFn.
func (mk *MessageService) CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult {
	if mk.CommitChatFn == nil {
		panic("mock: MessageService.CommitChat called without CommitChatFn")
	}
	return mk.CommitChatFn(ctx, ops)
}

// ChangesSince calls ChangesSinceFn.
func (mk *MessageService) ChangesSince(ctx context.Context, roomID uuid.UUID, since int64, limit int) (*edusphere.RoomChanges, error) {
	if mk.ChangesSinceFn == nil {
		panic("mock: MessageService.ChangesSince called without ChangesSinceFn")
	}
	return mk.ChangesSinceFn(ctx, roomID, since, limit)
}

// FindHistory calls FindHistoryFn.
func (mk *MessageService) FindHistory(ctx context.Context, q edusphere.HistoryQuery) (*edusphere.HistoryPage, error) {
	if mk.FindHistoryFn == nil {
		panic("mock: MessageService.FindHistory called without FindHistoryFn")
	}
	return mk.FindHistoryFn(ctx, q)
}
