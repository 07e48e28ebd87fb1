package mock

import (
	"context"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.UserService = (*UserService)(nil)

// UserService is an edusphere.UserService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type UserService struct {
	FindUserByIDFn       func(ctx context.Context, id uuid.UUID) (*edusphere.User, error)
	FindUserByUsernameFn func(ctx context.Context, username string) (*edusphere.User, error)
	FindUserByEmailFn    func(ctx context.Context, email string) (*edusphere.User, error)
	FindUsersFn          func(ctx context.Context, filter edusphere.UserFilter) ([]*edusphere.User, int, error)
	CreateUserFn         func(ctx context.Context, u *edusphere.User) error
	UpdateUserFn         func(ctx context.Context, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error)
	DeleteUserFn         func(ctx context.Context, id uuid.UUID) error
}

// FindUserByID calls FindUserByIDFn.
func (mk *UserService) FindUserByID(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	if mk.FindUserByIDFn == nil {
		panic("mock: UserService.FindUserByID called without FindUserByIDFn")
	}
	return mk.FindUserByIDFn(ctx, id)
}

// FindUserByUsername calls FindUserByUsernameFn.
func (mk *UserService) FindUserByUsername(ctx context.Context, username string) (*edusphere.User, error) {
	if mk.FindUserByUsernameFn == nil {
		panic("mock: UserService.FindUserByUsername called without FindUserByUsernameFn")
	}
	return mk.FindUserByUsernameFn(ctx, username)
}

// FindUserByEmail calls FindUserByEmailFn.
func (mk *UserService) FindUserByEmail(ctx context.Context, email string) (*edusphere.User, error) {
	if mk.FindUserByEmailFn == nil {
		panic("mock: UserService.FindUserByEmail called without FindUserByEmailFn")
	}
	return mk.FindUserByEmailFn(ctx, email)
}

// FindUsers calls FindUsersFn.
func (mk *UserService) FindUsers(ctx context.Context, filter edusphere.UserFilter) ([]*edusphere.User, int, error) {
	if mk.FindUsersFn == nil {
		panic("mock: UserService.FindUsers called without FindUsersFn")
	}
	return mk.FindUsersFn(ctx, filter)
}

// CreateUser calls CreateUserFn.
func (mk *UserService) CreateUser(ctx context.Context, u *edusphere.User) error {
	if mk.CreateUserFn == nil {
		panic("mock: UserService.CreateUser called without CreateUserFn")
	}
	return mk.CreateUserFn(ctx, u)
}

// UpdateUser calls UpdateUserFn.
func (mk *UserService) UpdateUser(ctx context.Context, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error) {
	if mk.UpdateUserFn == nil {
		panic("mock: UserService.UpdateUser called without UpdateUserFn")
	}
	return mk.UpdateUserFn(ctx, id, upd)
}

// DeleteUser calls DeleteUserFn.
func (mk *UserService) DeleteUser(ctx context.Context, id uuid.UUID) error {
	if mk.DeleteUserFn == nil {
		panic("mock: UserService.DeleteUser called without DeleteUserFn")
	}
	return mk.DeleteUserFn(ctx, id)
}
