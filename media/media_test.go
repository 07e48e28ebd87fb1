package media_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/media"
)

// testImage returns a w×h image with a gradient, so encoders cannot shrink it to nothing.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 255})
		}
	}
	return img
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// bitWriter writes the least significant bit first, as VP8L reads.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nBits uint
}

func (bw *bitWriter) write(v uint64, n uint) {
	bw.acc |= v << bw.nBits
	bw.nBits += n
	for bw.nBits >= 8 {
		bw.buf = append(bw.buf, byte(bw.acc))
		bw.acc >>= 8
		bw.nBits -= 8
	}
}

func (bw *bitWriter) bytes() []byte {
	if bw.nBits > 0 {
		return append(bw.buf, byte(bw.acc))
	}
	return bw.buf
}

// encodeWebP builds a lossless WebP of one solid colour from the VP8L
// bit-stream rules: the header, no transforms, no colour cache, no
// meta prefix codes, then five "simple" prefix codes of one symbol each
// (green, red, blue, alpha, distance). One-symbol codes take no bits per
// pixel, so the stream ends after the codes. Truncating it, or claiming a
// bigger size, is how the tests make bad WebP files.
func encodeWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha hint
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // eight-bit symbol
		bw.write(uint64(sym), 8)
	}
	vp8l := bw.bytes()
	var chunk bytes.Buffer
	chunk.WriteString("VP8L")
	binary.Write(&chunk, binary.LittleEndian, uint32(len(vp8l)))
	chunk.Write(vp8l)
	if len(vp8l)%2 == 1 {
		chunk.WriteByte(0)
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+chunk.Len()))
	out.WriteString("WEBP")
	out.Write(chunk.Bytes())
	return out.Bytes()
}

// pngChunk returns one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// bombPNG is a few dozen bytes claiming w×h 8-bit grey pixels: a valid
// header and a tiny zlib stream of the first rows.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth
	ihdr[9] = 0 // greyscale
	b.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4*(int(w)+1)))
	zw.Close()
	b.Write(pngChunk("IDAT", z.Bytes()))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// files lists every file under root, temporary ones included.
