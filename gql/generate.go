package gql

//go:generate go run github.com/99designs/gqlgen generate
//go:generate go run ./internal/inline generated/generated.go
