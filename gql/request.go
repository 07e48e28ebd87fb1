package gql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// Request-level messages (docs/graphql.md, Status codes and response
// shape); the first five are the original's texts.
const (
	msgInvalidJSON       = "POST body sent invalid JSON."
	msgNotAQuery         = "The received data is not a valid JSON query."
	msgNoQuery           = "Must provide query string."
	msgBadVariables      = "Variables are invalid JSON."
	msgBodyTooLarge      = "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
	msgUploadTooLarge    = "Request body is too large for an upload."
	msgBadMultipart      = "The multipart request is malformed."
	msgBadOperations     = "The operations field is not a valid JSON query."
	msgBadMap            = "The map field is not a valid JSON object of lists of paths."
	msgMissingFile       = "The map names a file part that was not sent."
	msgTooManyParts      = "The multipart request has more than %d parts."
	msgTooManyFiles      = "The multipart request has more than %d files."
	msgBatchUpload       = "Only one operation can be sent with files; batches are not supported."
	msgVariablesTooLarge = "The variables are %s bytes long, more than the limit of %s bytes."
	msgOnlyGetPost       = "GraphQL only supports GET and POST requests."
	msgSubscription      = "Schema is not configured to execute subscription operation."
	msgMutationOverGET   = "Can only perform a mutation operation from a POST request."
	msgOperationNotPost  = "Can only perform a %s operation from a POST request."
)

// Limits bound what DecodeRequest reads.
type Limits struct {
	// MaxBodyBytes caps the request body apart from file parts; default
	// 2,621,440 (Django's DATA_UPLOAD_MAX_MEMORY_SIZE).
	MaxBodyBytes int64
	// MaxFileBytes caps one uploaded file; a larger file reaches the
	// resolver cut at MaxFileBytes+1 bytes, so the avatar check reports it.
	// Default 5 MB.
	MaxFileBytes int64
	// MaxMemory is how much of one file is kept in memory before it spills
	// to a temporary file; default 1 MiB.
	MaxMemory int64
	// MaxVariablesBytes caps the variables' JSON text; default 64 KiB. No
	// operation needs more (the longest text field takes 500 characters,
	// files come as parts), and decoding 2.5 MB of JSON values costs a
	// tenth of a second of CPU.
	MaxVariablesBytes int64
	// MaxFiles is the most file parts of a multipart request; default 3.
	// At most 5 other fields may come with them (operations, map, and
	// the query, variables and operationName of a plain form).
	MaxFiles int
}

// maxFields is the most non-file parts of a multipart request.
const maxFields = 5

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 2_621_440
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 5 << 20
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = 1 << 20
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 3
	}
	if l.MaxVariablesBytes <= 0 {
		l.MaxVariablesBytes = 64 << 10
	}
	return l
}

// MaxRequestBytes is the largest request body DecodeRequest reads: a
// multipart body of the non-file parts, MaxFiles files and 64 KiB of part
// headers. Beyond it a request is refused outright.
func (l Limits) MaxRequestBytes() int64 {
	l = l.withDefaults()
	return l.MaxBodyBytes + int64(l.MaxFiles)*(l.MaxFileBytes+1) + 64<<10
}

// RequestError is a request-level failure: the HTTP status and the message
// of the single error in the body.
type RequestError struct {
	Status  int
	Message string
}

func (e *RequestError) Error() string { return e.Message }

func badRequest(msg string) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Message: msg}
}

// Request is a decoded GraphQL request.
type Request struct {
	Query         string
	OperationName string
	Variables     map[string]any
	// Raw is set by the raw parameter, which asks for JSON even from a
	// browser in debug mode.
	Raw bool

	temps        []*os.File // spilled uploads, removed by Close
	maxVariables int64      // Limits.MaxVariablesBytes
}

