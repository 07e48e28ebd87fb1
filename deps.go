//go:build tools

// This file pins the modules the packages below depend on while they are written.
package edusphere

import (
	_ "github.com/99designs/gqlgen"
	_ "github.com/coder/websocket"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/vektah/gqlparser/v2"
	_ "github.com/vikstrous/dataloadgen"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/image/webp"
	_ "golang.org/x/term"
	_ "golang.org/x/text/unicode/norm"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
