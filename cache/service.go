package cache

import (
	"bytes"
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
)

// Wrap returns s with the catalog reads the GraphQL pages repeat answered
// from c: users by id, topic lists, room lists, rooms by id or slug, and
// participants. Every other method, writes included, goes to s as it is;
// a write moves the catalog version in its own transaction, which empties
// the cache for the next lookup. Answers are copies, so callers may change
// them.
func (c *Cache) Wrap(s edusphere.Services) edusphere.Services {
	s.Users = &userService{UserService: s.Users, c: c}
	s.Topics = &topicService{TopicService: s.Topics, c: c}
	s.Rooms = &roomService{RoomService: s.Rooms, c: c}
	if c.roomVersion != nil {
		s.Messages = &messageService{MessageService: s.Messages, c: c}
	}
	return s
}

type userService struct {
	edusphere.UserService
	c *Cache
}

// FindUserByID answers from the per-id entries FindUsers shares.
func (s *userService) FindUserByID(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	users, err := s.byIDs(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
	}
	return users[0], nil
}

// FindUsers caches lookups by ids alone (what dataloaders send); any other
// filter goes to the store.
func (s *userService) FindUsers(ctx context.Context, f edusphere.UserFilter) ([]*edusphere.User, int, error) {
	if len(f.IDs) == 0 || f.Username != nil || f.Search != nil || f.IsStaff != nil ||
		f.IsActive != nil || f.Offset != 0 || f.Limit != 0 {
		return s.UserService.FindUsers(ctx, f)
	}
	users, err := s.byIDs(ctx, f.IDs)
	return users, len(users), err
}

// byIDs returns copies of the users with ids that exist, in the store's
// order (date joined, then id), caching each id's answer, a miss included.
func (s *userService) byIDs(ctx context.Context, ids []uuid.UUID) ([]*edusphere.User, error) {
	w, err := s.c.view(ctx)
	if err != nil {
		return nil, err
	}
	found := make([]*edusphere.User, 0, len(ids))
	var missing []uuid.UUID
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		e, ok := w.get(userKey(id))
		if !ok {
			missing = append(missing, id)
		} else if u := e.(*edusphere.User); u != nil {
			found = append(found, u)
		}
	}
	if len(missing) > 0 {
		users, _, err := s.UserService.FindUsers(ctx, edusphere.UserFilter{IDs: missing})
		if err != nil {
			return nil, err
		}
		byID := make(map[uuid.UUID]*edusphere.User, len(users))
		for _, u := range users {
			byID[u.ID] = u
		}
		for _, id := range missing {
			u := byID[id]
			w.put(userKey(id), copyPtr(u), 1)
			if u != nil {
				found = append(found, u)
			}
		}
	}
	slices.SortFunc(found, func(a, b *edusphere.User) int {
		if c := a.DateJoined.Compare(b.DateJoined); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:]) // the order of the ids' text too
	})
	for i, u := range found {
		found[i] = copyPtr(u)
	}
	return found, nil
}

func userKey(id uuid.UUID) string { return "user:" + id.String() }

type topicService struct {
	edusphere.TopicService
	c *Cache
}

// FindTopics caches every filter's answer.
func (s *topicService) FindTopics(ctx context.Context, f edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	return cachedList(ctx, s.c, key("topics", f), func() ([]*edusphere.Topic, int, error) {
		return s.TopicService.FindTopics(ctx, f)
	})
}

type roomService struct {
	edusphere.RoomService
	c *Cache
}

// FindRooms caches every filter's answer.
func (s *roomService) FindRooms(ctx context.Context, f edusphere.RoomFilter) ([]*edusphere.Room, int, error) {
	return cachedList(ctx, s.c, key("rooms", f), func() ([]*edusphere.Room, int, error) {
		return s.RoomService.FindRooms(ctx, f)
	})
}

// FindRoomByID caches the room, or its absence.
func (s *roomService) FindRoomByID(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	return s.room(ctx, key("room", id), func() (*edusphere.Room, error) {
		return s.RoomService.FindRoomByID(ctx, id)
	})
}

