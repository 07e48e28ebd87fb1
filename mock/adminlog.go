package mock

import (
	"context"

	"github.com/edusphere/edusphere"
)

var _ edusphere.AdminLogService = (*AdminLogService)(nil)

// AdminLogService is an edusphere.AdminLogService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type AdminLogService struct {
	CreateAdminActionFn func(ctx context.Context, a *edusphere.AdminAction) error
	FindAdminActionsFn  func(ctx context.Context, filter edusphere.AdminActionFilter) ([]*edusphere.AdminAction, int, error)
}

// CreateAdminAction calls CreateAdminActionFn.
func (mk *AdminLogService) CreateAdminAction(ctx context.Context, a *edusphere.AdminAction) error {
	if mk.CreateAdminActionFn == nil {
		panic("mock: AdminLogService.CreateAdminAction called without CreateAdminActionFn")
	}
	return mk.CreateAdminActionFn(ctx, a)
}

// FindAdminActions calls FindAdminActionsFn.
func (mk *AdminLogService) FindAdminActions(ctx context.Context, filter edusphere.AdminActionFilter) ([]*edusphere.AdminAction, int, error) {
	if mk.FindAdminActionsFn == nil {
		panic("mock: AdminLogService.FindAdminActions called without FindAdminActionsFn")
	}
	return mk.FindAdminActionsFn(ctx, filter)
}
