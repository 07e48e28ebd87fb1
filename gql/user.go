package gql

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql/model"
	"github.com/edusphere/edusphere/media"
)

// updateUser runs the profile form (edusphere.ProfileForm): a left-out
// argument keeps its value, an explicit null counts as empty; the avatar's
// messages follow the form's. A new avatar is stored before the user row
// changes, and the old file goes only once the new one is stored and the
// user saved. The password never changes here.
func (r *Resolver) updateUser(ctx context.Context, user *edusphere.User, given map[string]bool, avatar *model.Upload, bio, name, username *string) (*edusphere.User, error) {
	var form edusphere.ProfileForm
	if given["username"] {
		form.Username = ptr(deref(username))
	}
	if given["name"] {
		form.Name = ptr(deref(name))
	}
	if given["bio"] {
		form.Bio = ptr(deref(bio))
	}
	fe, err := form.Validate(ctx, r.services.Users, user.ID)
	if err != nil {
		return nil, err
	}
	upd := form.Update()

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
