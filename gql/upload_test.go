package gql_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

const updateAvatarQuery = `mutation UpdateUser($avatar: Upload) { updateUser(avatar: $avatar) { user { avatar } } }`

// uploadAvatar sends the multipart request apollo-upload-client sends.
func uploadAvatar(t testing.TB, c *client, filename, contentType string, data []byte) *response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", fmt.Sprintf(`{"operationName":"UpdateUser","variables":{"avatar":null},"query":%q}`, updateAvatarQuery))
	_ = mw.WriteField("map", `{"1":["variables.avatar"]}`)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="1"; filename=%q`, filename))
	hdr.Set("Content-Type", contentType)
	w, _ := mw.CreatePart(hdr)
	_, _ = w.Write(data)
	_ = mw.Close()
	return c.raw(http.MethodPost, "/graphql/", mw.FormDataContentType(), &buf)
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{G: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a small PNG whose header claims 30000×30000 pixels: the
// header alone must be enough to refuse it.
func bombPNG(t testing.TB) []byte {
	t.Helper()
	chunk := func(buf *bytes.Buffer, typ string, data []byte) {
		_ = binary.Write(buf, binary.BigEndian, uint32(len(data)))
		buf.WriteString(typ)
		buf.Write(data)
		_ = binary.Write(buf, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 30000)
	binary.BigEndian.PutUint32(ihdr[4:], 30000)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	chunk(&buf, "IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(make([]byte, 1<<16))
	_ = zw.Close()
	chunk(&buf, "IDAT", z.Bytes())
	chunk(&buf, "IEND", nil)
	return buf.Bytes()
}

// storedFiles lists the files under the media directory.
func storedFiles(t testing.TB, dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestUpload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		srv := newServer(t, h)
		u := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Email: "up@example.com", Username: "uploader", Name: "Up", IsActive: true})
		c := srv.as(t, u)

		var jpg bytes.Buffer
		_ = jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 4, 4)), nil)

		var previous string
		for _, tc := range []struct {
			name, filename, ctype, ext, wantType string
			data                                 []byte
		}{
			{"OKPNG", "me.png", "image/png", ".png", "image/png", pngBytes(t, 8, 8)},
			{"OKJPEG", "me.jpg", "image/jpeg", ".jpg", "image/jpeg", jpg.Bytes()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := uploadAvatar(t, c, tc.filename, tc.ctype, tc.data).noErrors(t)
				var data struct {
					UpdateUser struct{ User struct{ Avatar string } }
				}
				r.dataInto(t, &data)
				name := data.UpdateUser.User.Avatar
				if !strings.HasPrefix(name, "avatars/") || filepath.Ext(name) != tc.ext {
					t.Fatalf("avatar=%q, want avatars/*%s", name, tc.ext)
				}
				res, err := http.Get(srv.URL + "/media/" + name)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !bytes.Equal(body, tc.data) || res.Header.Get("Content-Type") != tc.wantType {
					t.Fatalf("GET /media/%s: status=%d type=%q same=%v", name, res.StatusCode, res.Header.Get("Content-Type"), bytes.Equal(body, tc.data))
				}
				if previous != "" {
					if _, err := os.Stat(filepath.Join(srv.mediaDir, previous)); !os.IsNotExist(err) {
						t.Fatalf("old avatar %s still stored (%v)", previous, err)
					}
				}
				previous = name
			})
		}

		before := storedFiles(t, srv.mediaDir)
		big := append(pngBytes(t, 8, 8), make([]byte, 5<<20)...)
		for _, tc := range []struct {
			name     string
			filename string
			data     []byte
			want     string
		}{
			{"ErrSVG", "x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "Upload a valid image."},
			{"ErrHTMLAsPNG", "page.png", []byte("<html><body>hi</body></html>"), "Upload a valid image."},
			{"ErrTruncated", "cut.png", pngBytes(t, 64, 64)[:60], "Upload a valid image."},
			{"ErrEmpty", "empty.png", nil, "The submitted file is empty."},
			{"ErrTooLarge", "big.png", big, ""},
			{"ErrBomb", "bomb.png", bombPNG(t), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := uploadAvatar(t, c, tc.filename, "image/png", tc.data)
				e := r.firstError(t)
				errs, _ := e.Extensions["errors"].(map[string]any)
				msgs, _ := errs["avatar"].([]any)
				if r.Status != 200 || e.Message != "Invalid data" || len(msgs) != 1 {
					t.Fatalf("status=%d body=%s, want Invalid data under avatar", r.Status, r.Body)
				}
				if msg := msgs[0].(string); tc.want != "" && !strings.HasPrefix(msg, tc.want) {
					t.Fatalf("avatar message=%q, want %q…", msg, tc.want)
				}
				if got := storedFiles(t, srv.mediaDir); len(got) != len(before) {
					t.Fatalf("stored files=%v, want %v", got, before)
				}
			})
		}

		t.Run("ErrJSONValueForFile", func(t *testing.T) {
			r := c.do(updateAvatarQuery, map[string]any{"avatar": "not a file"})
			e := r.firstError(t)
			if e.Message != "Invalid data" || !strings.Contains(r.Body, `"errors":{"avatar":["No file was submitted. Check the encoding type on the form."]}`) {
				t.Fatalf("body=%s", r.Body)
			}
		})
		t.Run("EmptyStringIsNoFile", func(t *testing.T) {
			c.do(updateAvatarQuery, map[string]any{"avatar": ""}).noErrors(t)
		})
		t.Run("ErrMapWithoutFile", func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("operations", fmt.Sprintf(`{"variables":{"avatar":null},"query":%q}`, updateAvatarQuery))
			_ = mw.WriteField("map", `{"1":["variables.avatar"]}`)
			_ = mw.Close()
			r := c.raw(http.MethodPost, "/graphql/", mw.FormDataContentType(), &buf)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status=%d body=%s, want 400", r.Status, r.Body)
			}
		})
	})
}
