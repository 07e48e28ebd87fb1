package gql_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/edusphere/edusphere/gql"
)

// FuzzDecodeRequest feeds arbitrary methods, content types, query strings
// and bodies to the request decoder: it must never panic, and every
// failure must be a request-level error with a 4xx status.
func FuzzDecodeRequest(f *testing.F) {
	f.Add("POST", "application/json", "", `{"query":"{ rooms { name } }","variables":{"a":1},"operationName":null}`)
	f.Add("POST", "application/json", "", `{"query":"q","variables":"{\"a\":[1,2]}","operationName":"null"}`)
	f.Add("POST", "application/json", "", `[{"query":"q"}]`)
	f.Add("POST", "application/json", "", `{"query":`)
	f.Add("POST", "application/graphql", "variables=%7B%7D", `{ topics { name } }`)
	f.Add("POST", "application/x-www-form-urlencoded", "", "query=%7B+a+%7D&variables=null&operationName=A")
	f.Add("GET", "", "query=%7B+a+%7D&variables=%7B%22x%22%3A1%7D&raw", "")
	f.Add("GET", "", "variables=%7Bnope", "")
	f.Add("POST", "multipart/form-data; boundary=XX", "",
		"--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"mutation($f: Upload){ updateUser(avatar: $f) { user { avatar } } }\",\"variables\":{\"f\":null}}\r\n"+
			"--XX\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"1\":[\"variables.f\"]}\r\n"+
			"--XX\r\nContent-Disposition: form-data; name=\"1\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XX--\r\n")
	f.Add("POST", "multipart/form-data; boundary=XX", "", "--XX\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{ a }\r\n--XX--\r\n")
	f.Add("POST", "multipart/form-data; boundary=XX", "", "--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"q\"}\r\n--XX\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"1\":[\"x.f\"]}\r\n--XX--\r\n")
	// Map paths into lists, strings and missing variables, and a batch:
	// each once panicked in the upload mapping.
	for _, c := range [][2]string{
		{`{"query":"q","variables":{"f":null}}`, `{"1":["variables.0"]}`},
		{`{"query":"q","variables":{"x":[null,null]}}`, `{"1":["variables.x.5"]}`},
		{`{"query":"q","variables":{"x":"s"}}`, `{"1":["variables.x.y"]}`},
		{`{"query":"q","variables":{"x":[null]}}`, `{"1":["variables.x.-1"]}`},
		{`{"query":"q"}`, `{"1":["variables.x.0.y"]}`},
		{`[{"query":"q","variables":{"f":null}}]`, `{"1":["0.variables.f"]}`},
	} {
		f.Add("POST", "multipart/form-data; boundary=XX", "", "--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n"+c[0]+"\r\n"+
			"--XX\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n"+c[1]+"\r\n"+
			"--XX\r\nContent-Disposition: form-data; name=\"1\"; filename=\"a.png\"\r\n\r\nx\r\n--XX--\r\n")
	}
	f.Fuzz(func(t *testing.T, method, contentType, rawQuery, body string) {
		if method != "GET" && method != "POST" {
			method = "POST"
		}
		r := httptest.NewRequest(method, "/graphql/", bytes.NewReader([]byte(body)))
		r.URL.RawQuery = rawQuery
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		req, err := gql.DecodeRequest(r, gql.Limits{MaxBodyBytes: 1 << 16, MaxFileBytes: 1 << 16, MaxMemory: 1 << 10})
		if err != nil {
			var re *gql.RequestError
			if !errors.As(err, &re) || re.Status < 400 || re.Status >= 500 || re.Message == "" {
				t.Fatalf("error=%#v, want a 4xx RequestError", err)
			}
			return
		}
		defer req.Close()
		if req.OperationName == "null" {
			t.Fatalf("operationName=%q, want it read as no name", req.OperationName)
		}
		_ = http.StatusOK
	})
}

// FuzzMultipart builds well-formed multipart requests of the GraphQL
// multipart request spec from an operations field, a map field and a file,
// so the fuzzer spends its time on the JSON of operations and map rather
// than on the multipart framing: decoding must never panic, must fail only
// with a 4xx, and on success every mapped path must hold the file.
func FuzzMultipart(f *testing.F) {
	f.Add(`{"query":"mutation($f: Upload) { x }","variables":{"f":null}}`, `{"1":["variables.f"]}`, "1", []byte("\x89PNG"))
	f.Add(`{"query":"q","variables":{"l":[null,{"a":[null]}]}}`, `{"1":["variables.l.0","variables.l.1.a.0"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":{"x":[null,null]}}`, `{"1":["variables.x.5"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":{"x":"s"}}`, `{"1":["variables.x.y"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":{"x":[null]}}`, `{"1":["variables.x.-1"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":{"f":null}}`, `{"1":["variables.0"]}`, "1", []byte("x"))
	f.Add(`{"query":"q"}`, `{"1":["variables.f"]}`, "1", []byte{})
	f.Add(`[{"query":"q","variables":{"f":null}}]`, `{"1":["0.variables.f"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":{"f":null}}`, `{"2":["variables.f"]}`, "1", []byte("x"))
	f.Add(`{"query":"q","variables":"{\"f\":null}"}`, `{"1":["variables.f","variables.f"]}`, "1", []byte("x"))
	f.Fuzz(func(t *testing.T, operations, mapField, fileField string, file []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("operations", operations)
		_ = mw.WriteField("map", mapField)
		w, err := mw.CreateFormFile(fileField, "f.bin")
		if err != nil {
			return
		}
		_, _ = w.Write(file)
		_ = mw.Close()
		r := httptest.NewRequest(http.MethodPost, "/graphql/", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		req, err := gql.DecodeRequest(r, gql.Limits{MaxBodyBytes: 1 << 16, MaxFileBytes: 1 << 16, MaxMemory: 1 << 10})
		if err != nil {
			var re *gql.RequestError
			if !errors.As(err, &re) || re.Status < 400 || re.Status >= 500 || re.Message == "" {
				t.Fatalf("error=%#v, want a 4xx RequestError", err)
			}
			return
		}
		defer req.Close()
		var paths map[string][]string
		if json.Unmarshal([]byte(mapField), &paths) != nil {
			return
		}
		for _, p := range paths[fileField] {
			var cur any = req.Variables
			for _, part := range strings.Split(strings.TrimPrefix(p, "variables."), ".") {
				switch c := cur.(type) {
				case map[string]any:
					cur = c[part]
				case []any:
					n, _ := strconv.Atoi(part)
					cur = c[n]
				}
			}
			if _, ok := cur.(graphql.Upload); !ok {
				t.Fatalf("path %q holds %#v, want the file", p, cur)
			}
		}
	})
}
