package media

import (
	"bufio"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
)

// Handler serves GET and HEAD /media/<name> from st. Stored names are
// random and never reused, so responses may be cached for a year. The
// Content-Type comes from the file's bytes; a file that is not one of the
// accepted image formats is sent as an attachment. Every response forbids
// sniffing and carries a sandboxing Content-Security-Policy, so nothing
// served here can run script on this origin.
func Handler(st Storage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/media/")
		name = strings.TrimPrefix(name, "/")
		if !ValidName(name) {
			http.NotFound(w, r)
			return
		}
		f, err := st.Open(r.Context(), name)
		if edusphere.ErrorCode(err) == edusphere.ENOTFOUND || edusphere.ErrorCode(err) == edusphere.EINVALID {
			http.NotFound(w, r)
			return
		} else if err != nil {
			http.Error(w, edusphere.MsgInternal, http.StatusInternalServerError)
			return
		}
		defer f.Close()

		var head []byte
		var body io.Reader = f
		seeker, canSeek := f.(io.ReadSeeker)
		if canSeek {
			head = make([]byte, 512)
			n, _ := io.ReadFull(f, head)
			head = head[:n]
			if _, err := seeker.Seek(0, io.SeekStart); err != nil {
				http.Error(w, edusphere.MsgInternal, http.StatusInternalServerError)
				return
			}
		} else {
			br := bufio.NewReaderSize(f, 512)
			head, _ = br.Peek(512)
			body = br
		}
		if format := Sniff(head); format != nil {
			h.Set("Content-Type", format.ContentType)
		} else {
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Content-Disposition", "attachment")
		}
		h.Set("Cache-Control", "public, max-age=31536000, immutable")

		if canSeek {
			var mod time.Time
			if st, ok := f.(interface{ Stat() (fs.FileInfo, error) }); ok {
				if fi, err := st.Stat(); err == nil {
					mod = fi.ModTime()
				}
			}
			http.ServeContent(w, r, "", mod, seeker)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		// A failed copy means the client went away; the status is already sent.
		_, _ = io.Copy(w, body)
	})
}
