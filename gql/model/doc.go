// Package model holds the Go side of the GraphQL schema that the root
// package does not provide: the custom scalars (UUID, DateTime,
// GenericScalar, Upload and integer IDs) and the mutation payload types
// generated from the schema.
package model