// FindRoomBySlug caches the room, or its absence.
func (s *roomService) FindRoomBySlug(ctx context.Context, hostUsername, slug string) (*edusphere.Room, error) {
	return s.room(ctx, key("roomslug", [2]string{hostUsername, slug}), func() (*edusphere.Room, error) {
		return s.RoomService.FindRoomBySlug(ctx, hostUsername, slug)
	})
}

func (s *roomService) room(ctx context.Context, k string, find func() (*edusphere.Room, error)) (*edusphere.Room, error) {
	w, err := s.c.view(ctx)
	if err != nil {
		return nil, err
	}
	e, ok := w.get(k)
	if !ok {
		r, err := find()
		if err != nil && edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			return nil, err
		}
		e = copyPtr(r)
		w.put(k, e, 1)
	}
	r := e.(*edusphere.Room)
	if r == nil {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	}
	return copyPtr(r), nil
}

// FindParticipants caches each room's participants.
func (s *roomService) FindParticipants(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error) {
	w, err := s.c.view(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*edusphere.User, len(roomIDs))
	var missing []uuid.UUID
	for _, id := range roomIDs {
		if _, dup := out[id]; dup {
			continue
		}
		e, ok := w.get(key("participants", id))
		if !ok {
			missing = append(missing, id)
			continue
		}
		out[id] = copyAll(e.([]*edusphere.User))
	}
	if len(missing) > 0 {
		m, err := s.RoomService.FindParticipants(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, id := range missing {
			users := m[id]
			w.put(key("participants", id), copyAll(users), len(users)+1)
			if users != nil {
				out[id] = users
			}
		}
	}
	// The store leaves rooms without participants out of its map.
	for id, users := range out {
		if len(users) == 0 {
			delete(out, id)
		}
	}
	return out, nil
}

type messageService struct {
	edusphere.MessageService
	c *Cache
}

// FindMessages caches a room's message list (the room page's question:
// a room, an order, perhaps a page) under the room's messages version.
// Other filters, which may depend on users or rooms, go to the store.
func (s *messageService) FindMessages(ctx context.Context, f edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	if f.RoomID == nil || len(f.IDs) > 0 || f.UserID != nil || f.Search != nil {
		return s.MessageService.FindMessages(ctx, f)
	}
	v, err := s.c.roomVersion(ctx, *f.RoomID)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return s.MessageService.FindMessages(ctx, f)
	} else if err != nil {
		return nil, 0, err
	}
	k := key("messages", f)
	e, ok := s.c.getVersioned(k, v)
	if !ok {
		msgs, total, err := s.MessageService.FindMessages(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		e = list[edusphere.Message]{copyAll(msgs), total}
		s.c.putVersioned(k, v, e, len(msgs)+1)
	}
	l := e.(list[edusphere.Message])
	return copyAll(l.items), l.total, nil
}

// cachedList answers a list lookup under key from c, or from find, whose
// answer it then keeps.
func cachedList[T any](ctx context.Context, c *Cache, key string, find func() ([]*T, int, error)) ([]*T, int, error) {
	w, err := c.view(ctx)
	if err != nil {
		return nil, 0, err
	}
	e, ok := w.get(key)
	if !ok {
		items, total, err := find()
		if err != nil {
			return nil, 0, err
		}
		e = list[T]{copyAll(items), total}
		w.put(key, e, len(items)+1)
	}
	l := e.(list[T])
	return copyAll(l.items), l.total, nil
}

// list is a cached list answer with its total.
type list[T any] struct {
	items []*T
	total int
}

// copyPtr returns a copy of *p, or nil.
func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// copyAll copies every element; nil stays nil.
func copyAll[T any](items []*T) []*T {
	if items == nil {
		return nil
	}
	out := make([]*T, len(items))
	for i, p := range items {
		out[i] = copyPtr(p)
	}
	return out
}
