package gql_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// cpuTime is the CPU the process has used, user and system, garbage
// collection included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hostileRequest is one request of a class of the hostile-input benchmark.
type hostileRequest struct {
	name string
	make func() *http.Request // a fresh request each time: bodies are read once
	want int                  // the status it must answer
}

// measureClass sends every request of a class once per iteration, one
// after another, to the handler in the same process, and reports the
// worst CPU time and the worst allocation of one request; -v lists each.
func measureClass(b *testing.B, h http.Handler, reqs []hostileRequest) {
	cpu := make([]time.Duration, len(reqs))
	alloc := make([]uint64, len(reqs))
	b.ResetTimer()
	for range b.N {
		for i, hr := range reqs {
			r := hr.make()
			w := httptest.NewRecorder()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			c0 := cpuTime()
			h.ServeHTTP(w, r)
			cpu[i] += cpuTime() - c0
			runtime.ReadMemStats(&after)
			alloc[i] += after.TotalAlloc - before.TotalAlloc
			if w.Code != hr.want {
				b.Fatalf("%s: status=%d body=%.300s, want %d", hr.name, w.Code, w.Body.String(), hr.want)
			}
		}
	}
	b.StopTimer()
	var worstCPU time.Duration
	var worstAlloc uint64
	for i, hr := range reqs {
		c, a := cpu[i]/time.Duration(b.N), alloc[i]/uint64(b.N)
		b.Logf("%-30s %d  cpu %8.2f ms  alloc %8.2f MB", hr.name, hr.want, float64(c.Microseconds())/1000, float64(a)/(1<<20))
		worstCPU, worstAlloc = max(worstCPU, c), max(worstAlloc, a)
	}
	b.ReportMetric(float64(worstCPU.Microseconds())/1000, "worst-cpu-ms")
	b.ReportMetric(float64(worstAlloc)/(1<<20), "worst-alloc-MB")
}

// hostileHandler is the handler behind the auth middlewares, as newServer
// builds it, with a user and the CSRF cookie and header of a client.
func hostileHandler(b *testing.B) (h http.Handler, sign func(*http.Request)) {
	th := testdb.SQLite(b)
	f := newFixture(b, th)
	for i := range 300 {
		testdb.MustCreateMessage(b, context.Background(), th.Services, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: fmt.Sprintf("message %d", i)})
	}
	srv := newServer(b, th)
	c := srv.client(b)
	tok := token(b, f.alice.Email, time.Hour)
	return srv.Config.Handler, func(r *http.Request) {
		r.Host = "localhost"
		r.Header.Set("Cookie", "csrftoken="+c.csrf)
		r.Header.Set("X-CSRFToken", c.csrf)
		r.Header.Set("Authorization", "JWT "+tok)
	}
}

// BenchmarkHostileDocuments sends every hostile document shape as an
// anonymous GET (each refused with 400), documents just within the limits
// that go on to validation or execution, and the client's room page
// queries for comparison.
//
//	go test -run X -bench HostileDocuments -benchtime 3x ./gql/
func BenchmarkHostileDocuments(b *testing.B) {
	h, sign := hostileHandler(b)
	get := func(name, query string, want int) hostileRequest {
		return hostileRequest{name, func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/graphql/?query="+url.QueryEscape(query), nil)
			r.Host = "localhost"
			return r
		}, want}
	}
	var reqs []hostileRequest
	reqs = append(reqs, get("Issue16000Typename", "{"+strings.Repeat(" __typename", 16000)+" }", 400))
	for _, d := range hostileDocuments {
		if d.msg != "" {
			reqs = append(reqs, get(d.name, d.query, 400))
		}
	}
	// Within the limits: validation's and execution's most expensive shapes.
	reqs = append(reqs,
		get("AtLimit/UnknownFields299", "{"+repeat(299, func(i int) string { return fmt.Sprintf("nope%d", i) })+" }", 400),
		get("AtLimit/UnknownArgs", "{ rooms("+repeat(600, func(i int) string { return fmt.Sprintf("x%d: 1", i) })+") { name } }", 400),
		get("AtLimit/WrongListItems", "{ rooms(topic: ["+repeat(1900, func(int) string { return "1" })+"]) { name } }", 400),
		get("AtLimit/Fragments", "{ "+repeat(32, func(i int) string { return fmt.Sprintf("...F%d", i) })+" }"+
			repeat(32, func(i int) string {
				return fmt.Sprintf("fragment F%d on Query { __typename a%d: __typename b%d: __typename }", i, i, i)
			}), 400),
		get("AtLimit/ExpandedFragments", "{ ...A } fragment A on Query { rooms { ...B ...B } } fragment B on RoomType { host { ...C } participants { ...C } } fragment C on UserType { "+
			repeat(70, func(i int) string { return fmt.Sprintf("f%d", i) })+" }", 400),
		get("AtLimit/AliasedLists", "{"+repeat(10, func(i int) string {
			return fmt.Sprintf("a%d: messages(hostSlug: \"alice\", roomSlug: \"go-study\") { id body user { username name } }", i)
		})+" }", 200),
		get("AtLimit/Introspection", introspectionQuery, 200),
		// The largest JSON body (2.5 MB of variables), and the largest
		// variables the cap lets through.
		postJSON("VariablesOverCap", `{"query":"{ __typename }","variables":{"l":[`+strings.Repeat("null,", 524_000)+`null]}}`, 400, sign),
		postJSON("AtLimit/LargestVariables", `{"query":"{ __typename }","variables":{"l":[`+strings.Repeat("null,", 13_000)+`null]}}`, 200, sign),
		get("Client/Room", withArgs("Room", "room"), 200),
		get("Client/RoomMessages", withArgs("RoomMessages", "messages"), 200),
	)
	measureClass(b, h, reqs)
}

