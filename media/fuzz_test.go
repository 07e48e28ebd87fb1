package media_test

import (
	"bytes"
	"image"
	"runtime"
	"testing"

	"github.com/edusphere/edusphere/media"
)

// FuzzReadHeader feeds arbitrary bytes to ReadHeader, the only code that
// looks at an upload before the decode budget is granted. It must never
// panic; a header it returns must have positive dimensions and an
// estimate; and when such an image decodes, the decoder must not allocate
// more than that estimate (checked for estimates up to 8 MiB, to keep each
// run short). The seed corpus in testdata/fuzz holds small images of every
// accepted kind.
func FuzzReadHeader(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"))
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := media.ReadHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if h.Format == nil || h.Width <= 0 || h.Height <= 0 || h.Memory <= 0 {
			t.Fatalf("header %+v, want a format, dimensions and an estimate", h)
		}
		if h.Memory > 8<<20 {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _ = image.Decode(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if used := int64(after.TotalAlloc - before.TotalAlloc); used > h.Memory {
			t.Fatalf("%s %d×%d: decoding allocated %d bytes, more than the estimate %d", h.Format.Name, h.Width, h.Height, used, h.Memory)
		}
	})
}
