// Package seed fills a database with a reproducible data set for the
// GraphQL benchmarks and the load tool: users, rooms with participants,
// and messages, including one room with a known number of messages that
// the room-page journey opens.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/edusphere/edusphere"
)

// Options sizes the data set; zero fields take the defaults in comments.
type Options struct {
	Users           int // default 2,000
	Rooms           int // default 100
	MinParticipants int // default 10, the host included
	MaxParticipants int // default 50
	Messages        int // default 50,000 in all
	BusyMessages    int // messages in the busy room; default 200
	Topics          int // default 12
	Seed            uint64
}

func (o Options) withDefaults() Options {
	if o.Users <= 0 {
		o.Users = 2000
	}
	if o.Rooms <= 0 {
		o.Rooms = 100
	}
	if o.MinParticipants <= 0 {
		o.MinParticipants = 10
	}
	if o.MaxParticipants < o.MinParticipants {
		o.MaxParticipants = max(50, o.MinParticipants)
	}
	if o.MaxParticipants > o.Users {
		o.MaxParticipants = o.Users
	}
	if o.MinParticipants > o.MaxParticipants {
		o.MinParticipants = o.MaxParticipants
	}
	if o.Messages <= 0 {
		o.Messages = 50_000
	}
	if o.BusyMessages <= 0 {
		o.BusyMessages = 200
	}
	if o.BusyMessages > o.Messages {
		o.BusyMessages = o.Messages
	}
	if o.Topics <= 0 {
		o.Topics = 12
	}
	return o
}

// Result names what was created.
type Result struct {
	Users []*edusphere.User
	Rooms []*edusphere.Room
	// BusyHost and BusyRoomSlug address the room with exactly
	// Options.BusyMessages messages: /u/<BusyHost>/<BusyRoomSlug>.
	BusyHost     string
	BusyRoomSlug string
}

// Usernames of seeded users are UserPrefix plus a 4-digit number.
const UserPrefix = "seeduser"

var topicNames = []string{
	"Python", "Golang", "Rust", "Databases", "Networks", "Algebra", "Calculus",
	"Physics", "Chemistry", "Biology", "History", "Literature", "Music", "Design",
}

// Run creates the data set through s. It fails if the seeded users exist
// already; use Exists to check first.
func Run(ctx context.Context, s edusphere.Services, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5eed))
	res := &Result{}

	for i := 0; i < opt.Users; i++ {
		u := &edusphere.User{
			Email:    fmt.Sprintf("%s%04d@example.com", UserPrefix, i),
			Username: fmt.Sprintf("%s%04d", UserPrefix, i),
			Name:     fmt.Sprintf("Seed User %d", i),
			Bio:      "Studies with EduSphere.",
			Password: "!unusable",
			IsActive: true,
		}
		if err := s.Users.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("create user %d: %w", i, err)
		}
		res.Users = append(res.Users, u)
	}

	participants := make([][]*edusphere.User, opt.Rooms)
	for i := 0; i < opt.Rooms; i++ {
		host := res.Users[rng.IntN(len(res.Users))]
		room, err := s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{
			HostID:      host.ID,
			Name:        fmt.Sprintf("Seed Room %d", i),
			TopicName:   topicNames[i%min(opt.Topics, len(topicNames))],
			Description: fmt.Sprintf("Room number %d of the seeded data set.", i),
		})
		if err != nil {
			return nil, fmt.Errorf("create room %d: %w", i, err)
		}
		want := opt.MinParticipants + rng.IntN(opt.MaxParticipants-opt.MinParticipants+1)
		members := []*edusphere.User{host}
		seen := map[int]bool{}
		for len(members) < want {
			j := rng.IntN(len(res.Users))
			u := res.Users[j]
			if seen[j] || u.ID == host.ID {
				continue
			}
			seen[j] = true
			if _, err := s.Rooms.JoinRoom(ctx, room.ID, u.ID); err != nil {
				return nil, fmt.Errorf("join room %d: %w", i, err)
			}
			members = append(members, u)
		}
		participants[i] = members
		room.ParticipantCount = len(members)
		res.Rooms = append(res.Rooms, room)
		if i == 0 {
			res.BusyHost, res.BusyRoomSlug = host.Username, room.Slug
		}
	}

	// The busy room gets exactly BusyMessages; the rest share the remainder.
	for n := 0; n < opt.Messages; n++ {
		ri := 0
		if n >= opt.BusyMessages {
			if opt.Rooms == 1 {
				break
			}
			ri = 1 + rng.IntN(opt.Rooms-1)
		}
		members := participants[ri]
		m := &edusphere.Message{
			UserID: members[rng.IntN(len(members))].ID,
			RoomID: res.Rooms[ri].ID,
			Body:   fmt.Sprintf("Message %d: shall we go over chapter %d together?", n, rng.IntN(20)+1),
		}
		if err := s.Messages.CreateMessage(ctx, m); err != nil {
			return nil, fmt.Errorf("create message %d: %w", n, err)
		}
	}
	return res, nil
}

// Exists reports whether the database was seeded already, and if so the
// busy room's address, so a load run can reuse a seeded database.
func Exists(ctx context.Context, s edusphere.Services) (host, slug string, ok bool, err error) {
	name := "Seed Room 0"
	rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{Search: &name, Limit: 10})
	if err != nil {
		return "", "", false, fmt.Errorf("find seeded room: %w", err)
	}
	for _, r := range rooms {
		if r.Name != name {
			continue
		}
		u, err := s.Users.FindUserByID(ctx, r.HostID)
		if err != nil {
			return "", "", false, fmt.Errorf("find seeded host: %w", err)
		}
		return u.Username, r.Slug, true, nil
	}
	return "", "", false, nil
}
