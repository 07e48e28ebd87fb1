package edusphere

import (
	"context"

	"github.com/google/uuid"
)

// AccountService changes the standing of an account together with every
// side effect, in every process, whoever asks: the admin, the command line,
// an import. Transports check who may do it; the service does the rest.
type AccountService interface {
	// DeactivateUser marks the user inactive, ends every session they began
	// (access tokens through the deny-list, refresh tokens, admin sessions)
	// and closes their chat sockets in every process. Deactivating an
	// inactive user ends whatever sessions appeared since. Returns
	// ENOTFOUND.
	DeactivateUser(ctx context.Context, id uuid.UUID) (*User, error)

	// ReactivateUser marks the user active again. The sessions ended by the
	// deactivation stay ended: the user logs in anew. Returns ENOTFOUND.
	ReactivateUser(ctx context.Context, id uuid.UUID) (*User, error)

	// DeleteUser deactivates the user as DeactivateUser does, then deletes
	// them with the rooms they host (every message in them included),
	// their messages in other rooms, their participations, sessions and
	// avatar file. The sockets of the deleted rooms close in every process
	// and rooms that stay get a delete frame for each of the user's
	// messages. Returns ENOTFOUND.
	DeleteUser(ctx context.Context, id uuid.UUID) error
}
