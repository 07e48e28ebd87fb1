package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edusphere/edusphere/config"
)

func TestParseDotEnv(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"OK", "A=1\nB = two \n", map[string]string{"A": "1", "B": "two"}, ""},
		{"OKCommentsAndBlanks", "# comment\n\n  # indented\nA=1 # trailing\nB=x#notcomment\n",
			map[string]string{"A": "1", "B": "x#notcomment"}, ""},
		{"OKExport", "export SECRET_KEY=abc\n", map[string]string{"SECRET_KEY": "abc"}, ""},
		{"OKSingleQuotes", `A='a b # c \n'`, map[string]string{"A": `a b # c \n`}, ""},
		{"OKDoubleQuotes", `A="line\nnext \"q\"" # comment`, map[string]string{"A": "line\nnext \"q\""}, ""},
		{"OKEmptyValue", "A=\nB=''", map[string]string{"A": "", "B": ""}, ""},
		{"OKEqualsInValue", "DATABASE_URL=postgres://u:p@h/d?sslmode=disable", map[string]string{"DATABASE_URL": "postgres://u:p@h/d?sslmode=disable"}, ""},
		{"OKCRLF", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}, ""},
		{"ErrNoEquals", "JUSTAKEY\n", nil, "line 1: want KEY=VALUE"},
		{"ErrBadKey", "A=1\n1A=2\n", nil, "line 2: want KEY=VALUE"},
		{"ErrUnterminated", `A="open`, nil, "line 1 (A): unterminated double quote"},
		{"ErrTextAfterQuote", `A='x' y`, nil, "line 1 (A): text after the closing quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.ParseDotEnv(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err=%v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			} else if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDotEnv=%q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnviron(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("EDU_TEST_FROM_FILE=file\nEDU_TEST_BOTH=file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDU_TEST_BOTH", "process")

	env, err := config.Environ(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := env["EDU_TEST_FROM_FILE"]; got != "file" {
		t.Fatalf("EDU_TEST_FROM_FILE=%q, want file", got)
	}
	if got := env["EDU_TEST_BOTH"]; got != "process" {
		t.Fatalf("EDU_TEST_BOTH=%q, want process (the environment wins)", got)
	}

	t.Run("OKMissingFile", func(t *testing.T) {
		env, err := config.Environ(filepath.Join(t.TempDir(), "none.env"))
		if err != nil || env["EDU_TEST_BOTH"] != "process" {
			t.Fatalf("Environ=%v, want the process environment", err)
		}
	})
	t.Run("ErrBadFile", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), ".env")
		os.WriteFile(bad, []byte("nonsense\n"), 0o600)
		if _, err := config.Environ(bad); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Fatalf("err=%v, want the bad line named", err)
		}
	})
}
