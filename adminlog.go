package edusphere

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// AdminAction records one change made through /admin/: who, what, when,
// and the object's fields before and after.
type AdminAction struct {
	ID         int64           `json:"id"`
	ActorID    uuid.UUID       `json:"actorId"`
	ActorEmail string          `json:"actorEmail"` // kept when the actor is deleted later
	Action     string          `json:"action"`     // "update" or "delete"
	ObjectType string          `json:"objectType"` // "user", "room", "topic", "message"
	ObjectID   string          `json:"objectId"`
	ObjectRepr string          `json:"objectRepr"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Created    time.Time       `json:"created"`
}

// AdminLogService stores the admin action log.
type AdminLogService interface {
	// CreateAdminAction fills ID and Created and inserts a.
	CreateAdminAction(ctx context.Context, a *AdminAction) error

	// FindAdminActions returns actions newest first and the total count.
	FindAdminActions(ctx context.Context, filter AdminActionFilter) ([]*AdminAction, int, error)
}

// AdminActionFilter selects log entries; nil fields do not filter.
type AdminActionFilter struct {
	ActorID    *uuid.UUID
	ObjectType *string
	ObjectID   *string

	Offset int
	Limit  int // 0 means no limit
}

// Services bundles what one database provides; cmd/edusphere builds it from
// the sqlite or postgres package and hands it to the transports.
type Services struct {
	Users    UserService
	Topics   TopicService
	Rooms    RoomService
	Messages MessageService
	Sessions SessionService
	AdminLog AdminLogService
	// ReadMarkers keeps read markers and unread counts.
	ReadMarkers ReadMarkerService
	// Invitations keeps pending room invitations.
	Invitations InvitationService
	// Search finds messages by their words; Reports keeps reports of
	// messages (docs/data.md, "Search", "Reports").
	Search  SearchService
	Reports ReportService
}
