package gql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/gql/generated"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// TestNestedFieldsPrefetched walks the schema from every Query field down
// every object-typed field and runs one query per path, selecting every
// scalar of the last object, on a small and a large data set. A path that
// goes through a list must cost the same number of SQL statements on both:
// whatever the list's length, its items' fields come from the loaders the
// list resolver primed (gql/loader.go) or from the object itself.
//
// The fields with a resolver of their own (the methods of gqlgen's
// ResolverRoot, such as a room's host) are the ones that could query per
// item; each must lie on at least one list path, so a new one is measured
// here as soon as it exists. Every other field is a struct field of the
// object, read from memory by the generated code.
//
// The cache package is left out so that every read reaches the database.
func TestNestedFieldsPrefetched(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	paths := schemaPaths(t, schema)
	resolved := resolverFields(t)

	small, large := newPrefetchData(t, 2), newPrefetchData(t, 6)
	onLists := map[string]bool{}
	for _, p := range paths {
		t.Run(p.String(), func(t *testing.T) {
			query := p.query(small)
			nSmall, itemsSmall := small.run(t, query, p)
			nLarge, itemsLarge := large.run(t, p.query(large), p)
			if !p.throughList() {
				return
			}
			for _, f := range p.fields() {
				onLists[f] = true
			}
			if itemsLarge <= itemsSmall && emptyByRule[p.String()] {
				return // measured on its other paths
			}
			if itemsLarge <= itemsSmall {
				t.Fatalf("%s: %d items on the large data set, %d on the small one; grow newPrefetchData so the lists differ", query, itemsLarge, itemsSmall)
			}
			if nLarge != nSmall {
				t.Fatalf("%s: %d SQL statements for %d items, %d for %d: a field on this path queries per item; prime it in the list resolver (gql/loader.go)",
					query, nLarge, itemsLarge, nSmall, itemsSmall)
			}
		})
	}
	for _, f := range resolved {
		if !onLists[f] {
			t.Errorf("%s has a resolver but lies on no list path from Query; add a path or data that reaches it", f)
		}
	}
}

// emptyByRule lists paths whose last list is empty for every caller by a
// permission rule: a room's online participants are shown to its
// participants only, and an invitation's room is one the invited user does
// not take part in yet. Their fields lie on other paths as well.
var emptyByRule = map[string]bool{
	"myInvitations.room.online": true,
}

// step is one field of a path: the type it is on, the field, and the
// object type it returns.
type step struct {
	on       string
	field    *ast.FieldDefinition
	lastType lastType
}

// path is a chain of object-typed fields from Query.
type path []step

func (p path) String() string {
	names := make([]string, len(p))
	for i, s := range p {
		names[i] = s.field.Name
	}
	return strings.Join(names, ".")
}

// throughList reports whether some field of the path returns a list.
func (p path) throughList() bool {
	for _, s := range p {
		if s.field.Type.Elem != nil {
			return true
		}
	}
	return false
}

// fields names every field the path's query touches as Type.field: the
// steps below Query and the last type's scalars.
func (p path) fields() []string {
	var out []string
	for _, s := range p[1:] {
		out = append(out, s.on+"."+s.field.Name)
	}
	last := p.last()
	for _, f := range last.scalars {
		out = append(out, last.name+"."+f)
	}
	return out
}

// lastType is an object type a step returns and its scalar fields.
type lastType struct {
	name    string
	scalars []string
}

// last returns the object type the path ends on.
func (p path) last() lastType {
	return p[len(p)-1].lastType
}

// query builds the path's document with the data set's arguments.
func (p path) query(d *prefetchData) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i, s := range p {
		b.WriteString(s.field.Name)
		if i == 0 {
			b.WriteString(d.args(s.field))
		}
		b.WriteString(" { ")
	}
	b.WriteString(strings.Join(p.last().scalars, " "))
	for range p {
		b.WriteString(" }")
	}
	b.WriteString(" }")
	return b.String()
}

