package edusphere_test

import (
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func TestMembershipRules(t *testing.T) {
	host := &edusphere.User{ID: uuid.New()}
	member := &edusphere.User{ID: uuid.New()}
	staff := &edusphere.User{ID: uuid.New(), IsStaff: true}
	stranger := &edusphere.User{ID: uuid.New()}
	public := &edusphere.Room{ID: uuid.New(), HostID: host.ID}
	private := &edusphere.Room{ID: uuid.New(), HostID: host.ID, IsPrivate: true}
	open := &edusphere.Room{ID: uuid.New(), HostID: host.ID, IsPrivate: true, MembersCanInvite: true}

	t.Run("VisibleTo", func(t *testing.T) {
		for _, tt := range []struct {
			name        string
			room        *edusphere.Room
			user        *edusphere.User
			participant bool
			want        bool
		}{
			{"PublicAnonymous", public, nil, false, true},
			{"PublicStranger", public, stranger, false, true},
			{"PrivateAnonymous", private, nil, false, false},
			{"PrivateStranger", private, stranger, false, false},
			{"PrivateStaff", private, staff, false, false},
			{"PrivateParticipant", private, member, true, true},
			{"NilRoom", nil, member, true, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if got := tt.room.VisibleTo(tt.user, tt.participant); got != tt.want {
					t.Fatalf("VisibleTo=%v, want %v", got, tt.want)
				}
			})
		}
	})

	t.Run("Checks", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			err  error
			code string
		}{
			{"LeaveMember", edusphere.CheckLeave(member, public), ""},
			{"LeaveHost", edusphere.CheckLeave(host, public), edusphere.EINVALID},
			{"RemoveByHost", edusphere.CheckRemove(host, public, member.ID), ""},
			{"RemoveByStaff", edusphere.CheckRemove(staff, public, member.ID), ""},
			{"RemoveByMember", edusphere.CheckRemove(member, public, stranger.ID), edusphere.EFORBIDDEN},
			{"RemoveAnonymous", edusphere.CheckRemove(nil, public, member.ID), edusphere.EFORBIDDEN},
			{"RemoveHost", edusphere.CheckRemove(host, public, host.ID), edusphere.EINVALID},
			{"TransferByHost", edusphere.CheckTransfer(host, public, member.ID), ""},
			{"TransferByMember", edusphere.CheckTransfer(member, public, member.ID), edusphere.EFORBIDDEN},
			{"TransferToHost", edusphere.CheckTransfer(host, public, host.ID), edusphere.EINVALID},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if tt.code == "" {
					if tt.err != nil {
						t.Fatalf("err=%v, want nil", tt.err)
					}
					return
				}
				if got := edusphere.ErrorCode(tt.err); got != tt.code {
					t.Fatalf("code=%q (%v), want %q", got, tt.err, tt.code)
				}
			})
		}
	})

	t.Run("CanInvite", func(t *testing.T) {
		for _, tt := range []struct {
			name        string
			user        *edusphere.User
			room        *edusphere.Room
			participant bool
			want        bool
		}{
			{"Host", host, private, true, true},
			{"MemberNotAllowed", member, private, true, false},
			{"MemberAllowed", member, open, true, true},
			{"StrangerAllowedRoom", stranger, open, false, false},
			{"Anonymous", nil, open, false, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if got := edusphere.CanInvite(tt.user, tt.room, tt.participant); got != tt.want {
					t.Fatalf("CanInvite=%v, want %v", got, tt.want)
				}
			})
		}
		inv := &edusphere.Invitation{RoomID: open.ID, UserID: stranger.ID, InviterID: member.ID}
		for _, tt := range []struct {
			name string
			user *edusphere.User
			want bool
		}{
			{"Inviter", member, true},
			{"Host", host, true},
			{"Invitee", stranger, false},
			{"Staff", staff, false},
		} {
			t.Run("Revoke"+tt.name, func(t *testing.T) {
				if got := edusphere.CanRevokeInvitation(tt.user, open, inv); got != tt.want {
					t.Fatalf("CanRevokeInvitation=%v, want %v", got, tt.want)
				}
			})
		}
	})
}
