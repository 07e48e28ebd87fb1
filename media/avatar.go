package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/webp"

	"github.com/edusphere/edusphere"
)

// Default limits of an avatar upload.
const (
	DefaultMaxBytes  int64 = 5 << 20    // 5 MB
	DefaultMaxPixels int64 = 50_000_000 // 50 megapixels
)

// Messages of an avatar upload, reported under the "avatar" field.
const (
	MsgEmptyFile    = "The submitted file is empty."
	MsgInvalidImage = "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)

// Limits bounds what SaveAvatar accepts. Zero fields take the defaults.
type Limits struct {
	MaxBytes  int64 // file size; default DefaultMaxBytes (5 MB)
	MaxPixels int64 // width × height; default DefaultMaxPixels (50 Mpx)
	// Gate bounds the memory and number of decodes running at once; nil
	// is the package's gate of DefaultDecodeMemory (256 MiB).
	Gate *DecodeGate
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.Gate == nil {
		l.Gate = defaultGate
	}
	return l
}

// MsgTooLarge returns the message for a file over maxBytes.
func MsgTooLarge(maxBytes int64) string {
	return "The file is too large. The maximum size is " + formatBytes(maxBytes) + "."
}

// MsgTooManyPixels returns the message for an image over maxPixels.
func MsgTooManyPixels(maxPixels int64) string {
	return "The image is too large. The maximum is " + formatUnit(maxPixels, 1_000_000, "megapixels", "pixels") + "."
}

// Format is an image format SaveAvatar accepts.
type Format struct {
	Name        string // "png", "jpeg", "gif", "webp"
	Ext         string // file extension without the dot
	ContentType string
	config      func(io.Reader) (image.Config, error)
	decode      func(io.Reader) (image.Image, error)
}

var (
	formatPNG  = &Format{"png", "png", "image/png", png.DecodeConfig, png.Decode}
	formatJPEG = &Format{"jpeg", "jpg", "image/jpeg", jpeg.DecodeConfig, jpeg.Decode}
	formatGIF  = &Format{"gif", "gif", "image/gif", gif.DecodeConfig, gif.Decode}
	formatWebP = &Format{"webp", "webp", "image/webp", webp.DecodeConfig, webp.Decode}
)

// Sniff returns the image format the leading bytes of a file announce, or
// nil when they announce none SaveAvatar accepts. SVG, HTML and everything
// else without one of these signatures is nil.
func Sniff(b []byte) *Format {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return formatJPEG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return formatGIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP
	}
	return nil
}

// SaveAvatar checks an uploaded avatar and stores it under a new random
// name "avatars/<22 base62 characters>.<ext>", the extension following the
// format found in the bytes; filename, chosen by the client, plays no part.
// The checks, in order: not empty; at most limits.MaxBytes; a PNG, JPEG,
// GIF or WebP signature whose header parses; at most limits.MaxPixels; a
// decode whose memory, estimated from the header, fits the decode gate's
// budget (docs/limits.md, "Images"); the whole image decodes. Everything
// up to the decode reads the header only, so a small file cannot claim
// gigabytes. Failures are FormError values with one message under
// "avatar", and nothing is written; a decode that waited too long for the
// gate is ETOOMANYREQUEST. A reader that can seek (an upload in memory or
// in a temporary file) is read again rather than held in memory.
func SaveAvatar(ctx context.Context, st Storage, filename string, r io.Reader, limits Limits) (string, error) {
	limits = limits.withDefaults()
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(io.LimitReader(r, limits.MaxBytes+1))
		if err != nil {
			return "", fmt.Errorf("read avatar: %w", err)
		}
		rs = bytes.NewReader(data)
	}
	format, err := checkImage(ctx, rs, limits)
	if err != nil {
		return "", err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("rewind avatar: %w", err)
	}
	name := "avatars/" + RandomName(22) + "." + format.Ext
	if err := st.Save(ctx, name, rs); err != nil {
		return "", fmt.Errorf("save avatar: %w", err)
	}
	return name, nil
}

// CheckImage applies SaveAvatar's checks to data and returns its format.
func CheckImage(data []byte, limits Limits) (*Format, error) {
	return checkImage(context.Background(), bytes.NewReader(data), limits.withDefaults())
}

// checkImage runs SaveAvatar's checks on the file rs, whose size it finds
// by seeking.
func checkImage(ctx context.Context, rs io.ReadSeeker, limits Limits) (*Format, error) {
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("size avatar: %w", err)
	}
	switch {
	case size == 0:
		return nil, avatarError(MsgEmptyFile)
	case size > limits.MaxBytes:
		return nil, avatarError(MsgTooLarge(limits.MaxBytes))
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind avatar: %w", err)
	}
	h, err := ReadHeader(rs)
	if err != nil {
		return nil, avatarError(MsgInvalidImage)
	}
	if int64(h.Width)*int64(h.Height) > limits.MaxPixels {
		return nil, avatarError(MsgTooManyPixels(limits.MaxPixels))
	}
	// The WebP decoder reads the whole file into memory first.
	need := h.Memory
	if h.Format == formatWebP {
		need += size
	}
	err = limits.Gate.run(ctx, need, func() error {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind avatar: %w", err)
		}
		img, err := h.Format.decode(bufio.NewReader(rs))
		if err != nil {
			return avatarError(MsgInvalidImage)
		}
		// A GIF frame or a WebP canvas could still disagree with the header.
		if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > limits.MaxPixels {
			return avatarError(MsgTooManyPixels(limits.MaxPixels))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h.Format, nil
}

func avatarError(msg string) error {
	return edusphere.FormError(edusphere.FieldErrors{{Field: "avatar", Messages: []string{msg}}})
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomName returns n characters drawn uniformly from [0-9A-Za-z] with
// crypto/rand; 22 of them carry about 131 bits.
func RandomName(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, c := range buf {
			// 248 = 4×62: rejecting the rest keeps every character equally likely.
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// formatBytes renders n as "5 MB", "512 KB" or "100 bytes" (binary units).
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return formatUnit(n, 1<<20, "MB", "")
	case n >= 1<<10:
		return formatUnit(n, 1<<10, "KB", "")
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// formatUnit renders n/unit rounded to one decimal ("5", "2.5"), or n
// itself with small when n is below one unit and small is set.
func formatUnit(n, unit int64, label, small string) string {
	if n < unit && small != "" {
		return strconv.FormatInt(n, 10) + " " + small
	}
	v := math.Round(float64(n)/float64(unit)*10) / 10
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + label
}
