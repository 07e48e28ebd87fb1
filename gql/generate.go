package gql

//go:generate go tool gqlgen generate
//go:generate go run ./internal/inline generated/generated.go