func files(tb testing.TB, root string) []string {
	tb.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func avatarMessages(err error) []string {
	e, ok := err.(*edusphere.Error)
	if !ok {
		return nil
	}
	return e.Fields.Get("avatar")
}

var nameRe = regexp.MustCompile(`^avatars/[0-9A-Za-z]{22}\.(png|jpg|gif|webp)$`)

func TestSaveAvatar(t *testing.T) {
	small := testImage(40, 30)
	pngBytes := encodePNG(t, small)
	noise := image.NewNRGBA(image.Rect(0, 0, 300, 300))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.UintN(256))
	}
	noisePNG := encodePNG(t, noise) // about 360 KB: incompressible
	webpBytes := encodeWebP(3, 2, color.NRGBA{10, 20, 30, 255})

	for _, tt := range []struct {
		name     string
		filename string
		data     []byte
		limits   media.Limits
		wantExt  string
		wantType string
		wantMsg  string
	}{
		{name: "OK/PNG", filename: "a.png", data: pngBytes, wantExt: "png", wantType: "image/png"},
		{name: "OK/JPEG", filename: "a.jpeg", data: encodeJPEG(t, small), wantExt: "jpg", wantType: "image/jpeg"},
		{name: "OK/GIF", filename: "a.gif", data: encodeGIF(t, small), wantExt: "gif", wantType: "image/gif"},
		{name: "OK/WebP", filename: "a.webp", data: webpBytes, wantExt: "webp", wantType: "image/webp"},
		// The name says SVG but the bytes are a PNG: the bytes decide.
		{name: "OK/PNGNamedSVG", filename: "evil.svg", data: pngBytes, wantExt: "png", wantType: "image/png"},
		{name: "OK/AtPixelLimit", data: pngBytes, limits: media.Limits{MaxPixels: 40 * 30}, wantExt: "png", wantType: "image/png"},
		{name: "OK/AtByteLimit", data: pngBytes, limits: media.Limits{MaxBytes: int64(len(pngBytes))}, wantExt: "png", wantType: "image/png"},

		{name: "ErrEmpty", filename: "a.png", data: nil, wantMsg: media.MsgEmptyFile},
		{name: "ErrSVG", filename: "a.svg", data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), wantMsg: media.MsgInvalidImage},
		{name: "ErrHTMLNamedPNG", filename: "a.png", data: []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"), wantMsg: media.MsgInvalidImage},
		{name: "ErrText", filename: "a.jpg", data: []byte("hello"), wantMsg: media.MsgInvalidImage},
		{name: "ErrTruncatedPNG", filename: "a.png", data: pngBytes[:len(pngBytes)*2/3], wantMsg: media.MsgInvalidImage},
		{name: "ErrTruncatedJPEG", filename: "a.jpg", data: encodeJPEG(t, testImage(64, 64))[:300], wantMsg: media.MsgInvalidImage},
		{name: "ErrTruncatedGIF", filename: "a.gif", data: encodeGIF(t, small)[:40], wantMsg: media.MsgInvalidImage},
		{name: "ErrTruncatedWebP", filename: "a.webp", data: webpBytes[:20], wantMsg: media.MsgInvalidImage},
		{name: "ErrCorruptPNG", filename: "a.png", data: append(append([]byte{}, pngBytes[:40]...), bytes.Repeat([]byte{0xAB}, 200)...), wantMsg: media.MsgInvalidImage},
		{name: "ErrSignatureOnly", filename: "a.png", data: []byte("\x89PNG\r\n\x1a\n"), wantMsg: media.MsgInvalidImage},
		{name: "ErrTooLarge", filename: "a.png", data: noisePNG, limits: media.Limits{MaxBytes: 100 << 10}, wantMsg: "The file is too large. The maximum size is 100 KB."},
		{name: "ErrTooLargeDefault", filename: "a.png", data: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5<<20)...), wantMsg: "The file is too large. The maximum size is 5 MB."},
		{name: "ErrBomb", filename: "bomb.png", data: bombPNG(16384, 16384), wantMsg: "The image is too large. The maximum is 50 megapixels."},
		{name: "ErrBombWebP", filename: "bomb.webp", data: encodeWebP(16384, 16384, color.NRGBA{A: 255}), wantMsg: "The image is too large. The maximum is 50 megapixels."},
		{name: "ErrOverPixelLimit", filename: "a.png", data: pngBytes, limits: media.Limits{MaxPixels: 40*30 - 1}, wantMsg: "The image is too large. The maximum is 1199 pixels."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			st := media.NewDir(root)
			name, err := media.SaveAvatar(context.Background(), st, tt.filename, bytes.NewReader(tt.data), tt.limits)
			if tt.wantMsg != "" {
				if got := avatarMessages(err); len(got) != 1 || got[0] != tt.wantMsg {
					t.Fatalf("SaveAvatar err=%v avatar=%q, want %q", err, got, tt.wantMsg)
				}
				if code := edusphere.ErrorCode(err); code != edusphere.EINVALID {
					t.Fatalf("ErrorCode=%v, want %v", code, edusphere.EINVALID)
				}
				if name != "" {
					t.Fatalf("name=%q, want empty", name)
				}
				if got := files(t, root); len(got) != 0 {
					t.Fatalf("files on disk=%v, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("SaveAvatar err=%v", err)
			}
			if !nameRe.MatchString(name) || !strings.HasSuffix(name, "."+tt.wantExt) {
				t.Fatalf("name=%q, want avatars/<22 base62>.%s", name, tt.wantExt)
			}
			got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("stored %d bytes, want the %d uploaded", len(got), len(tt.data))
			}
			if n := len(files(t, root)); n != 1 {
				t.Fatalf("files on disk=%d, want 1", n)
			}

			// The handler serves it back with the sniffed type.
			srv := httptest.NewServer(media.Handler(st))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/media/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.wantType || !bytes.Equal(body, tt.data) {
				t.Fatalf("GET status=%d type=%q len=%d, want 200 %q %d", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), tt.wantType, len(tt.data))
			}
		})
	}
}

