package media_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"runtime"
	"strings"
	"testing"

	"github.com/edusphere/edusphere/media"
)

// pngHeader is a PNG whose IHDR claims w×h pixels of the given depth,
// colour type and interlace method, with a tiny IDAT: enough for every
// check that reads the header only.
func pngHeader(w, h uint32, depth, colorType, interlace byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = depth, colorType, interlace
	b.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 64))
	zw.Close()
	b.Write(pngChunk("IDAT", z.Bytes()))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// interlacedPNG encodes img as an Adam7-interlaced 8-bit RGBA PNG, which
// Go's encoder does not write: each of the seven passes is its own small
// image of unfiltered rows.
func interlacedPNG(img *image.NRGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var raw bytes.Buffer
	for _, p := range [][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		x0, y0, dx, dy := p[0], p[1], p[2], p[3]
		if x0 >= w || y0 >= h {
			continue
		}
		for y := y0; y < h; y += dy {
			raw.WriteByte(0)
			for x := x0; x < w; x += dx {
				raw.Write(img.Pix[img.PixOffset(x, y) : img.PixOffset(x, y)+4])
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9], ihdr[12] = 8, 6, 1
	b.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	b.Write(pngChunk("IDAT", z.Bytes()))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// jpegHeader is a JPEG of markers only, up to a frame header (SOF0
// baseline or SOF2 progressive) of w×h with the given components, each
// {id, sampling}: what the header checks read.
func jpegHeader(w, h uint16, progressive bool, comps ...[2]byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	// A large APP1 segment first, as a photo's metadata: the scan skips it.
	b.Write([]byte{0xFF, 0xE1, 0xFF, 0xF0})
	b.Write(make([]byte, 0xFFF0-2))
	sof := byte(0xC0)
	if progressive {
		sof = 0xC2
	}
	b.Write([]byte{0xFF, sof})
	binary.Write(&b, binary.BigEndian, uint16(8+3*len(comps)))
	b.WriteByte(8)
	binary.Write(&b, binary.BigEndian, h)
	binary.Write(&b, binary.BigEndian, w)
	b.WriteByte(byte(len(comps)))
	for _, c := range comps {
		b.Write([]byte{c[0], c[1], 0})
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// manyFramesGIF is a w×h GIF of n frames.
func manyFramesGIF(tb testing.TB, w, h, n int) []byte {
	tb.Helper()
	g := &gif.GIF{}
	frame := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	for i := range n {
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, i%3)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// webpVP8X is an extended WebP of a w×h canvas whose only chunks are VP8X
// and, when alpha is set, a lossless-coded ALPH: its header claims
// lossless alpha.
func webpVP8X(w, h uint32, alpha bool) []byte {
	var chunks bytes.Buffer
	vp8x := make([]byte, 10)
	if alpha {
		vp8x[0] = 0x10
	}
	put24 := func(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	chunks.WriteString("VP8X")
	binary.Write(&chunks, binary.LittleEndian, uint32(len(vp8x)))
	chunks.Write(vp8x)
	if alpha {
		chunks.WriteString("ALPH")
		binary.Write(&chunks, binary.LittleEndian, uint32(2))
		chunks.Write([]byte{0x01, 0})
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+chunks.Len()))
	out.WriteString("WEBP")
	out.Write(chunks.Bytes())
	return out.Bytes()
}

// TestReadHeader_Bounds decodes real images of each kind and checks that
// what the decoder allocated stays within the header's estimate, so the
// gate's accounting is an upper bound.
func TestReadHeader_Bounds(t *testing.T) {
	rgba := testImage(500, 400)
	rgba64 := image.NewNRGBA64(rgba.Rect)
	gray := image.NewGray(rgba.Rect)
	paletted := image.NewPaletted(rgba.Rect, palette.WebSafe)
	for y := range 400 {
		for x := range 500 {
			c := rgba.NRGBAAt(x, y)
			rgba64.Set(x, y, c)
			gray.Set(x, y, c)
			paletted.Set(x, y, c)
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"PNG8", encodePNG(t, rgba)},
		{"PNG16", encodePNG(t, rgba64)},
		{"PNGGrey", encodePNG(t, gray)},
		{"PNGPaletted", encodePNG(t, paletted)},
		{"PNGInterlaced", interlacedPNG(rgba)},
		{"JPEG", encodeJPEG(t, rgba)},
		{"JPEGGrey", encodeJPEG(t, gray)},
		{"GIF", encodeGIF(t, rgba)},
		{"GIFManyFrames", manyFramesGIF(t, 200, 200, 2000)},
		{"WebPLossless", encodeWebP(500, 400, color.NRGBA{1, 2, 3, 255})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := media.ReadHeader(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatalf("ReadHeader: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, _, err := image.Decode(bytes.NewReader(tc.data)); err != nil {
				t.Fatalf("decode: %v", err)
			}
			runtime.ReadMemStats(&after)
			if used := int64(after.TotalAlloc - before.TotalAlloc); used > h.Memory {
				t.Fatalf("decoding allocated %d bytes, more than the estimate %d", used, h.Memory)
			}
		})
	}
}

// TestReadHeader_Estimates checks the header's estimate of images that are
// cheap to describe and expensive to decode.
func TestReadHeader_Estimates(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name          string
		data          []byte
		w, h          int
		atLeast, upTo int64 // bounds of the estimate, in bytes
	}{
		{"PNG16Bit", pngHeader(7000, 7000, 16, 6, 0), 7000, 7000, 392_000_000, 393 * mb},
		{"PNG8Bit", pngHeader(7000, 7000, 8, 6, 0), 7000, 7000, 196_000_000, 188 * mb},
		{"PNGInterlacedDoubles", pngHeader(7000, 7000, 8, 6, 1), 7000, 7000, 392_000_000, 375 * mb},
		{"PNGOneRow", pngHeader(50_000_000, 1, 16, 6, 0), 50_000_000, 1, 3 * 400_000_000, 1200 * mb},
		{"JPEG420", jpegHeader(6000, 4000, false, [2]byte{1, 0x22}, [2]byte{2, 0x11}, [2]byte{3, 0x11}), 6000, 4000, 36_000_000, 35 * mb},
		{"JPEGProgressive444", jpegHeader(6000, 6000, true, [2]byte{1, 0x11}, [2]byte{2, 0x11}, [2]byte{3, 0x11}), 6000, 6000, 540_000_000, 516 * mb},
		{"JPEGCMYK", jpegHeader(6000, 6000, false, [2]byte{'C', 0x11}, [2]byte{'M', 0x11}, [2]byte{'Y', 0x11}, [2]byte{'K', 0x11}), 6000, 6000, 288_000_000, 276 * mb},
		{"JPEGWide", jpegHeader(65535, 8, false, [2]byte{1, 0x22}, [2]byte{2, 0x11}, [2]byte{3, 0x11}), 65535, 8, 65535 * 16 * 3 / 2, 2 * mb},
		{"GIF", encodeGIF(t, testImage(300, 200)), 300, 200, 60_000, 1 * mb},
		{"WebPLossless", encodeWebP(4000, 4000, color.NRGBA{A: 255}), 4000, 4000, 128_000_000 + 2600*60_000, 350 * mb},
		{"WebPLosslessSmall", encodeWebP(16, 16, color.NRGBA{A: 255}), 16, 16, 16 * 60_000, 2 * mb},
		{"WebPAlphaHidden", webpVP8X(3000, 3000, false), 3000, 3000, 72_000_000, 300 * mb},
		{"WebPLosslessAlpha", webpVP8X(3000, 3000, true), 3000, 3000, 72_000_000, 300 * mb},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := media.ReadHeader(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatalf("ReadHeader: %v", err)
			}
			if h.Width != tc.w || h.Height != tc.h || h.Memory < tc.atLeast || h.Memory > tc.upTo {
				t.Fatalf("header %d×%d memory %d, want %d×%d and %d..%d", h.Width, h.Height, h.Memory, tc.w, tc.h, tc.atLeast, tc.upTo)
			}
		})
	}
	t.Run("ErrNotImages", func(t *testing.T) {
		for _, data := range [][]byte{
			nil, []byte("GIF8"), []byte("\x89PNG\r\n\x1a\n"), []byte("\xff\xd8\xff\xe0\x00"),
			jpegHeader(0, 10, false, [2]byte{1, 0x11}),
			jpegHeader(10, 10, false, [2]byte{1, 0x55}),
			append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF, 0x01}, 1000)...),
			[]byte("RIFF\x04\x00\x00\x00WEBP"),
		} {
			if _, err := media.ReadHeader(bytes.NewReader(data)); err == nil {
				t.Errorf("ReadHeader(%q) succeeded, want an error", data[:min(len(data), 16)])
			}
		}
	})
}

