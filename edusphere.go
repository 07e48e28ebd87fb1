package edusphere

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Version is the build's version, set with -ldflags "-X github.com/edusphere/edusphere.Version=…".
var Version = "dev"

// Error codes. Each transport maps them once: HTTP status, GraphQL
// extensions.code, WebSocket error frame or close code.
const (
	ECONFLICT       = "conflict"          // a unique rule would be broken
	EINTERNAL       = "internal"          // anything unexpected; users see only "Internal error."
	EINVALID        = "invalid"           // input breaks a validation rule
	ENOTFOUND       = "not_found"         // the object does not exist
	EFORBIDDEN      = "forbidden"         // the caller may not do this to this object
	EUNAUTHORIZED   = "unauthorized"      // the caller is not identified, or the credentials are bad
	ETOOMANYREQUEST = "too_many_requests" // a rate limit was hit
)

// Error is the domain error: a code plus a message that is safe to show to
// the user. Fields, when set, carries per-field form messages in form order;
// transports render such an error as the "Invalid data" shape
// (docs/graphql.md, Error kinds and codes).
type Error struct {
	Code    string
	Message string
	Fields  FieldErrors
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("edusphere error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the message of an
// *Error, and "Internal error." for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return MsgInternal
}

// Messages of the forms and models, each defined here once (docs/graphql.md,
// Message catalogue).
const (
	MsgRoomNotFound     = "Room not found"
	MsgUserNotFound     = "User not found"
	MsgMessageNotFound  = "Message not found"
	MsgTopicNotFound    = "Topic not found"
	MsgPermissionDenied = "Permission denied"
	MsgLoginRequired    = "You do not have permission to perform this action"
	MsgInvalidData      = "Invalid data"
	MsgInternal         = "Internal error." // all a caller learns of an unexpected failure
	MsgRequired         = "This field is required."
	MsgBlank            = "This field cannot be blank."
	MsgNull             = "This field cannot be null."
	MsgInvalidEmail     = "Enter a valid email address."
	MsgInvalidSlug      = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
	MsgUsernameTaken    = "User with this Username already exists."
	MsgEmailTaken       = "User with this Email already exists."
	MsgRoomNameChars    = "Room name can only contain letters and numbers."
	MsgRoomNameTaken    = "You already have a room with this name."
	MsgTopicLetters     = "Topic name must consist of letters only."
	MsgTopicTaken       = "Topic with this Name already exists."
	MsgRoomSlugTaken    = "Room with this Host and Slug already exists."
	MsgSlugInUse        = "The host already has a room with this slug."
	MsgPasswordMismatch = "The two password fields didn’t match."
)

// MsgMaxLength returns Django's max-length message; n counts code points.
func MsgMaxLength(max, n int) string {
	return fmt.Sprintf("Ensure this value has at most %d characters (it has %d).", max, n)
}

// NotFound returns the ENOTFOUND error with one of the API's texts
// (docs/graphql.md, Message catalogue).
func NotFound(msg string) *Error { return &Error{Code: ENOTFOUND, Message: msg} }

// PermissionDenied returns the EFORBIDDEN "Permission denied" error.
func PermissionDenied() *Error { return &Error{Code: EFORBIDDEN, Message: MsgPermissionDenied} }

// LoginRequired returns the login guard's error.
func LoginRequired() *Error { return &Error{Code: EUNAUTHORIZED, Message: MsgLoginRequired} }

// FieldError is the list of messages for one form or model field.
type FieldError struct {
	Field    string
	Messages []string
}

// FieldErrors keeps field messages in the order they were added, which is
// the form's field order; it marshals to a JSON object in that order.
type FieldErrors []FieldError

// Add appends msg to field's messages, adding the field when it is new.
func (fe *FieldErrors) Add(field, msg string) {
	for i := range *fe {
		if (*fe)[i].Field == field {
			(*fe)[i].Messages = append((*fe)[i].Messages, msg)
			return
		}
	}
	*fe = append(*fe, FieldError{Field: field, Messages: []string{msg}})
}

// Has reports whether field has at least one message.
func (fe FieldErrors) Has(field string) bool {
	for _, f := range fe {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Get returns field's messages.
func (fe FieldErrors) Get(field string) []string {
	for _, f := range fe {
		if f.Field == field {
			return f.Messages
		}
	}
	return nil
}

// MarshalJSON writes {"field": ["msg", ...], ...} in insertion order.
func (fe FieldErrors) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fe {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(f.Field))
		b.WriteString(":[")
		for j, m := range f.Messages {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonString(m))
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// Repr renders the errors as the Python repr of a dict of lists of strings,
// the text the original server put in a model validation error's message,
// e.g. {'__all__': ['You already have a room with this name.']}.
func (fe FieldErrors) Repr() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fe {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyRepr(f.Field))
		b.WriteString(": [")
		for j, m := range f.Messages {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyRepr(m))
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

// FormError returns the EINVALID "Invalid data" error carrying fields.
func FormError(fields FieldErrors) *Error {
	return &Error{Code: EINVALID, Message: MsgInvalidData, Fields: fields}
}

// ModelError returns an error whose message is the repr of fields and which
// carries no field list, as the original's save-time validation did.
func ModelError(code string, fields FieldErrors) *Error {
	return &Error{Code: code, Message: fields.Repr()}
}

// ModelFieldError is ModelError for a single field and message.
func ModelFieldError(code, field, msg string) *Error {
	return ModelError(code, FieldErrors{{Field: field, Messages: []string{msg}}})
}

// ctxKey is the unexported type of this package's context keys.
type ctxKey int

const userCtxKey ctxKey = iota

// NewContextWithUser returns a copy of ctx that carries the current user.
func NewContextWithUser(ctx context.Context, user *User) context.Context {
	return context.WithValue(ctx, userCtxKey, user)
}

// UserFromContext returns the current user, or nil for an anonymous caller.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userCtxKey).(*User)
	return u
}

// UserIDFromContext returns the current user's id, or uuid.Nil.
func UserIDFromContext(ctx context.Context) uuid.UUID {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return uuid.Nil
}

// Clock tells the time; stores and token services take one so tests can move time.
type Clock func() time.Time

// Now returns the clock's time, or time.Now() for a nil clock, always in UTC
// and truncated to microseconds, the precision every store keeps.
func (c Clock) Now() time.Time {
	var t time.Time
	if c == nil {
		t = time.Now()
	} else {
		t = c()
	}
	return t.UTC().Truncate(time.Microsecond)
}
