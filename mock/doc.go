// Package mock provides Fn-field mocks of the root package's interfaces
// that tests use: UserService, SessionService and Broker. Each method calls
// the function in the field of the same name plus "Fn", so a test sets only
// what it needs. Use them where a real store adds nothing, such as a store
// failing with an internal error; behaviour tests run against real
// databases. Add a mock here when a test first needs one.
package mock
