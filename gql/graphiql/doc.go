// Package graphiql is the GraphiQL page the GraphQL endpoint shows browsers
// in debug mode (docs/graphql.md, "GraphiQL"). The browser builds of React,
// ReactDOM and GraphiQL are copied from their npm packages into dist/ by
// build.sh and embedded, so the page works offline; page.js starts GraphiQL
// with a fetcher that sends the CSRF token.
package graphiql
