package gql

import (
	"context"
	"errors"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql/model"
	"github.com/edusphere/edusphere/media"
)

// updateUser runs the profile form (§3.4 updateUser): a left-out argument
// keeps its value, an explicit null counts as empty; the fields are checked
// in form order (username, name, bio, avatar); a new avatar is stored
// before the user row changes, and the old file goes only once the new one
// is stored and the user saved. The password never changes here.
func (r *Resolver) updateUser(ctx context.Context, user *edusphere.User, given map[string]bool, avatar *model.Upload, bio, name, username *string) (*edusphere.User, error) {
	var fe edusphere.FieldErrors
	var upd edusphere.UserUpdate

	if given["username"] {
		v := strings.TrimSpace(deref(username))
		switch {
		case v == "":
			fe.Add("username", edusphere.MsgRequired)
		default:
			if n := edusphere.Len(v); n > edusphere.MaxNameLength {
				fe.Add("username", edusphere.MsgMaxLength(edusphere.MaxNameLength, n))
			}
			if !edusphere.IsSlug(v) {
				fe.Add("username", edusphere.MsgInvalidSlug)
			} else if !fe.Has("username") {
				// Exact match on the raw input, the caller excluded; a clash
				// that only appears after slugifying is the store's repr error.
				other, err := r.services.Users.FindUserByUsername(ctx, v)
				switch {
				case err == nil && other.ID != user.ID:
					fe.Add("username", edusphere.MsgUsernameTaken)
				case err != nil && edusphere.ErrorCode(err) != edusphere.ENOTFOUND:
					return nil, err
				}
			}
		}
		upd.Username = &v
	}
	if given["name"] {
		v := strings.TrimSpace(deref(name))
		switch {
		case v == "":
			fe.Add("name", edusphere.MsgRequired)
		case edusphere.Len(v) > edusphere.MaxNameLength:
			fe.Add("name", edusphere.MsgMaxLength(edusphere.MaxNameLength, edusphere.Len(v)))
		}
		upd.Name = &v
	}
	if given["bio"] {
		v := strings.TrimSpace(deref(bio))
		if n := edusphere.Len(v); n > edusphere.MaxBioLength {
			fe.Add("bio", edusphere.MsgMaxLength(edusphere.MaxBioLength, n))
		}
		upd.Bio = &v
	}

	var stored string // the new avatar's name once it is in storage
	if avatar != nil {
		switch {
		case avatar.NotAFile:
			fe.Add("avatar", model.UploadError)
		case avatar.HasFile():
			name, err := media.SaveAvatar(ctx, r.media, avatar.Filename, avatar.File, r.avatarLimits)
			var de *edusphere.Error
			switch {
			case errors.As(err, &de) && len(de.Fields) > 0:
				for _, f := range de.Fields {
					for _, m := range f.Messages {
						fe.Add(f.Field, m)
					}
				}
			case err != nil:
				return nil, err
			default:
				stored = name
				upd.Avatar = &stored
			}
		}
	}
	if len(fe) > 0 {
		r.discardAvatar(ctx, stored)
		return nil, edusphere.FormError(fe)
	}

	old := user.Avatar
	saved, err := r.services.Users.UpdateUser(ctx, user.ID, upd)
	if err != nil {
		r.discardAvatar(ctx, stored)
		return nil, notFound(err, edusphere.MsgUserNotFound)
	}
	if stored != "" && old != "" && old != stored {
		r.discardAvatar(ctx, old)
	}
	return saved, nil
}

// discardAvatar deletes a stored file that is no longer referenced; a
// failure leaves an orphan file behind, which is logged, not reported.
func (r *Resolver) discardAvatar(ctx context.Context, name string) {
	if name == "" {
		return
	}
	if err := r.media.Delete(ctx, name); err != nil {
		r.logger.Error("delete avatar", "name", name, "err", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
