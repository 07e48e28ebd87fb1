package gql_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

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
