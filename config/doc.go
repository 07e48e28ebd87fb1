// Package config reads the server's settings from the environment and an
// optional .env file, once, at start-up. Load validates every value and
// reports a bad one as a single line naming the variable and the form it
// expects, so the process can refuse to start with a clear message.
//
// Only cmd/edusphere calls it; every other package receives plain values.
package config