// TestSaveAvatar_Hostile sends the images an attacker would: each is
// refused from its header alone, with the avatar form error, before any
// decoding, or accepted at a bounded cost.
func TestSaveAvatar_Hostile(t *testing.T) {
	small := media.NewDecodeGate(64 << 20)
	for _, tt := range []struct {
		name    string
		data    []byte
		limits  media.Limits
		wantMsg string // "" accepts; a prefix otherwise
	}{
		{"HugeDimensions", pngHeader(100_000, 100_000, 8, 0, 0), media.Limits{}, "The image is too large. The maximum is 50 megapixels."},
		{"PNG16Bit7000", pngHeader(7000, 7000, 16, 6, 0), media.Limits{}, "The image is too large to check: decoding it needs 374.2 MB, more than the limit of 256 MB."},
		{"PNGInterlaced", pngHeader(3000, 3000, 8, 6, 1), media.Limits{Gate: small}, "The image is too large to check: decoding it needs 68.9 MB, more than the limit of 64 MB."},
		{"PNGOneRowWide", pngHeader(40_000_000, 1, 16, 6, 0), media.Limits{}, "The image is too large to check"},
		{"JPEGProgressive", jpegHeader(6000, 6000, true, [2]byte{1, 0x11}, [2]byte{2, 0x11}, [2]byte{3, 0x11}), media.Limits{}, "The image is too large to check"},
		{"JPEGCMYK", jpegHeader(6000, 6000, false, [2]byte{'C', 0x11}, [2]byte{'M', 0x11}, [2]byte{'Y', 0x11}, [2]byte{'K', 0x11}), media.Limits{}, "The image is too large to check"},
		{"JPEGNoImage", jpegHeader(6000, 4000, false, [2]byte{1, 0x22}, [2]byte{2, 0x11}, [2]byte{3, 0x11}), media.Limits{}, media.MsgInvalidImage},
		{"WebPLossless", encodeWebP(4000, 4000, color.NRGBA{A: 255}), media.Limits{}, "The image is too large to check"},
		{"WebPLosslessAlpha", webpVP8X(4000, 4000, true), media.Limits{}, "The image is too large to check"},
		{"GIFManyFrames", manyFramesGIF(t, 64, 64, 20_000), media.Limits{}, ""},
		{"TruncatedPNG", half(encodePNG(t, testImage(300, 300))), media.Limits{}, media.MsgInvalidImage},
		{"TruncatedInterlacedPNG", half(interlacedPNG(testImage(300, 300))), media.Limits{}, media.MsgInvalidImage},
		{"TruncatedJPEG", half(encodeJPEG(t, testImage(300, 300))), media.Limits{}, media.MsgInvalidImage},
		{"TruncatedGIF", half(encodeGIF(t, testImage(300, 300))), media.Limits{}, media.MsgInvalidImage},
		{"TruncatedWebP", encodeWebP(300, 300, color.NRGBA{A: 255})[:24], media.Limits{}, media.MsgInvalidImage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			name, err := media.SaveAvatar(context.Background(), media.NewDir(root), "x", bytes.NewReader(tt.data), tt.limits)
			runtime.ReadMemStats(&after)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("SaveAvatar err=%v, want it stored", err)
				}
			} else {
				if got := avatarMessages(err); len(got) != 1 || !strings.HasPrefix(got[0], tt.wantMsg) {
					t.Fatalf("SaveAvatar err=%v avatar=%q, want %q", err, got, tt.wantMsg)
				}
				if name != "" || len(files(t, root)) != 0 {
					t.Fatalf("name=%q files=%v, want nothing stored", name, files(t, root))
				}
			}
			// Nothing here may cost more than a small avatar's decode.
			if used := after.TotalAlloc - before.TotalAlloc; used > 16<<20 {
				t.Fatalf("allocated %d bytes, want at most 16 MiB", used)
			}
		})
	}
}

// half returns the first half of b: a file cut short.
func half(b []byte) []byte { return b[:len(b)/2] }
