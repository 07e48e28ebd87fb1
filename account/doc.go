// Package account is the account lifecycle: deactivating, reactivating and
// deleting a user with all their side effects (session revocation, chat
// sockets closed in every process, the cascade of rooms and messages with
// their frames, the avatar file). The admin and the command line call
// Service; neither repeats any of its steps.
package account
