package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
)

// sameJSON reports whether a and b hold the same JSON value; stores may
// reformat a document (PostgreSQL's jsonb does).
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func testAdminLog(t *testing.T, open opener) {
	e := newEnv(t, open)
	admin := e.user(t, "admin")
	other := e.user(t, "other")
	e.h.Clock.Set(epoch)
	mk := func(actor *edusphere.User, action, typ, id string, before, after string) *edusphere.AdminAction {
		t.Helper()
		a := &edusphere.AdminAction{ActorID: actor.ID, ActorEmail: actor.Email, Action: action, ObjectType: typ,
			ObjectID: id, ObjectRepr: typ + " " + id}
		if before != "" {
			a.Before = json.RawMessage(before)
		}
		if after != "" {
			a.After = json.RawMessage(after)
		}
		mustOK(t, "CreateAdminAction", e.s.AdminLog.CreateAdminAction(e.ctx, a))
		return a
	}
	a1 := mk(admin, "update", "room", "r1", `{"name": "Old", "n": 1}`, `{"name":"New","n":2}`)
	e.h.Clock.Add(time.Second)
	a2 := mk(admin, "delete", "message", "m1", `{"body":"x"}`, "")
	a3 := mk(other, "update", "room", "r2", "", `{"tags":["a","b"]}`)
	if a1.ID == 0 || a2.ID == 0 || a3.ID == 0 || a1.ID == a2.ID || a2.ID == a3.ID {
		t.Fatalf("IDs=%d, %d, %d, want distinct ids filled in", a1.ID, a2.ID, a3.ID)
	}
	wantTime(t, "Created", a1.Created, epochUS)
	wantTime(t, "Created", a2.Created, epochUS.Add(time.Second))

	ids := func(as []*edusphere.AdminAction) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	// a2 and a3 share an instant; the later entry comes first.
	for _, tt := range []struct {
		name   string
		filter edusphere.AdminActionFilter
		want   []int64
		total  int
	}{
		{"NewestFirst", edusphere.AdminActionFilter{}, []int64{a3.ID, a2.ID, a1.ID}, 3},
		{"Actor", edusphere.AdminActionFilter{ActorID: &admin.ID}, []int64{a2.ID, a1.ID}, 2},
		{"ObjectType", edusphere.AdminActionFilter{ObjectType: ptr("room")}, []int64{a3.ID, a1.ID}, 2},
		{"Object", edusphere.AdminActionFilter{ObjectType: ptr("room"), ObjectID: ptr("r1")}, []int64{a1.ID}, 1},
		{"Limit", edusphere.AdminActionFilter{Limit: 1}, []int64{a3.ID}, 3},
		{"OffsetLimit", edusphere.AdminActionFilter{Offset: 1, Limit: 1}, []int64{a2.ID}, 3},
		{"OffsetPastEnd", edusphere.AdminActionFilter{Offset: 3}, nil, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := e.s.AdminLog.FindAdminActions(e.ctx, tt.filter)
			mustOK(t, "FindAdminActions", err)
			if !reflect.DeepEqual(ids(got), tt.want) {
				t.Fatalf("FindAdminActions=%v, want %v", ids(got), tt.want)
			}
			wantTotal(t, n, tt.total)
		})
	}

	t.Run("Fields", func(t *testing.T) {
		got, _, err := e.s.AdminLog.FindAdminActions(e.ctx, edusphere.AdminActionFilter{ObjectID: ptr("r1")})
		mustOK(t, "FindAdminActions", err)
		a := got[0]
		if a.ActorID != admin.ID || a.ActorEmail != admin.Email || a.Action != "update" || a.ObjectType != "room" ||
			a.ObjectRepr != "room r1" || !sameJSON(a.Before, a1.Before) || !sameJSON(a.After, a1.After) {
			t.Fatalf("FindAdminActions=%+v, want %+v", a, a1)
		}
		wantTime(t, "Created", a.Created, epochUS)
		got, _, err = e.s.AdminLog.FindAdminActions(e.ctx, edusphere.AdminActionFilter{ObjectID: ptr("m1")})
		mustOK(t, "FindAdminActions", err)
		if len(got[0].After) != 0 {
			t.Fatalf("After=%s, want empty", got[0].After)
		}
	})

	t.Run("OutlivesActor", func(t *testing.T) {
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, other.ID))
		got, n, err := e.s.AdminLog.FindAdminActions(e.ctx, edusphere.AdminActionFilter{ActorID: &other.ID})
		mustOK(t, "FindAdminActions", err)
		wantTotal(t, n, 1)
		if got[0].ActorEmail != other.Email {
			t.Fatalf("ActorEmail=%q, want %q", got[0].ActorEmail, other.Email)
		}
	})
}
