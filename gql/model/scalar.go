package model

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalUUID writes the canonical lower-case hyphenated form.
func MarshalUUID(u uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [38]byte
		buf[0] = '"'
		copy(buf[1:37], u.String())
		buf[37] = '"'
		_, _ = w.Write(buf[:])
	})
}

// UnmarshalUUID accepts what Python's uuid.UUID(str) accepts: upper or lower
// case, with or without hyphens, in {braces}, with a urn:uuid: prefix.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, gqlerror.Errorf("UUID must be a string")
	}
	u, ok := ParseUUID(s)
	if !ok {
		return uuid.Nil, gqlerror.Errorf("badly formed hexadecimal UUID string")
	}
	return u, nil
}

// ParseUUID parses s the way Python's uuid.UUID(hex) does: it drops the
// "urn:" and "uuid:" prefixes, the braces and every hyphen, then needs
// exactly 32 hexadecimal digits.
func ParseUUID(s string) (uuid.UUID, bool) {
	s = strings.ReplaceAll(s, "urn:", "")
	s = strings.ReplaceAll(s, "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return uuid.Nil, false
	}
	var u uuid.UUID
	for i := 0; i < 16; i++ {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return uuid.Nil, false
		}
		u[i] = hi<<4 | lo
	}
	return u, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// FormatDateTime renders t as Python's isoformat() of an aware UTC
// datetime: microseconds only when non-zero, and "+00:00" as the offset.
func FormatDateTime(t time.Time) string {
	var buf [40]byte
	return string(appendDateTime(buf[:0], t))
}

func appendDateTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		s := strconv.Itoa(us)
		for i := len(s); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	return append(b, "+00:00"...)
}

// MarshalDateTime writes FormatDateTime(t) as a JSON string.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [48]byte
		b := append(buf[:0], '"')
		b = appendDateTime(b, t)
		b = append(b, '"')
		_, _ = w.Write(b)
	})
}

// UnmarshalDateTime reads an ISO 8601 time with an offset; the API only
// outputs DateTime, so this exists for completeness of the scalar.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, gqlerror.Errorf("DateTime must be a string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, gqlerror.Errorf("DateTime must be an ISO 8601 time with an offset")
	}
	return t.UTC(), nil
}

// MarshalGenericScalar writes any JSON value; maps print with sorted keys,
// which for the claims object is the original order email, exp, origIat.
func MarshalGenericScalar(v map[string]any) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b, err := json.Marshal(v)
		if err != nil {
			_, _ = io.WriteString(w, "null")
			return
		}
		_, _ = w.Write(b)
	})
}

// UnmarshalGenericScalar accepts a JSON object.
func UnmarshalGenericScalar(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, gqlerror.Errorf("GenericScalar must be an object here")
	}
	return m, nil
}

// MarshalInt64ID writes an integer primary key as a GraphQL ID string.
func MarshalInt64ID(i int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [24]byte
		b := append(buf[:0], '"')
		b = strconv.AppendInt(b, i, 10)
		b = append(b, '"')
		_, _ = w.Write(b)
	})
}

// UnmarshalInt64ID reads an ID given as a string or a number.
func UnmarshalInt64ID(v any) (int64, error) {
	switch v := v.(type) {
	case string:
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, gqlerror.Errorf("ID must be an integer")
		}
		return i, nil
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return 0, gqlerror.Errorf("ID must be an integer")
		}
		return i, nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	}
	return 0, gqlerror.Errorf("ID must be an integer")
}

// Upload is the value of an Upload argument. A multipart file part gives
// File; a JSON value given in place of a file sets NotAFile when it is
// non-empty, and is no file at all when it is "" (the original's rule).
type Upload struct {
	graphql.Upload
	// NotAFile reports a non-empty JSON value where a file belongs.
	NotAFile bool
}

// HasFile reports whether a file part was sent.
func (u Upload) HasFile() bool { return u.File != nil }

// MarshalUpload exists for the scalar's completeness; uploads are input only.
func MarshalUpload(u Upload) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(u.Filename))
	})
}

// UnmarshalUpload takes the file the multipart transport put in the
// variables, or classifies a JSON value sent instead.
func UnmarshalUpload(v any) (Upload, error) {
	switch v := v.(type) {
	case graphql.Upload:
		return Upload{Upload: v}, nil
	case *graphql.Upload:
		if v == nil {
			return Upload{}, nil
		}
		return Upload{Upload: *v}, nil
	case string:
		return Upload{NotAFile: v != ""}, nil
	case nil:
		return Upload{}, nil
	default:
		return Upload{NotAFile: true}, nil
	}
}

// UploadError is the message for a JSON value given where a file belongs.
const UploadError = "No file was submitted. Check the encoding type on the form."