// schemaPaths returns every path from a Query field through object-typed
// fields, a type appearing at most once on a path.
func schemaPaths(t *testing.T, schema *ast.Schema) []path {
	t.Helper()
	var out []path
	var walk func(p path, seen map[string]bool)
	walk = func(p path, seen map[string]bool) {
		out = append(out, p)
		def := schema.Types[p[len(p)-1].field.Type.Name()]
		for _, f := range def.Fields {
			next := schema.Types[f.Type.Name()]
			if strings.HasPrefix(f.Name, "__") || next.Kind != ast.Object || seen[next.Name] {
				continue
			}
			for _, a := range f.Arguments {
				if a.Type.NonNull {
					t.Fatalf("%s.%s needs argument %s; teach TestNestedFieldsPrefetched to give it", def.Name, f.Name, a.Name)
				}
			}
			seen[next.Name] = true
			walk(append(p[:len(p):len(p)], newStep(schema, def.Name, f)), seen)
			delete(seen, next.Name)
		}
	}
	for _, f := range schema.Query.Fields {
		if strings.HasPrefix(f.Name, "__") || schema.Types[f.Type.Name()].Kind != ast.Object {
			continue
		}
		walk(path{newStep(schema, schema.Query.Name, f)}, map[string]bool{f.Type.Name(): true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// newStep returns the step of field f on type on.
func newStep(schema *ast.Schema, on string, f *ast.FieldDefinition) step {
	def := schema.Types[f.Type.Name()]
	lt := lastType{name: def.Name}
	for _, sf := range def.Fields {
		k := schema.Types[sf.Type.Name()].Kind
		if !strings.HasPrefix(sf.Name, "__") && (k == ast.Scalar || k == ast.Enum) {
			lt.scalars = append(lt.scalars, sf.Name)
		}
	}
	return step{on: on, field: f, lastType: lt}
}

// resolverFields returns Type.field for every method of the resolver
// interfaces gqlgen generated for object types (Query and Mutation, the
// root operations, excluded).
func resolverFields(t *testing.T) []string {
	t.Helper()
	var out []string
	root := reflect.TypeFor[generated.ResolverRoot]()
	for i := range root.NumMethod() {
		m := root.Method(i)
		if m.Name == "Query" || m.Name == "Mutation" {
			continue
		}
		iface := m.Type.Out(0)
		for j := range iface.NumMethod() {
			name := iface.Method(j).Name
			out = append(out, m.Name+"."+strings.ToLower(name[:1])+name[1:])
		}
	}
	if len(out) == 0 {
		t.Fatal("no resolver fields found in generated.ResolverRoot")
	}
	return out
}

// prefetchData is a database where every list of the API has n items or a
// multiple of n: n rooms, each with its host, topic, a question from the
// host and the star's reply to it (the star joined them all), a busy room
// with a reply to the question from each of n posters (who joined it), and
// a loner who joined nothing. Every reply says "hello", which the star's
// search finds.
type prefetchData struct {
	h                  *testdb.Handle
	srv                *server
	star, loner        *edusphere.User
	busyHost, busySlug string
	starRoom           *edusphere.Room // hosted by the star, with n invitations out
}

func newPrefetchData(t *testing.T, n int) *prefetchData {
	t.Helper()
	h := testdb.SQLite(t)
	ctx := context.Background()
	s := h.Services
	d := &prefetchData{h: h}
	user := func(name string) *edusphere.User {
		return testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: name, Name: strings.ToUpper(name[:1]) + name[1:]})
	}
	d.star, d.loner = user("star"), user("loner")
	var posters []*edusphere.User
	for i := range n {
		posters = append(posters, user(fmt.Sprintf("poster%d", i)))
	}
	for i := range n {
		host := user(fmt.Sprintf("host%d", i))
		room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{
			HostID: host.ID, Name: fmt.Sprintf("Room %d", i), TopicName: "Topic" + strings.Repeat("x", i+1), Description: "about " + host.Username})
		if _, err := s.Rooms.JoinRoom(ctx, room.ID, d.star.ID); err != nil {
			t.Fatal(err)
		}
		question := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: host.ID, Body: "a question"})
		testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: d.star.ID, Body: "hello from star", ReplyTo: &question.ID})
		if i == 0 {
			d.busyHost, d.busySlug = host.Username, room.Slug
			for _, p := range posters {
				if _, err := s.Rooms.JoinRoom(ctx, room.ID, p.ID); err != nil {
					t.Fatal(err)
				}
				testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: p.ID, Body: "hello from " + p.Username, ReplyTo: &question.ID})
			}
		}
	}
	// The star is online in every room and the posters in the busy one,
	// so that the presence lists grow with n.
	svc := presence.New(presence.Config{Broker: inmem.NewBroker(), Users: s.Users, Rooms: s.Rooms})
	t.Cleanup(func() { svc.Close(context.Background()) })
	rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range rooms {
		svc.Enter(d.star.ID, r.ID)
		want++
		if r.Slug == d.busySlug {
			for _, p := range posters {
				svc.Enter(p.ID, r.ID)
				want++
			}
		}
	}
	ids := make([]uuid.UUID, len(rooms))
	for i, r := range rooms {
		ids[i] = r.ID
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		on, err := svc.Online(ctx, ids)
		got := 0
		for _, l := range on {
			got += l.Count
		}
		if err == nil && got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("online=%d, want %d", got, want)
		}
	}
	// Invitations: n private rooms invite the star; the star's own room
	// invites the n posters.
	d.starRoom = testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: d.star.ID, Name: "Star Room", TopicName: "Stars"})
	// Each inviter is online in their room, and the star in theirs.
	svc.Enter(d.star.ID, d.starRoom.ID)
	invRooms := []uuid.UUID{d.starRoom.ID}
	for i, p := range posters {
		host := user(fmt.Sprintf("inviter%d", i))
		room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{
			HostID: host.ID, Name: fmt.Sprintf("Private %d", i), TopicName: "Hidden", IsPrivate: true})
		svc.Enter(host.ID, room.ID)
		invRooms = append(invRooms, room.ID)
		for _, inv := range []*edusphere.Invitation{
			{RoomID: room.ID, UserID: d.star.ID, InviterID: host.ID},
			{RoomID: d.starRoom.ID, UserID: p.ID, InviterID: d.star.ID},
		} {
			if err := s.Invitations.CreateInvitation(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		on, err := svc.Online(ctx, invRooms)
		got := 0
		for _, l := range on {
			got += l.Count
		}
		if err == nil && got == len(invRooms) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("online in the invitations' rooms=%d, want %d", got, len(invRooms))
		}
	}
	d.srv = newServer(t, h, func(c *gql.Config) { c.Services, c.Presence = h.Services, svc })
	return d
}

