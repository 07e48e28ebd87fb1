// Package mock provides Fn-field mocks of every service interface of the
// root package and of the Broker: each method calls the function in the
// field of the same name plus "Fn", so a test sets only what it needs.
// Use them where a real store adds nothing, such as a store failing with an
// internal error; behaviour tests run against real databases.
package mock
