package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"io"
)

// Header is what an image's header says about it, read without decoding
// the image.
type Header struct {
	Format        *Format
	Width, Height int
	// Memory bounds, from above, what decoding the whole image allocates:
	// the decoded pixels at the decoder's own bytes per pixel, plus its
	// working buffers (docs/limits.md, "Images").
	Memory int64
}

// headerPrefix is how much of a file ReadHeader looks at for PNG, GIF and
// WebP, whose headers sit at the start; a JPEG is scanned further, segment
// by segment, until its frame header.
const headerPrefix = 4 << 10

// decoderOverhead covers a decoder's fixed buffers: readers, tables,
// palettes, the inflater's window.
const decoderOverhead = 256 << 10

// ReadHeader reads the header of a PNG, JPEG, GIF or WebP file from r and
// estimates what decoding it would cost. It reads the start of the file
// only (for a JPEG, up to its frame header), keeping nothing but a small
// buffer. A file that is none of these formats, or whose header does not
// parse, is an error.
func ReadHeader(r io.Reader) (Header, error) {
	br := bufio.NewReaderSize(r, headerPrefix)
	head, _ := br.Peek(headerPrefix)
	format := Sniff(head)
	if format == nil {
		return Header{}, errNotImage
	}
	var h Header
	var err error
	switch format {
	case formatPNG:
		h, err = pngHeader(head)
	case formatGIF:
		h, err = gifHeader(head)
	case formatWebP:
		h, err = webpHeader(head)
	case formatJPEG:
		h, err = jpegHeader(br)
	}
	if err != nil {
		return Header{}, err
	}
	if h.Width <= 0 || h.Height <= 0 {
		return Header{}, errNotImage
	}
	h.Format = format
	return h, nil
}

var errNotImage = errors.New("not an image of an accepted format")

