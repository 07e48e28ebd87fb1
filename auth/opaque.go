package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewOpaqueToken returns a random bearer token (32 bytes from crypto/rand,
// URL-safe base64 without padding) and its SHA-256, the only form anyone
// stores: refresh tokens and admin sessions are both made this way, so a
// copy of their tables opens nothing.
func NewOpaqueToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashOpaqueToken(token)
}

// HashOpaqueToken returns the stored form of a token NewOpaqueToken made.
func HashOpaqueToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