// args returns a root field's arguments: every required one, from the data
// set; optional ones are left out, so lists come whole.
func (d *prefetchData) args(f *ast.FieldDefinition) string {
	var parts []string
	for _, a := range f.Arguments {
		if !a.Type.NonNull {
			continue
		}
		var v string
		switch {
		case a.Name == "userSlug" && f.Name == "roomsNotParticipatedByUser":
			v = d.loner.Username
		case a.Name == "userSlug":
			v = d.star.Username
		case a.Name == "hostSlug":
			v = d.busyHost
		case a.Name == "roomSlug":
			v = d.busySlug
		case a.Name == "roomId":
			v = d.starRoom.ID.String()
		case a.Name == "query" && f.Name == "searchMessages":
			v = "hello"
		default:
			panic("TestNestedFieldsPrefetched has no value for the required argument " + f.Name + "(" + a.Name + ")")
		}
		parts = append(parts, fmt.Sprintf("%s: %q", a.Name, v))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// run sends query as the star and returns the SQL statements it cost and
// the number of objects at the end of p in the answer.
func (d *prefetchData) run(t *testing.T, query string, p path) (statements int64, items int) {
	t.Helper()
	c := d.srv.as(t, d.star)
	before := d.h.StatementCount()
	r := c.do(query, nil).noErrors(t)
	statements = d.h.StatementCount() - before
	var data any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	return statements, countAt(data, p, 0)
}

// countAt counts the non-null objects at the end of p below v.
func countAt(v any, p path, i int) int {
	switch v := v.(type) {
	case []any:
		n := 0
		for _, e := range v {
			n += countAt(e, p, i)
		}
		return n
	case map[string]any:
		if i == len(p) {
			return 1
		}
		return countAt(v[p[i].field.Name], p, i+1)
	}
	return 0
}

// TestUnreadCountsPrefetched holds the history fields to the same rule with
// answers that are not all empty: the star takes part in every room and has
// unread messages in the busy one (one per poster), so the read states are
// real, and a list of rooms asking every room's seq and unreadCount costs
// the same statements on the small and the large data set.
func TestUnreadCountsPrefetched(t *testing.T) {
	const query = `{ rooms { id seq unreadCount } myRooms { id seq unreadCount } }`
	type answer struct {
		Rooms, MyRooms []struct {
			ID          string
			Seq         int
			UnreadCount *int
		}
	}
	var statements []int64
	for _, n := range []int{2, 6} {
		d := newPrefetchData(t, n)
		c := d.srv.as(t, d.star)
		c.do(query, nil).noErrors(t) // the first request of a process warms caches
		before := d.h.StatementCount()
		r := c.do(query, nil).noErrors(t)
		statements = append(statements, d.h.StatementCount()-before)
		var got answer
		r.dataInto(t, &got)
		// The n posters' rooms and the star's own; the private rooms the
		// star is only invited to stay out of both lists.
		if len(got.Rooms) != n+1 || len(got.MyRooms) != n+1 {
			t.Fatalf("n=%d: %d rooms, %d of mine; want %d each", n, len(got.Rooms), len(got.MyRooms), n+1)
		}
		busy := 0
		for _, list := range [][]struct {
			ID          string
			Seq         int
			UnreadCount *int
		}{got.Rooms, got.MyRooms} {
			for _, room := range list {
				if room.ID == d.starRoom.ID.String() {
					if room.UnreadCount == nil || *room.UnreadCount != 0 || room.Seq != 0 {
						t.Fatalf("n=%d: the star's empty room has seq %d unreadCount %v, want 0 and 0", n, room.Seq, room.UnreadCount)
					}
					continue
				}
				if room.UnreadCount == nil || room.Seq == 0 {
					t.Fatalf("n=%d: room %s seq %d unreadCount nil, want a participant's state", n, room.ID, room.Seq)
				}
				busy = max(busy, *room.UnreadCount)
			}
		}
		if busy != n {
			t.Fatalf("n=%d: busy room's unreadCount=%d, want one per poster", n, busy)
		}
	}
	if statements[0] != statements[1] {
		t.Fatalf("statements=%v for 2 and 6 rooms, want the same", statements)
	}
}