// pngHeader reads IHDR. Go's decoder holds the image at 1 to 8 bytes per
// pixel (8 for 16-bit samples, 4 for 8-bit colour or alpha), two rows of
// filter state, and for an interlaced image each of the seven passes as an
// image of its own before merging them: twice the pixels.
func pngHeader(b []byte) (Header, error) {
	cfg, err := decodeConfig(formatPNG, b)
	if err != nil || len(b) < 29 || string(b[12:16]) != "IHDR" {
		return Header{}, errNotImage
	}
	depth, interlaced := b[24], b[28] == 1
	bpp := int64(4)
	if depth == 16 {
		bpp = 8
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	mem := w * h * bpp
	if interlaced {
		mem *= 2
	}
	mem += 2*(w*bpp+1) + decoderOverhead
	return Header{Width: cfg.Width, Height: cfg.Height, Memory: mem}, nil
}

// gifHeader reads the logical screen. Go's decoder keeps the first frame
// only, one byte per pixel, and a frame never exceeds the screen.
func gifHeader(b []byte) (Header, error) {
	cfg, err := decodeConfig(formatGIF, b)
	if err != nil {
		return Header{}, errNotImage
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	return Header{Width: cfg.Width, Height: cfg.Height, Memory: w*h + decoderOverhead}, nil
}

// webpHuffmanGroup bounds the memory of one group of prefix codes of a
// lossless WebP in the decoder (five trees with their look-up tables, the
// largest alphabets, and their code-length scratch), and webpMaxGroups is
// the most groups the decoder accepts in one image.
const (
	webpHuffmanGroup = 72 << 10
	webpMaxGroups    = 2600
)

// webpHeader reads the RIFF chunks. A lossy image decodes into YCbCr 4:2:0
// over whole 16-pixel macroblocks (1.5 bytes per pixel) plus an alpha
// plane; a lossless one (or lossless alpha) into 4 bytes per pixel with as
// much again for a colour-indexing transform, plus its prefix-code groups:
// one per 4×4 tile at most, and never more than the decoder's 2,600. The
// whole file is read into memory by the decoder as well.
func webpHeader(b []byte) (Header, error) {
	cfg, err := decodeConfig(formatWebP, b)
	if err != nil {
		return Header{}, errNotImage
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	// The chunks before the image data (VP8X, ICCP, ALPH) say whether there
	// is alpha and how it is coded; when the image chunk lies beyond the
	// bytes read, assume the worst: lossless with alpha.
	lossless, alpha, found := false, false, false
	for off := 12; off+8 <= len(b) && !found; {
		fourCC := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		switch fourCC {
		case "VP8 ":
			found = true
		case "VP8L":
			found, lossless = true, true
		case "ALPH":
			alpha = true
			if off+8 < len(b) && b[off+8]&0x03 == 1 {
				lossless = true
			}
		}
		next := int64(off) + 8 + size + size&1
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	if !found {
		lossless, alpha = true, true
	}
	mb := func(n int64) int64 { return (n + 15) / 16 * 16 }
	mem := mb(w)*mb(h)*3/2 + decoderOverhead
	if alpha {
		mem += w * h
	}
	if lossless {
		tiles := ((w + 3) / 4) * ((h + 3) / 4)
		mem += 8*w*h + min(tiles, webpMaxGroups)*webpHuffmanGroup
	}
	return Header{Width: cfg.Width, Height: cfg.Height, Memory: mem}, nil
}

// jpegHeader scans the markers up to the frame header (SOFn), skipping
// every segment before it without keeping it. Go's decoder holds each
// component's plane over whole blocks of its sampling (one byte per
// sample); a progressive image also holds every component's coefficients
// (64 int32 per 8×8 block, 4 bytes per sample) until the end; a CMYK or
// RGB image is converted into a second image of 4 bytes per pixel.
func jpegHeader(br *bufio.Reader) (Header, error) {
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return Header{}, errNotImage
	}
	jfif, adobeRGB := false, false
	for {
		marker, err := nextMarker(br)
		if err != nil {
			return Header{}, errNotImage
		}
		switch {
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			continue // no length
		case marker == 0xD9 || marker == 0xDA:
			return Header{}, errNotImage // end of image or scan before any frame
		}
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return Header{}, errNotImage
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		if n < 0 {
			return Header{}, errNotImage
		}
		switch {
		case marker == 0xC0 || marker == 0xC1 || marker == 0xC2:
			seg := make([]byte, n)
			if _, err := io.ReadFull(br, seg); err != nil {
				return Header{}, errNotImage
			}
			return jpegFrame(seg, marker == 0xC2, jfif, adobeRGB)
		case marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return Header{}, errNotImage // arithmetic or lossless coding: not decodable here
		case marker == 0xE0 || marker == 0xEE:
			seg := make([]byte, min(n, 16))
			if _, err := io.ReadFull(br, seg); err != nil {
				return Header{}, errNotImage
			}
			if marker == 0xE0 && bytes.HasPrefix(seg, []byte("JFIF\x00")) {
				jfif = true
			}
			if marker == 0xEE && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")) && seg[11] == 0 {
				adobeRGB = true
			}
			if _, err := br.Discard(n - len(seg)); err != nil {
				return Header{}, errNotImage
			}
		default:
			if _, err := br.Discard(n); err != nil {
				return Header{}, errNotImage
			}
		}
	}
}

// nextMarker reads up to and including the next marker byte after 0xFF
// fill bytes.
func nextMarker(br *bufio.Reader) (byte, error) {
	c, err := br.ReadByte()
	if err != nil || c != 0xFF {
		return 0, errNotImage
	}
	for {
		c, err = br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != 0xFF {
			return c, nil
		}
	}
}

// jpegFrame reads a frame header: precision, height, width, components.
func jpegFrame(seg []byte, progressive, jfif, adobeRGB bool) (Header, error) {
	if len(seg) < 6 {
		return Header{}, errNotImage
	}
	h := int64(binary.BigEndian.Uint16(seg[1:3]))
	w := int64(binary.BigEndian.Uint16(seg[3:5]))
	nc := int(seg[5])
	if (nc != 1 && nc != 3 && nc != 4) || len(seg) < 6+3*nc || w == 0 || h == 0 {
		return Header{}, errNotImage
	}
	type comp struct{ id, h, v int64 }
	comps := make([]comp, nc)
	var hmax, vmax int64 = 1, 1
	for i := range comps {
		c := seg[6+3*i:]
		comps[i] = comp{int64(c[0]), int64(c[1] >> 4), int64(c[1] & 0x0F)}
		if comps[i].h < 1 || comps[i].h > 4 || comps[i].v < 1 || comps[i].v > 4 {
			return Header{}, errNotImage
		}
		hmax, vmax = max(hmax, comps[i].h), max(vmax, comps[i].v)
	}
	if nc == 1 {
		// A grey image is decoded block by block whatever its sampling.
		comps[0].h, comps[0].v, hmax, vmax = 1, 1, 1, 1
	}
	mxx := (w + 8*hmax - 1) / (8 * hmax)
	myy := (h + 8*vmax - 1) / (8 * vmax)
	var mem int64
	for _, c := range comps {
		samples := mxx * myy * c.h * c.v * 64
		mem += samples
		if progressive {
			mem += 4 * samples
		}
	}
	rgb := nc == 3 && !jfif && (adobeRGB || (comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B'))
	if nc == 4 || rgb {
		mem += 4 * w * h
	}
	return Header{Width: int(w), Height: int(h), Memory: mem + decoderOverhead}, nil
}

func decodeConfig(f *Format, b []byte) (image.Config, error) {
	return f.config(bytes.NewReader(b))
}
