// Package e2e runs the browser tests of the EduSphere web client.
//
// TestBrowser builds ./cmd/edusphere, starts it on a free 127.0.0.1 port
// with a temporary data directory, and runs the node test scripts
// (e2e/*.mjs) against it in headless Chromium driven by playwright-core.
// a11y.test.mjs audits every page state with axe-core (WCAG 2.1 A and AA)
// and checks each focus indicator's contrast. Screenshots of the main pages
// land in e2e/screenshots/ (git-ignored).
//
// Needs /usr/bin/chromium, node and `npm ci` in e2e/ (playwright-core and
// axe-core). Without them the test skips with the reason, except with
// CI=true, where it fails.
package e2e
