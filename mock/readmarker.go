package mock

import (
	"context"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.ReadMarkerService = (*ReadMarkerService)(nil)

// ReadMarkerService is an edusphere.ReadMarkerService whose methods call the
// matching Fn field; calling a method whose field is nil panics, naming the
// method.
type ReadMarkerService struct {
	MarkReadFn       func(ctx context.Context, userID, roomID uuid.UUID, seq int64) (*edusphere.ReadState, error)
	FindReadStatesFn func(ctx context.Context, userID uuid.UUID, roomIDs []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error)
	RoomSeqsFn       func(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]int64, error)
}

// MarkRead calls MarkReadFn.
func (mk *ReadMarkerService) MarkRead(ctx context.Context, userID, roomID uuid.UUID, seq int64) (*edusphere.ReadState, error) {
	if mk.MarkReadFn == nil {
		panic("mock: ReadMarkerService.MarkRead called without MarkReadFn")
	}
	return mk.MarkReadFn(ctx, userID, roomID, seq)
}

// FindReadStates calls FindReadStatesFn.
func (mk *ReadMarkerService) FindReadStates(ctx context.Context, userID uuid.UUID, roomIDs []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error) {
	if mk.FindReadStatesFn == nil {
		panic("mock: ReadMarkerService.FindReadStates called without FindReadStatesFn")
	}
	return mk.FindReadStatesFn(ctx, userID, roomIDs)
}

// RoomSeqs calls RoomSeqsFn.
func (mk *ReadMarkerService) RoomSeqs(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]int64, error) {
	if mk.RoomSeqsFn == nil {
		panic("mock: ReadMarkerService.RoomSeqs called without RoomSeqsFn")
	}
	return mk.RoomSeqsFn(ctx, roomIDs)
}
