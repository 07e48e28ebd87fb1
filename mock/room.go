package mock

import (
	"context"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.RoomService = (*RoomService)(nil)

// RoomService is an edusphere.RoomService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type RoomService struct {
	FindRoomByIDFn     func(ctx context.Context, id uuid.UUID) (*edusphere.Room, error)
	FindRoomBySlugFn   func(ctx context.Context, hostUsername, slug string) (*edusphere.Room, error)
	FindRoomsFn        func(ctx context.Context, filter edusphere.RoomFilter) ([]*edusphere.Room, int, error)
	CreateRoomFn       func(ctx context.Context, create edusphere.RoomCreate) (*edusphere.Room, error)
	UpdateRoomFn       func(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error)
	DeleteRoomFn       func(ctx context.Context, id uuid.UUID) error
	JoinRoomFn         func(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error)
	FindParticipantsFn func(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error)
	IsParticipantFn    func(ctx context.Context, roomID, userID uuid.UUID) (bool, error)
}

// FindRoomByID calls FindRoomByIDFn.
func (mk *RoomService) FindRoomByID(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	if mk.FindRoomByIDFn == nil {
		panic("mock: RoomService.FindRoomByID called without FindRoomByIDFn")
	}
	return mk.FindRoomByIDFn(ctx, id)
}

// FindRoomBySlug calls FindRoomBySlugFn.
func (mk *RoomService) FindRoomBySlug(ctx context.Context, hostUsername, slug string) (*edusphere.Room, error) {
	if mk.FindRoomBySlugFn == nil {
		panic("mock: RoomService.FindRoomBySlug called without FindRoomBySlugFn")
	}
	return mk.FindRoomBySlugFn(ctx, hostUsername, slug)
}

// FindRooms calls FindRoomsFn.
func (mk *RoomService) FindRooms(ctx context.Context, filter edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	if mk.FindRoomsFn == nil {
		panic("mock: RoomService.FindRooms called without FindRoomsFn")
	}
	return mk.FindRoomsFn(ctx, filter)
}

// CreateRoom calls CreateRoomFn.
func (mk *RoomService) CreateRoom(ctx context.Context, create edusphere.RoomCreate) (*edusphere.Room, error) {
	if mk.CreateRoomFn == nil {
		panic("mock: RoomService.CreateRoom called without CreateRoomFn")
	}
	return mk.CreateRoomFn(ctx, create)
}

// UpdateRoom calls UpdateRoomFn.
func (mk *RoomService) UpdateRoom(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error) {
	if mk.UpdateRoomFn == nil {
		panic("mock: RoomService.UpdateRoom called without UpdateRoomFn")
	}
	return mk.UpdateRoomFn(ctx, id, upd)
}

// DeleteRoom calls DeleteRoomFn.
func (mk *RoomService) DeleteRoom(ctx context.Context, id uuid.UUID) error {
	if mk.DeleteRoomFn == nil {
		panic("mock: RoomService.DeleteRoom called without DeleteRoomFn")
	}
	return mk.DeleteRoomFn(ctx, id)
}

// JoinRoom calls JoinRoomFn.
func (mk *RoomService) JoinRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	if mk.JoinRoomFn == nil {
		panic("mock: RoomService.JoinRoom called without JoinRoomFn")
	}
	return mk.JoinRoomFn(ctx, roomID, userID)
}

// FindParticipants calls FindParticipantsFn.
func (mk *RoomService) FindParticipants(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error) {
	if mk.FindParticipantsFn == nil {
		panic("mock: RoomService.FindParticipants called without FindParticipantsFn")
	}
	return mk.FindParticipantsFn(ctx, roomIDs)
}

// IsParticipant calls IsParticipantFn.
func (mk *RoomService) IsParticipant(ctx context.Context, roomID, userID uuid.UUID) (bool, error) {
	if mk.IsParticipantFn == nil {
		panic("mock: RoomService.IsParticipant called without IsParticipantFn")
	}
	return mk.IsParticipantFn(ctx, roomID, userID)
}