func TestSaveAvatar_RandomNames(t *testing.T) {
	st := media.NewDir(t.TempDir())
	data := encodePNG(t, testImage(4, 4))
	seen := map[string]bool{}
	for range 20 {
		name, err := media.SaveAvatar(context.Background(), st, "same.png", bytes.NewReader(data), media.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if seen[name] {
			t.Fatalf("name %q given twice", name)
		}
		seen[name] = true
	}
}

// failingStorage refuses every write.
type failingStorage struct{ media.Storage }

func (failingStorage) Save(context.Context, string, io.Reader) error { return os.ErrPermission }

func TestSaveAvatar_ErrStorage(t *testing.T) {
	_, err := media.SaveAvatar(context.Background(), failingStorage{}, "a.png", bytes.NewReader(encodePNG(t, testImage(2, 2))), media.Limits{})
	if code := edusphere.ErrorCode(err); code != edusphere.EINTERNAL {
		t.Fatalf("ErrorCode=%v, want %v", code, edusphere.EINTERNAL)
	}
}

func TestDir(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st := media.NewDir(filepath.Join(root, "media"))

	t.Run("OK", func(t *testing.T) {
		if err := st.Save(ctx, "avatars/a.txt", strings.NewReader("one")); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, "avatars/a.txt", strings.NewReader("two")); err != nil {
			t.Fatal(err)
		}
		f, err := st.Open(ctx, "avatars/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) != "two" {
			t.Fatalf("Open=%q, want %q", got, "two")
		}
		if n := len(files(t, root)); n != 1 {
			t.Fatalf("files=%d, want 1 (no temporary file left)", n)
		}
		if err := st.Delete(ctx, "avatars/a.txt"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "avatars/a.txt"); err != nil {
			t.Fatalf("Delete twice err=%v, want nil", err)
		}
		if _, err := st.Open(ctx, "avatars/a.txt"); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("Open after Delete code=%v, want %v", edusphere.ErrorCode(err), edusphere.ENOTFOUND)
		}
	})

	t.Run("ErrDirectory", func(t *testing.T) {
		if _, err := st.Open(ctx, "avatars"); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("Open(dir) code=%v, want %v", edusphere.ErrorCode(err), edusphere.ENOTFOUND)
		}
	})

	outside := filepath.Join(root, "secret.txt")
	os.WriteFile(outside, []byte("secret"), 0o600)
	for _, name := range []string{"", "../secret.txt", "avatars/../../secret.txt", "/etc/passwd", outside, "a//b", "./a", "a/./b", `a\b`, "a\x00b", "C:x"} {
		t.Run("ErrName/"+name, func(t *testing.T) {
			if err := st.Save(ctx, name, strings.NewReader("x")); edusphere.ErrorCode(err) != edusphere.EINVALID {
				t.Fatalf("Save(%q) code=%v, want %v", name, edusphere.ErrorCode(err), edusphere.EINVALID)
			}
			if _, err := st.Open(ctx, name); edusphere.ErrorCode(err) != edusphere.EINVALID {
				t.Fatalf("Open(%q) code=%v, want %v", name, edusphere.ErrorCode(err), edusphere.EINVALID)
			}
			if err := st.Delete(ctx, name); edusphere.ErrorCode(err) != edusphere.EINVALID {
				t.Fatalf("Delete(%q) code=%v, want %v", name, edusphere.ErrorCode(err), edusphere.EINVALID)
			}
		})
	}
	if got, _ := os.ReadFile(outside); string(got) != "secret" {
		t.Fatalf("file outside the root=%q, want untouched", got)
	}
}

func TestHandler(t *testing.T) {
	ctx := context.Background()
	st := media.NewDir(t.TempDir())
	pngBytes := encodePNG(t, testImage(5, 5))
	st.Save(ctx, "avatars/x.png", bytes.NewReader(pngBytes))
	st.Save(ctx, "avatars/page.png", strings.NewReader("<html><script>alert(1)</script></html>"))
	srv := httptest.NewServer(media.Handler(st))
	defer srv.Close()

	do := func(t *testing.T, method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	checkSafe := func(t *testing.T, resp *http.Response) {
		t.Helper()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Fatalf("X-Content-Type-Options=%q, want nosniff", got)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'; sandbox" {
			t.Fatalf("Content-Security-Policy=%q", got)
		}
	}

	t.Run("OK", func(t *testing.T) {
		resp, body := do(t, "GET", "/media/avatars/x.png")
		checkSafe(t, resp)
		if resp.StatusCode != 200 || !bytes.Equal(body, pngBytes) {
			t.Fatalf("status=%d len=%d, want 200 %d", resp.StatusCode, len(body), len(pngBytes))
		}
		if got := resp.Header.Get("Content-Type"); got != "image/png" {
			t.Fatalf("Content-Type=%q, want image/png", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Fatalf("Cache-Control=%q", got)
		}
	})
	t.Run("OKHead", func(t *testing.T) {
		resp, body := do(t, "HEAD", "/media/avatars/x.png")
		if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("HEAD status=%d body=%d type=%q", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
	})
	t.Run("OKNotAnImageIsAttachment", func(t *testing.T) {
		resp, _ := do(t, "GET", "/media/avatars/page.png")
		checkSafe(t, resp)
		if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Content-Disposition") != "attachment" {
			t.Fatalf("type=%q disposition=%q, want an octet-stream attachment", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	})
	for _, path := range []string{"/media/avatars/missing.png", "/media/avatars", "/media/", "/media/avatars/%2e%2e/%2e%2e/etc/passwd"} {
		t.Run("ErrNotFound"+path, func(t *testing.T) {
			resp, _ := do(t, "GET", path)
			checkSafe(t, resp)
			if resp.StatusCode != 404 {
				t.Fatalf("status=%d, want 404", resp.StatusCode)
			}
		})
	}
	t.Run("ErrMethod", func(t *testing.T) {
		resp, _ := do(t, "POST", "/media/avatars/x.png")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("status=%d Allow=%q, want 405", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}
