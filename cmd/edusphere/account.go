package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/config"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/media"
	"github.com/edusphere/edusphere/redis"
)

// accountCommands are the subcommands that change an account's standing.
var accountCommands = map[string]string{
	"deactivate": "Deactivate a user: they can no longer log in, every session they began ends and their\n" +
		"chat sockets close (4403). USER is an email, a username or a user id.",
	"reactivate": "Reactivate a deactivated user; they log in anew. USER is an email, a username or a user id.",
	"deleteuser": "Delete a user with the rooms they host (and every message in them), their messages,\n" +
		"sessions and avatar. Asks for confirmation unless --noinput. USER is an email, a username or a user id.",
}

// accountFlags are the flags and argument of the account commands.
type accountFlags struct {
	user    string
	noInput bool
}

// changeAccount runs deactivate, reactivate or deleteuser through the
// account service, exactly as the admin does. Its events reach running
// servers through the broker, so REDIS_URL must be the servers' own; with
// the in-memory broker only the database carries the change (a warning says
// what that means).
func (m *Main) changeAccount(ctx context.Context) error {
	c := m.Config
	db, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	a := &app{log: m.Logger, db: db}
	m.app = a
	if err := m.migrateDB(ctx, db); err != nil {
		return err
	}
	s := db.Services()
	u, err := findAccount(ctx, s.Users, m.acct.user)
	if err != nil {
		return err
	}
	if c.RedisURL != "" {
		rb := redis.NewBroker(redis.Config{URL: c.RedisURL, Logger: m.Logger})
		a.broker = rb
		if err := rb.Open(ctx); err != nil {
			return fmt.Errorf("open redis broker %s: %w", config.RedactURL(c.RedisURL), err)
		}
	} else {
		a.broker = inmem.NewBroker()
		m.Logger.Warn("no REDIS_URL: running servers learn of this change through the database only " +
			"(see the Commands table of README.md)")
	}
	a.auth = auth.New(m.authConfig(a.broker), s.Users, s.Sessions)
	accounts := account.New(account.Config{
		Store:    s,
		Notifier: hub.NewNotifier(a.broker, m.Logger),
		Revoker:  a.auth,
		Files:    media.NewDir(c.MediaPath()),
		Logger:   m.Logger,
	})

	switch m.Command {
	case "deactivate":
		if _, err := accounts.DeactivateUser(ctx, u.ID); err != nil {
			return fmt.Errorf("deactivate %s: %w", u.Email, err)
		}
		fmt.Fprintf(m.Stdout, "User %s (%s) deactivated.\n", u.Email, u.Username)
	case "reactivate":
		if _, err := accounts.ReactivateUser(ctx, u.ID); err != nil {
			return fmt.Errorf("reactivate %s: %w", u.Email, err)
		}
		fmt.Fprintf(m.Stdout, "User %s (%s) reactivated.\n", u.Email, u.Username)
	case "deleteuser":
		if !m.acct.noInput {
			if err := m.confirmDelete(ctx, s, u); err != nil {
				return err
			}
		}
		if err := accounts.DeleteUser(ctx, u.ID); err != nil {
			return fmt.Errorf("delete %s: %w", u.Email, err)
		}
		fmt.Fprintf(m.Stdout, "User %s (%s) deleted.\n", u.Email, u.Username)
	}
	return nil
}

// findAccount finds the user named by an email (it holds an @), a user id
// or else a username.
func findAccount(ctx context.Context, users edusphere.UserService, name string) (*edusphere.User, error) {
	var u *edusphere.User
	var err error
	kind := "username"
	if strings.Contains(name, "@") {
		kind = "email"
		u, err = users.FindUserByEmail(ctx, name)
	} else if id, perr := uuid.Parse(name); perr == nil {
		kind = "id"
		u, err = users.FindUserByID(ctx, id)
	} else {
		u, err = users.FindUserByUsername(ctx, name)
	}
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, fmt.Errorf("no user with %s %q", kind, name)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// errCancelled reports a deletion the operator did not confirm.
var errCancelled = errors.New("deleteuser: cancelled; nothing was deleted")

// confirmDelete says what deleting u takes along and asks for "yes".
func (m *Main) confirmDelete(ctx context.Context, s edusphere.Services, u *edusphere.User) error {
	_, rooms, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &u.ID, Limit: 1})
	if err != nil {
		return fmt.Errorf("count hosted rooms: %w", err)
	}
	_, msgs, err := s.Messages.FindMessages(ctx, edusphere.MessageFilter{UserID: &u.ID, Limit: 1})
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	fmt.Fprintf(m.Stdout, "This deletes %s (%s), the %d rooms they host with every message in them, and their %d messages.\n",
		u.Email, u.Username, rooms, msgs)
	fmt.Fprint(m.Stdout, "Type 'yes' to continue, or 'no' to cancel: ")
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read answer: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return errCancelled
	}
	return nil
}