// postJSON is a JSON POST of body.
func postJSON(name, body string, want int, sign func(*http.Request)) hostileRequest {
	return hostileRequest{name, func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/graphql/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		sign(r)
		return r
	}, want}
}

// withArgs is a client document with its room arguments written in, as
// a GET without variables needs.
func withArgs(op, field string) string {
	q := strings.Replace(clientDocuments[op], "($hostSlug: String!, $roomSlug: String!)", "", 1)
	return strings.Replace(q, field+"(hostSlug: $hostSlug, roomSlug: $roomSlug)", field+`(hostSlug: "alice", roomSlug: "go-study")`, 1)
}

// BenchmarkHostileMultipart sends multipart bodies: bad map paths, too
// many parts, the largest fields and maps the limits let through, and the
// largest honest avatar upload.
//
//	go test -run X -bench HostileMultipart -benchtime 3x ./gql/
func BenchmarkHostileMultipart(b *testing.B) {
	h, sign := hostileHandler(b)
	type part struct {
		name, filename string
		data           []byte
	}
	post := func(name string, want int, parts ...part) hostileRequest {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, p := range parts {
			hdr := textproto.MIMEHeader{}
			if p.filename != "" {
				hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			} else {
				hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
			}
			w, _ := mw.CreatePart(hdr)
			_, _ = w.Write(p.data)
		}
		_ = mw.Close()
		body, ctype := buf.Bytes(), mw.FormDataContentType()
		return hostileRequest{name, func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql/", bytes.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			sign(r)
			return r
		}, want}
	}
	ops := func(vars string) part {
		return part{"operations", "", []byte(fmt.Sprintf(`{"query":%q,"variables":%s}`, updateAvatarQuery, vars))}
	}
	mapOf := func(m string) part { return part{"map", "", []byte(m)} }
	file := func(name string, data []byte) part { return part{name, name + ".png", data} }
	small := []byte("\x89PNG\r\n\x1a\n")

	// The largest honest avatar: an incompressible PNG near the 5 MB cap.
	noise := image.NewNRGBA(image.Rect(0, 0, 1100, 1100))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.UintN(256))
	}
	var avatar bytes.Buffer
	_ = png.Encode(&avatar, noise)

	// Many valid paths: a list of nulls as long as the variables' cap
	// allows, each mapped.
	var nulls, paths strings.Builder
	for i := range 13_000 {
		if i > 0 {
			nulls.WriteByte(',')
			paths.WriteByte(',')
		}
		nulls.WriteString("null")
		fmt.Fprintf(&paths, `"variables.l.%d"`, i)
	}
	big := bytes.Repeat([]byte("x"), 5<<20)

	reqs := []hostileRequest{
		post("MapIndexIntoVariables", 400, ops(`{"avatar":null}`), mapOf(`{"1":["variables.0"]}`), file("1", small)),
		post("MapIndexPastList", 400, ops(`{"avatar":null,"x":[null]}`), mapOf(`{"1":["variables.x.5"]}`), file("1", small)),
		post("MapKeyIntoString", 400, ops(`{"avatar":null,"x":"s"}`), mapOf(`{"1":["variables.x.y"]}`), file("1", small)),
		post("MapNegativeIndex", 400, ops(`{"avatar":null,"x":[null]}`), mapOf(`{"1":["variables.x.-1"]}`), file("1", small)),
		post("MapMissingVariable", 400, ops(`{"avatar":null}`), mapOf(`{"1":["variables.nope.0"]}`), file("1", small)),
		post("Batch", 400, part{"operations", "", []byte(`[{"query":"{ me { id } }"}]`)}, mapOf(`{"1":["0.variables.f"]}`), file("1", small)),
		post("TooManyFiles", 400, ops(`{"avatar":null}`), mapOf(`{}`), file("1", small), file("2", small), file("3", small), file("4", small)),
		post("TooManyFields", 400, ops(`{"avatar":null}`), mapOf(`{}`), part{"a", "", nil}, part{"b", "", nil}, part{"c", "", nil}, part{"d", "", nil}),
		post("FieldsOverBodyCap", 400, ops(`{"avatar":null,"pad":"`+strings.Repeat("x", 2_700_000)+`"}`), mapOf(`{}`)),
		post("DeepVariables", 400, ops(`{"avatar":null,"d":`+strings.Repeat("[", 500_000)+strings.Repeat("]", 500_000)+`}`), mapOf(`{}`)),
		post("MapPathsOverVariablesCap", 400, ops(`{"avatar":null,"l":[`+strings.Repeat("null,", 100_000)+`null]}`), mapOf(`{"1":["variables.l.0"]}`), file("1", small)),
		post("AtLimit/MapManyPaths", 200, ops(`{"avatar":null,"l":[`+nulls.String()+`]}`), mapOf(`{"1":[`+paths.String()+`]}`), file("1", small)),
		post("ThreeLargestFiles", 200, ops(`{"avatar":null}`), mapOf(`{"1":["variables.avatar"]}`), file("1", avatar.Bytes()), file("2", big), file("3", big)),
		post("AvatarUpload", 200, ops(`{"avatar":null}`), mapOf(`{"1":["variables.avatar"]}`), file("1", avatar.Bytes())),
	}
	measureClass(b, h, reqs)
}