// Close removes the temporary files of spilled uploads.
func (r *Request) Close() {
	for _, f := range r.temps {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	r.temps = nil
}

// DecodeRequest reads a GraphQL request in any form docs/graphql.md,
// Transports lists: GET
// parameters; POST bodies of JSON, application/graphql, url-encoded forms
// and multipart forms (with the GraphQL multipart request spec when an
// operations field is present). Query-string parameters win over the
// body. It does not check the method; errors are *RequestError.
func DecodeRequest(r *http.Request, lim Limits) (*Request, error) {
	lim = lim.withDefaults()
	req := &Request{maxVariables: lim.MaxVariablesBytes}
	var fields map[string]string // form-style parameters found in the body
	if r.Method == http.MethodPost {
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mediaType {
		case "application/json":
			body, err := readBody(r, lim.MaxBodyBytes)
			if err != nil {
				return nil, err
			}
			if err := decodeJSONBody(req, body); err != nil {
				return nil, err
			}
		case "application/graphql":
			body, err := readBody(r, lim.MaxBodyBytes)
			if err != nil {
				return nil, err
			}
			req.Query = string(body)
		case "application/x-www-form-urlencoded":
			f, err := readURLEncoded(r, lim.MaxBodyBytes)
			if err != nil {
				return nil, err
			}
			fields = f
		case "multipart/form-data":
			f, err := readMultipart(r, req, lim)
			if err != nil {
				req.Close()
				return nil, err
			}
			fields = f
		}
	}
	if fields != nil {
		if err := applyFields(req, fields); err != nil {
			req.Close()
			return nil, err
		}
	}
	// Query-string parameters win over the body, for POST as for GET.
	q := r.URL.Query()
	if err := applyFields(req, firstValues(q)); err != nil {
		req.Close()
		return nil, err
	}
	_, req.Raw = q["raw"]
	return req, nil
}

func firstValues(v url.Values) map[string]string {
	m := make(map[string]string, 3)
	for _, k := range [...]string{"query", "variables", "operationName"} {
		if vs, ok := v[k]; ok && len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	return m
}

// applyFields sets the form-style parameters that are present.
func applyFields(req *Request, f map[string]string) error {
	if q, ok := f["query"]; ok {
		req.Query = q
	}
	if v, ok := f["variables"]; ok {
		vars, err := decodeVariablesText(v, req.maxVariables)
		if err != nil {
			return err
		}
		req.Variables = vars
	}
	if op, ok := f["operationName"]; ok {
		req.OperationName = operationName(op)
	}
	return nil
}

// operationName treats "null" as no name, as the original did.
func operationName(s string) string {
	if s == "null" {
		return ""
	}
	return s
}

// readBody reads the whole body, refusing one over max bytes.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, badRequest(msgBodyTooLarge)
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, badRequest(msgInvalidJSON)
	}
	if int64(len(body)) > max {
		return nil, badRequest(msgBodyTooLarge)
	}
	return body, nil
}

// decodeJSONBody reads {query, variables, operationName}.
func decodeJSONBody(req *Request, body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !json.Valid(body) {
			return badRequest(msgInvalidJSON)
		}
		// Arrays are batches, which are not supported; scalars are no query.
		return badRequest(msgNotAQuery)
	}
	// Unmarshal checks the whole text first: one pass refuses invalid JSON.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return badRequest(msgInvalidJSON)
	}
	return applyJSONFields(req, m)
}

func applyJSONFields(req *Request, m map[string]json.RawMessage) error {
	if raw, ok := m["query"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			req.Query = s
		}
	}
	if raw, ok := m["variables"]; ok {
		vars, err := decodeVariables(raw, req.maxVariables)
		if err != nil {
			return err
		}
		req.Variables = vars
	}
	if raw, ok := m["operationName"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			req.OperationName = operationName(s)
		}
	}
	return nil
}

// decodeVariables accepts an object, null, or a JSON text of either, of
// at most max bytes.
func decodeVariables(raw json.RawMessage, max int64) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if int64(len(raw)) > max {
		return nil, badRequest(fmt.Sprintf(msgVariablesTooLarge, thousands(len(raw)), thousands(int(max))))
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badRequest(msgBadVariables)
		}
		return decodeVariablesText(s, max)
	}
	return decodeObject(raw)
}

// decodeVariablesText parses the variables parameter of GET and form posts.
func decodeVariablesText(s string, max int64) (map[string]any, error) {
	s = strings.TrimSpace(s)
	if int64(len(s)) > max {
		return nil, badRequest(fmt.Sprintf(msgVariablesTooLarge, thousands(len(s)), thousands(int(max))))
	}
	if s == "" || s == "null" {
		return nil, nil
	}
	return decodeObject([]byte(s))
}

func decodeObject(b []byte) (map[string]any, error) {
	if len(b) == 0 || b[0] != '{' {
		return nil, badRequest(msgBadVariables)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, badRequest(msgBadVariables)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest(msgBadVariables)
	}
	return m, nil
}

