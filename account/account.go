package account

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Ensure Service implements the interface.
var _ edusphere.AccountService = (*Service)(nil)

// Notifier announces committed changes to every process's sockets
// (*hub.Notifier).
type Notifier interface {
	// UserDisabled closes the user's sockets (4403).
	UserDisabled(ctx context.Context, userID uuid.UUID)
	// RoomDeleted closes the room's sockets (4404).
	RoomDeleted(ctx context.Context, roomID uuid.UUID)
	// MessageDeleted sends the room the message's delete frame.
	MessageDeleted(ctx context.Context, m *edusphere.Message)
}

// Revoker ends a user's API sessions (*auth.Service): it denies the access
// tokens of every session they began so far, in every process, and revokes
// their refresh tokens.
type Revoker interface {
	RevokeUser(ctx context.Context, userID uuid.UUID) error
}

// Files removes stored files (media.Storage).
type Files interface {
	// Delete removes the file; a missing file is not an error.
	Delete(ctx context.Context, name string) error
}

// Config configures a Service. Store, Notifier and Revoker are required.
type Config struct {
	// Store is the database's own services: Users, Rooms, Messages and
	// Sessions are used.
	Store edusphere.Services
	// Notifier announces deactivations and the cascade of a deletion.
	Notifier Notifier
	// Revoker ends API sessions.
	Revoker Revoker
	// Files holds avatars; a deleted user's avatar file is removed from it.
	// Optional: nil leaves files in place.
	Files Files
	// Logger receives one line per change and failed file removals.
	// Default slog.Default().
	Logger *slog.Logger
}

// Service is the edusphere.AccountService.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns the service for cfg. It panics when a required field is
// missing, a programming error.
func New(cfg Config) *Service {
	s := cfg.Store
	if s.Users == nil || s.Rooms == nil || s.Messages == nil || s.Sessions == nil || cfg.Notifier == nil || cfg.Revoker == nil {
		panic("account: Config.Store, Config.Notifier and Config.Revoker are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "account")}
}

// DeactivateUser marks the user inactive first, so that from then on no
// request authenticates as them, then closes their sockets, revokes their
// sessions and ends their admin sessions.
func (s *Service) DeactivateUser(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	off := false
	u, err := s.cfg.Store.Users.UpdateUser(ctx, id, edusphere.UserUpdate{IsActive: &off})
	if err != nil {
		return nil, err
	}
	if err := s.endSessions(ctx, id); err != nil {
		return nil, err
	}
	s.log.Info("account deactivated", "user", id)
	return u, nil
}

// endSessions closes the user's sockets and ends their sessions.
func (s *Service) endSessions(ctx context.Context, id uuid.UUID) error {
	s.cfg.Notifier.UserDisabled(ctx, id)
	if err := s.cfg.Revoker.RevokeUser(ctx, id); err != nil {
		return fmt.Errorf("revoke api sessions: %w", err)
	}
	if err := s.cfg.Store.Sessions.DeleteUserAdminSessions(ctx, id); err != nil {
		return fmt.Errorf("end admin sessions: %w", err)
	}
	return nil
}

// ReactivateUser marks the user active.
func (s *Service) ReactivateUser(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	on := true
	u, err := s.cfg.Store.Users.UpdateUser(ctx, id, edusphere.UserUpdate{IsActive: &on})
	if err != nil {
		return nil, err
	}
	s.log.Info("account reactivated", "user", id)
	return u, nil
}

// DeleteUser deactivates the user, reads what the deletion takes along,
// deletes the user in one transaction (the store cascades rooms, messages,
// participations and sessions), then announces the cascade and removes the
// avatar file.
func (s *Service) DeleteUser(ctx context.Context, id uuid.UUID) error {
	st := s.cfg.Store
	u, err := s.DeactivateUser(ctx, id)
	if err != nil {
		return err
	}
	rooms, _, err := st.Rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &id})
	if err != nil {
		return fmt.Errorf("find hosted rooms: %w", err)
	}
	msgs, _, err := st.Messages.FindMessages(ctx, edusphere.MessageFilter{UserID: &id})
	if err != nil {
		return fmt.Errorf("find messages: %w", err)
	}
	if err := st.Users.DeleteUser(ctx, id); err != nil {
		return err
	}
	hosted := make(map[uuid.UUID]bool, len(rooms))
	for _, r := range rooms {
		hosted[r.ID] = true
		s.cfg.Notifier.RoomDeleted(ctx, r.ID)
	}
	for _, m := range msgs {
		if !hosted[m.RoomID] {
			s.cfg.Notifier.MessageDeleted(ctx, m)
		}
	}
	if u.Avatar != "" && s.cfg.Files != nil {
		if err := s.cfg.Files.Delete(ctx, u.Avatar); err != nil {
			s.log.Warn("delete avatar file", "user", id, "name", u.Avatar, "err", err)
		}
	}
	s.log.Info("account deleted", "user", id, "rooms", len(rooms), "messages", len(msgs))
	return nil
}
