package presence

import (
	"context"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// MemoryStore is a Store inside one process: the default when no Redis is
// configured. Last-seen times are lost when the process ends.
type MemoryStore struct {
	mu    sync.Mutex
	rooms map[uuid.UUID]map[uuid.UUID]map[string]time.Time // room -> user -> process -> expiry
	seen  map[uuid.UUID]time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		rooms: make(map[uuid.UUID]map[uuid.UUID]map[string]time.Time),
		seen:  make(map[uuid.UUID]time.Time),
	}
}

// live drops the expired entries of procs and reports whether one is left.
func live(procs map[string]time.Time, now time.Time) bool {
	for p, exp := range procs {
		if !exp.After(now) {
			delete(procs, p)
		}
	}
	return len(procs) > 0
}

// Refresh implements Store.
func (s *MemoryStore) Refresh(_ context.Context, p Pair, proc string, now, expires time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := s.rooms[p.Room]
	if users == nil {
		users = make(map[uuid.UUID]map[string]time.Time)
		s.rooms[p.Room] = users
	}
	procs := users[p.User]
	if procs == nil {
		procs = make(map[string]time.Time)
		users[p.User] = procs
	}
	was := live(procs, now)
	procs[proc] = expires
	s.seen[p.User] = now
	return !was, nil
}

// Remove implements Store.
func (s *MemoryStore) Remove(_ context.Context, p Pair, proc string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[p.User] = now
	users := s.rooms[p.Room]
	procs := users[p.User]
	if procs == nil {
		return false, nil
	}
	was := live(procs, now)
	delete(procs, proc)
	if live(procs, now) {
		return false, nil
	}
	delete(users, p.User)
	if len(users) == 0 {
		delete(s.rooms, p.Room)
	}
	return was, nil
}

// Sweep implements Store.
func (s *MemoryStore) Sweep(_ context.Context, now time.Time, limit int) ([]Pair, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pair
	for room, users := range s.rooms {
		for user, procs := range users {
			if len(out) >= limit {
				return out, nil
			}
			if !live(procs, now) {
				delete(users, user)
				out = append(out, Pair{Room: room, User: user})
			}
		}
		if len(users) == 0 {
			delete(s.rooms, room)
		}
	}
	return out, nil
}

// Online implements Store.
func (s *MemoryStore) Online(_ context.Context, rooms []uuid.UUID, now time.Time, limit int) (map[uuid.UUID]edusphere.OnlineList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uuid.UUID]edusphere.OnlineList, len(rooms))
	for _, room := range rooms {
		var l edusphere.OnlineList
		for user, procs := range s.rooms[room] {
			if !anyLive(procs, now) {
				continue
			}
			l.Count++
			if len(l.Users) < limit {
				l.Users = append(l.Users, user)
			}
		}
		if l.Count > 0 {
			out[room] = l
		}
	}
	return out, nil
}

// anyLive reports whether one of procs expires after now, changing nothing.
func anyLive(procs map[string]time.Time, now time.Time) bool {
	for _, exp := range procs {
		if exp.After(now) {
			return true
		}
	}
	return false
}

// LastSeen implements Store.
func (s *MemoryStore) LastSeen(_ context.Context, users []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uuid.UUID]time.Time, len(users))
	for _, u := range users {
		if t, ok := s.seen[u]; ok {
			out[u] = t
		}
	}
	return out, nil
}