func readURLEncoded(r *http.Request, max int64) (map[string]string, error) {
	var values url.Values
	if r.PostForm != nil {
		// A middleware (the CSRF check) parsed the form already.
		values = r.PostForm
	} else {
		body, err := readBody(r, max)
		if err != nil {
			return nil, err
		}
		values, err = url.ParseQuery(string(body))
		if err != nil {
			return nil, badRequest(msgInvalidJSON)
		}
	}
	return firstValues(values), nil
}

// readMultipart reads a multipart body. With an operations field it
// follows the GraphQL multipart request spec: operations, then map, then
// the files, each put into the variables at its mapped paths. Without one,
// its fields are read like a url-encoded form.
func readMultipart(r *http.Request, req *Request, lim Limits) (map[string]string, error) {
	values := map[string]string{}
	files := map[string]graphql.Upload{}
	if r.MultipartForm != nil {
		// A middleware parsed the form already; use what it kept.
		for k, vs := range r.MultipartForm.Value {
			if len(vs) > 0 {
				values[k] = vs[0]
			}
		}
		if len(r.MultipartForm.Value) > maxFields {
			return nil, badRequest(fmt.Sprintf(msgTooManyParts, maxFields+lim.MaxFiles))
		}
		if len(r.MultipartForm.File) > lim.MaxFiles {
			return nil, badRequest(fmt.Sprintf(msgTooManyFiles, lim.MaxFiles))
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			fh := fhs[0]
			f, err := fh.Open()
			if err != nil {
				return nil, badRequest(msgBadMultipart)
			}
			if c, ok := f.(io.Closer); ok {
				defer c.Close()
			}
			up, err := bufferFile(req, f, fh.Filename, fh.Header.Get("Content-Type"), lim)
			if err != nil {
				return nil, err
			}
			files[k] = up
		}
	} else {
		if r.ContentLength > lim.MaxRequestBytes() {
			return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Message: msgUploadTooLarge}
		}
		if r.Body == nil {
			return nil, badRequest(msgBadMultipart)
		}
		body := io.LimitReader(r.Body, lim.MaxRequestBytes()+1)
		counted := &countingReader{r: body}
		mr, err := multipartReader(r, counted)
		if err != nil {
			return nil, badRequest(msgBadMultipart)
		}
		var fieldBytes int64
		var fieldParts, fileParts int
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if counted.n > lim.MaxRequestBytes() {
				return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Message: msgUploadTooLarge}
			}
			if err != nil {
				return nil, badRequest(msgBadMultipart)
			}
			name := part.FormName()
			if part.FileName() == "" {
				if fieldParts++; fieldParts > maxFields {
					return nil, badRequest(fmt.Sprintf(msgTooManyParts, maxFields+lim.MaxFiles))
				}
				b, err := io.ReadAll(io.LimitReader(part, lim.MaxBodyBytes-fieldBytes+1))
				if err != nil {
					return nil, badRequest(msgBadMultipart)
				}
				fieldBytes += int64(len(b))
				if fieldBytes > lim.MaxBodyBytes {
					return nil, badRequest(msgBodyTooLarge)
				}
				if _, dup := values[name]; !dup {
					values[name] = string(b)
				}
				continue
			}
			if fileParts++; fileParts > lim.MaxFiles {
				return nil, badRequest(fmt.Sprintf(msgTooManyFiles, lim.MaxFiles))
			}
			up, err := bufferFile(req, part, part.FileName(), part.Header.Get("Content-Type"), lim)
			if err != nil {
				return nil, err
			}
			if _, dup := files[name]; !dup {
				files[name] = up
			}
		}
		if counted.n > lim.MaxRequestBytes() {
			return nil, &RequestError{Status: http.StatusRequestEntityTooLarge, Message: msgUploadTooLarge}
		}
	}

	ops, ok := values["operations"]
	if !ok {
		return values, nil
	}
	trimmed := strings.TrimSpace(ops)
	if strings.HasPrefix(trimmed, "[") && json.Valid([]byte(trimmed)) {
		return nil, badRequest(msgBatchUpload)
	}
	if !json.Valid([]byte(trimmed)) || !strings.HasPrefix(trimmed, "{") {
		return nil, badRequest(msgBadOperations)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(trimmed), &m); err != nil {
		return nil, badRequest(msgBadOperations)
	}
	if err := applyJSONFields(req, m); err != nil {
		return nil, err
	}
	uploads := map[string][]string{}
	if mp, ok := values["map"]; ok && strings.TrimSpace(mp) != "" {
		if err := json.Unmarshal([]byte(mp), &uploads); err != nil {
			return nil, badRequest(msgBadMap)
		}
	}
	// Keys in a stable order, so that of several bad paths the same one
	// is reported every time.
	keys := make([]string, 0, len(uploads))
	for key := range uploads {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		up, ok := files[key]
		if !ok {
			return nil, badRequest(msgMissingFile)
		}
		for _, p := range uploads[key] {
			if err := placeUpload(req.Variables, p, up); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// placeUpload puts up into vars at path, a map entry of the GraphQL
// multipart request spec such as "variables.avatar" or "variables.files.1".
// The path must lead, through objects by key and lists by index, to a
// value that is present and null in the operations' variables, as the
// client leaves it for the file; anything else is a 400 naming the path
// and what is wrong with it (docs/graphql.md, "Uploads").
func placeUpload(vars map[string]any, path string, up graphql.Upload) error {
	bad := func(why string) error {
		return badRequest(fmt.Sprintf("The map path %q %s.", truncate(path, 100), why))
	}
	rest, ok := strings.CutPrefix(path, "variables.")
	if !ok {
		return bad(`does not start with "variables."`)
	}
	if vars == nil {
		return bad("names a variable, but the operations have no variables")
	}
	parts := strings.Split(rest, ".")
	var cur any = vars
	for i, part := range parts {
		last := i == len(parts)-1
		where := "variables." + strings.Join(parts[:i], ".")
		if i == 0 {
			where = "variables"
		}
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return bad(fmt.Sprintf("names %q, which %s does not have", truncate(part, 40), truncate(where, 60)))
			}
			if last {
				if v != nil {
					return bad("names a value that is not null")
				}
				c[part] = up
				return nil
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 || strconv.Itoa(n) != part {
				return bad(fmt.Sprintf("has %q where %s, a list, needs an index", truncate(part, 40), truncate(where, 60)))
			}
			if n >= len(c) {
				return bad(fmt.Sprintf("has index %d, but %s has %d items", n, truncate(where, 60), len(c)))
			}
			if last {
				if c[n] != nil {
					return bad("names a value that is not null")
				}
				c[n] = up
				return nil
			}
			cur = c[n]
		default:
			return bad(fmt.Sprintf("goes into %s, which is not an object or a list", truncate(where, 60)))
		}
	}
	return bad("names no value")
}

// multipartReader reads the multipart body from body with r's boundary.
func multipartReader(r *http.Request, body io.Reader) (*multipart.Reader, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errors.New("multipart: no boundary")
	}
	return multipart.NewReader(body, boundary), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bufferFile keeps up to MaxFileBytes+1 bytes of a file part, in memory up
// to MaxMemory and in a temporary file beyond. A longer file is cut there:
// the avatar check then refuses it as too large, and nothing is stored.
func bufferFile(req *Request, src io.Reader, filename, contentType string, lim Limits) (graphql.Upload, error) {
	limited := io.LimitReader(src, lim.MaxFileBytes+1)
	head, err := io.ReadAll(io.LimitReader(limited, lim.MaxMemory+1))
	if err != nil {
		return graphql.Upload{}, badRequest(msgBadMultipart)
	}
	up := graphql.Upload{Filename: filename, ContentType: contentType}
	if int64(len(head)) <= lim.MaxMemory {
		up.File = bytes.NewReader(head)
		up.Size = int64(len(head))
		return up, nil
	}
	tmp, err := os.CreateTemp("", "edusphere-upload-")
	if err != nil {
		return graphql.Upload{}, &RequestError{Status: http.StatusInternalServerError, Message: msgInternal}
	}
	req.temps = append(req.temps, tmp)
	n1, err1 := tmp.Write(head)
	n2, err2 := io.Copy(tmp, limited)
	if err1 != nil || err2 != nil {
		return graphql.Upload{}, badRequest(msgBadMultipart)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return graphql.Upload{}, &RequestError{Status: http.StatusInternalServerError, Message: msgInternal}
	}
	up.File = tmp
	up.Size = int64(n1) + n2
	return up, nil
}
