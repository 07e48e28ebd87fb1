package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/edusphere/edusphere/media"
)

// cpuTime is the CPU the process has used, user and system, garbage
// collection included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hostileImages are the uploads of the images class: what an attacker
// sends, and the largest images a user could honestly send.
func hostileImages(tb testing.TB) []struct {
	name string
	data []byte
} {
	photo := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for y := range 3000 {
		for x := range 4000 {
			photo.Y[y*photo.YStride+x] = uint8(x/16 + y/16)
		}
	}
	large := testImage(2500, 2000)
	return []struct {
		name string
		data []byte
	}{
		{"PNG16Bit7000Header", pngHeader(7000, 7000, 16, 6, 0)},
		{"PNGInterlaced6000Header", pngHeader(6000, 6000, 8, 6, 1)},
		{"PNGHugeDimensions", pngHeader(100_000, 100_000, 8, 0, 0)},
		{"JPEGProgressiveHeader", jpegHeader(6000, 6000, true, [2]byte{1, 0x11}, [2]byte{2, 0x11}, [2]byte{3, 0x11})},
		{"JPEGCMYKHeader", jpegHeader(7000, 7000, false, [2]byte{'C', 0x11}, [2]byte{'M', 0x11}, [2]byte{'Y', 0x11}, [2]byte{'K', 0x11})},
		{"WebPLosslessHeader", encodeWebP(4000, 4000, color.NRGBA{A: 255})},
		{"WebPLosslessAlphaHeader", webpVP8X(4000, 4000, true)},
		{"GIF20000Frames", manyFramesGIF(tb, 64, 64, 20_000)},
		{"TruncatedPNG", half(encodePNG(tb, large))},
		{"TruncatedInterlacedPNG", half(interlacedPNG(testImage(1000, 1000)))},
		{"TruncatedJPEG", half(encodeJPEG(tb, photo))},
		{"PhotoJPEG4000x3000", encodeJPEG(tb, photo)},
		{"PNG2500x2000", encodePNG(tb, large)},
		{"PNGInterlaced1000", interlacedPNG(testImage(1000, 1000))},
		{"PNG5000x5000", encodePNG(tb, testImage(5000, 5000))},
	}
}

// BenchmarkHostileImages checks every image of the images class once per
// iteration, one after another, through SaveAvatar with the default
// limits, and reports the worst CPU time and the worst allocation of one
// upload; -v lists each image. Then four goroutines upload the heaviest
// accepted image at once, and the peak heap is reported: the decode
// budget, not the number of uploads, bounds it.
//
//	go test -run X -bench HostileImages -benchtime 3x ./media/
func BenchmarkHostileImages(b *testing.B) {
	inputs := hostileImages(b)
	cpu := make([]time.Duration, len(inputs))
	alloc := make([]uint64, len(inputs))
	b.ResetTimer()
	for range b.N {
		for i, in := range inputs {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			c0 := cpuTime()
			_, _ = media.SaveAvatar(context.Background(), discardStorage{}, "x", bytes.NewReader(in.data), media.Limits{})
			cpu[i] += cpuTime() - c0
			runtime.ReadMemStats(&after)
			alloc[i] += after.TotalAlloc - before.TotalAlloc
		}
	}
	b.StopTimer()
	var worstCPU time.Duration
	var worstAlloc uint64
	for i, in := range inputs {
		c, a := cpu[i]/time.Duration(b.N), alloc[i]/uint64(b.N)
		b.Logf("%-26s %7d bytes  cpu %8.2f ms  alloc %8.1f MB", in.name, len(in.data), float64(c.Microseconds())/1000, float64(a)/(1<<20))
		worstCPU, worstAlloc = max(worstCPU, c), max(worstAlloc, a)
	}
	b.ReportMetric(float64(worstCPU.Microseconds())/1000, "worst-cpu-ms")
	b.ReportMetric(float64(worstAlloc)/(1<<20), "worst-alloc-MB")

	// Four at once, each needing most of the budget.
	heavy := encodePNG(b, testImage(5000, 5000))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := media.SaveAvatar(context.Background(), discardStorage{}, "x", bytes.NewReader(heavy), media.Limits{}); err != nil {
				b.Errorf("SaveAvatar: %v", err)
			}
		}()
	}
	wg.Wait()
	close(done)
	h, _ := media.ReadHeader(bytes.NewReader(heavy))
	b.Logf("4 uploads of a 5000×5000 PNG (%d bytes, estimate %.0f MB each) at once: heap peaked %.0f MB above the %.1f MB before",
		len(heavy), float64(h.Memory)/(1<<20), float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/(1<<20), float64(base.HeapAlloc)/(1<<20))
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/(1<<20), "4-at-once-peak-heap-MB")
}

// discardStorage is a Storage that reads what it is given and keeps
// nothing, so the benchmark measures the checks alone.
type discardStorage struct{ media.Storage }

func (discardStorage) Save(_ context.Context, _ string, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
