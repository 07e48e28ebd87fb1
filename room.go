package edusphere

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// Room is a study room: hosted by one user, tagged with one topic, joined by
// participants (the host from the start), holding messages.
type Room struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"` // unique per host; see NewRoomSlug
	HostID      uuid.UUID `json:"hostId"`
	TopicID     int64     `json:"topicId"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// IsPrivate hides the room from everyone who does not take part in it
	// (VisibleTo); MembersCanInvite lets its participants, not only its host,
	// invite (docs/data.md, Private rooms).
	IsPrivate        bool `json:"isPrivate"`
	MembersCanInvite bool `json:"membersCanInvite"`

	// ParticipantCount is filled by every finder.
	ParticipantCount int `json:"participantCount"`
}

// Validate checks the model rules a store enforces before any SQL runs.
func (r *Room) Validate() error {
	var fe FieldErrors
	roomNameModel(&fe, r.Name)
	roomSlugModel(&fe, r.Slug)
	if r.HostID == uuid.Nil {
		fe.Add("host", MsgNull)
	}
	if r.TopicID == 0 {
		fe.Add("topic", MsgNull)
	}
	checkLength(&fe, "description", r.Description, MaxDescriptionLength)
	return errorOrNil(fe)
}

// roomNameModel checks a room's name as the model does: not blank, then
// every rule of the room form.
func roomNameModel(fe *FieldErrors, name string) {
	if name == "" {
		fe.Add("name", MsgBlank)
		return
	}
	roomNameRules(fe, "name", name)
}

// roomSlugModel checks a room's slug as the model does, one message: not
// blank, then its length, then its characters.
func roomSlugModel(fe *FieldErrors, slug string) {
	checkModelText(fe, "slug", slug, MaxNameLength, IsSlug, MsgInvalidSlug)
}

// CanEditRoom reports whether user may update or delete room: only its host.
func CanEditRoom(user *User, room *Room) bool {
	return user != nil && room != nil && user.ID == room.HostID
}

// NewRoomSlug returns the slug for a room called name: slugify(name), or,
// while taken(slug) reports the host already uses it, slugify(name) plus "-"
// and four random lower-case hex digits (docs/data.md, Room slugs).
func NewRoomSlug(name string, taken func(slug string) (bool, error)) (string, error) {
	base := Slugify(name)
	slug := base
	for i := 0; ; i++ {
		used, err := taken(slug)
		if err != nil {
			return "", err
		} else if !used {
			return slug, nil
		} else if i >= 64 {
			return "", ModelFieldError(ECONFLICT, "slug", "Could not find a free slug.")
		}
		slug = base + "-" + randomHex(2)
	}
}

// KeepsSlug reports whether renaming a room from oldName to newName keeps
// its slug: the names slugify alike, e.g. a change of letter case only
// (docs/data.md, Room slugs).
func KeepsSlug(oldName, newName string) bool {
	return Slugify(oldName) == Slugify(newName)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// RoomOrder names the orderings FindRooms supports.
type RoomOrder int

const (
	// RoomOrderPopular: participant count descending, then created descending, then id.
	RoomOrderPopular RoomOrder = iota
	// RoomOrderNewest: created descending, then id.
	RoomOrderNewest
	// RoomOrderUpdated: updated descending, then created descending (the admin's order).
	RoomOrderUpdated
)

// RoomService reads and changes rooms and their participants.
type RoomService interface {
	// FindRoomByID returns ENOTFOUND ("Room not found").
	FindRoomByID(ctx context.Context, id uuid.UUID) (*Room, error)

	// FindRoomBySlug matches the host's username and the slug exactly.
	// Returns ENOTFOUND ("Room not found").
	FindRoomBySlug(ctx context.Context, hostUsername, slug string) (*Room, error)

	// FindRooms returns matching rooms and the total before Offset and Limit.
	FindRooms(ctx context.Context, filter RoomFilter) ([]*Room, int, error)

	// CreateRoom gets or creates the topic, builds the slug, inserts the room
	// and adds the host as a participant, all in one transaction. Returns
	// EINVALID (topic or room model errors), ENOTFOUND for an unknown host,
	// ECONFLICT {'__all__': ['You already have a room with this name.']}.
	CreateRoom(ctx context.Context, create RoomCreate) (*Room, error)

	// UpdateRoom applies upd in one transaction: a new TopicName is got or
	// created; a new Name rebuilds the slug unless KeepsSlug; Updated becomes
	// now. Returns ENOTFOUND, EINVALID, ECONFLICT as CreateRoom.
	UpdateRoom(ctx context.Context, id uuid.UUID, upd RoomUpdate) (*Room, error)

	// DeleteRoom deletes the room, its messages and participations; the topic
	// stays. Returns ENOTFOUND.
	DeleteRoom(ctx context.Context, id uuid.UUID) error

	// JoinRoom adds userID to the room's participants; joining twice changes
	// nothing and Updated is kept. Returns ENOTFOUND for room or user.
	JoinRoom(ctx context.Context, roomID, userID uuid.UUID) (*Room, error)

	// FindParticipants returns the participants of each room, in joining
	// order, with one query for all rooms. Rooms without any are absent.
	FindParticipants(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID][]*User, error)

	// IsParticipant reports whether userID takes part in roomID.
	IsParticipant(ctx context.Context, roomID, userID uuid.UUID) (bool, error)

	// FindRoomForUser is FindRoomBySlug and IsParticipant(room, userID)
	// in one read, as a chat handshake asks them. Returns ENOTFOUND
	// ("Room not found").
	FindRoomForUser(ctx context.Context, hostUsername, slug string, userID uuid.UUID) (*Room, bool, error)

	// RemoveParticipant takes userID out of the room's participants (leave
	// or removal; the rules are CheckLeave and CheckRemove). The host
	// cannot be removed. Returns ENOTFOUND (room, or "User is not a
	// participant of this room"), EINVALID for the host.
	RemoveParticipant(ctx context.Context, roomID, userID uuid.UUID) error

	// TransferRoom makes userID, a participant, the room's host; the slug
	// is rebuilt when the new host already uses it. Returns ENOTFOUND,
	// EINVALID (not a participant), ECONFLICT when the new host has a room
	// of that name.
	TransferRoom(ctx context.Context, roomID, userID uuid.UUID) (*Room, error)
}

// RoomCreate holds what a new room needs.
type RoomCreate struct {
	HostID      uuid.UUID
	Name        string
	TopicName   string
	Description string
	// IsPrivate and MembersCanInvite default to false: a public room whose
	// host alone invites.
	IsPrivate        bool
	MembersCanInvite bool
}

// Validate checks what a store can check before any SQL: the topic name
// first (ValidateTopicName), then the room's name, host and description
// by the model rules. The slug and the topic id are only known inside the
// store's transaction, which checks the whole room again with Validate.
func (c RoomCreate) Validate() error {
	if err := ValidateTopicName(c.TopicName); err != nil {
		return err
	}
	var fe FieldErrors
	roomNameModel(&fe, c.Name)
	if c.HostID == uuid.Nil {
		fe.Add("host", MsgNull)
	}
	checkLength(&fe, "description", c.Description, MaxDescriptionLength)
	return errorOrNil(fe)
}

// RoomUpdate lists the fields to change; nil means "leave as is".
type RoomUpdate struct {
	Name        *string
	TopicName   *string
	Description *string
	Slug        *string // set directly by the admin; must be a free slug of the host

	IsPrivate        *bool
	MembersCanInvite *bool
}

// Validate checks the set fields by the model rules before any SQL: a new
// topic name first (ValidateTopicName), then the name, the slug and the
// description.
func (u RoomUpdate) Validate() error {
	if u.TopicName != nil {
		if err := ValidateTopicName(*u.TopicName); err != nil {
			return err
		}
	}
	var fe FieldErrors
	if u.Name != nil {
		roomNameModel(&fe, *u.Name)
	}
	if u.Slug != nil {
		roomSlugModel(&fe, *u.Slug)
	}
	if u.Description != nil {
		checkLength(&fe, "description", *u.Description, MaxDescriptionLength)
	}
	return errorOrNil(fe)
}

// RoomFilter selects rooms; nil fields and empty slices do not filter.
type RoomFilter struct {
	IDs          []uuid.UUID
	HostID       *uuid.UUID
	HostUsername *string // exact
	Slug         *string // exact
	// Search is a literal, case-insensitive substring of the name or the
	// description (and the topic name when SearchTopic, the admin's search).
	Search      *string
	SearchTopic bool
	Topics      []string // topic name equals one of these exactly
	TopicID     *int64
	// ParticipantID keeps rooms the user takes part in; NotParticipantID
	// keeps those the user does not take part in.
	ParticipantID    *uuid.UUID
	NotParticipantID *uuid.UUID
	// VisibleTo keeps the rooms that user may see (Room.VisibleTo): public
	// rooms and the private rooms the user takes part in. A pointer to
	// uuid.Nil, an anonymous viewer, keeps public rooms only; nil does not
	// filter (the admin and the server itself).
	VisibleTo *uuid.UUID
	// Private keeps private (true) or public (false) rooms.
	Private *bool
	Order   RoomOrder

	Offset int
	Limit  int // 0 means no limit
}
