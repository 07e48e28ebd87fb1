// GraphiQL in debug mode: a browser opens GET /graphql/, GraphiQL loads
// the schema, runs a query and a mutation (which needs the CSRF token its
// fetcher sends), and the page asks nothing of any other host.
//
// The harness's server runs without DEBUG, so this file starts its own
// debug server from the binary the Go harness built (EDUSPHERE_BIN); without
// it the test is skipped with that reason.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, makeUser, screenshot } from './helpers.mjs';

const BIN = process.env.EDUSPHERE_BIN || '';

/** freePort asks the system for a free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** startDebugServer runs `edusphere serve` with DEBUG on a fresh data directory. */
async function startDebugServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edusphere-graphiql-'));
  const child = spawn(BIN, ['serve'], {
    cwd: dir, // no stray ./.env
    env: {
      PATH: process.env.PATH,
      EDUSPHERE_ADDR: `127.0.0.1:${port}`,
      EDUSPHERE_DATA_DIR: join(dir, 'data'),
      SECRET_KEY: 'graphiql-e2e-secret-0123456789abcdefghijklmnopqrstuv',
      DEBUG: 'true',
      REGISTER_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`debug server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return { base, child };
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`debug server not healthy at ${base} after 30s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * setQuery replaces the text of GraphiQL's operation editor and waits until
 * GraphiQL has parsed it: the active tab takes the operation's name. Until
 * then the run button would still send the previous operation's name.
 */
async function setQuery(page, text, operationName) {
  await page.evaluate((t) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(t);
  }, text);
  await page.locator('.graphiql-tab-active', { hasText: operationName }).waitFor();
}

/** responseText is what GraphiQL's result pane shows. */
function responseText(page) {
  return page.evaluate(() => {
    const cm = document.querySelector('.graphiql-response .CodeMirror');
    return cm ? cm.CodeMirror.getValue() : '';
  });
}

/**
 * runAndRead runs the operation and waits for a response containing want;
 * on a timeout the error shows what the result pane held.
 */
async function runAndRead(page, want) {
  await page.locator('.graphiql-execute-button').click();
  try {
    const handle = await page.waitForFunction((w) => {
      const cm = document.querySelector('.graphiql-response .CodeMirror');
      const text = cm && cm.CodeMirror.getValue();
      return text && text.includes(w) ? text : null;
    }, want, { timeout: 60_000 });
    return handle.jsonValue();
  } catch (err) {
    throw new Error(`no response with ${want} within 60s; the result pane shows: ${await responseText(page)}`, { cause: err });
  }
}

describe('GraphiQL in debug mode', { skip: !BIN && 'EDUSPHERE_BIN is not set by the harness' }, () => {
  let server;
  let browser;
  let context;
  const problems = [];

  before(async () => {
    server = await startDebugServer();
    browser = await launchBrowser();
    context = await browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(60_000); // loading 1.6 MB of scripts on a loaded machine
    const host = new URL(server.base).host;
    context.on('request', (req) => {
      const u = new URL(req.url());
      if (!['data:', 'blob:'].includes(u.protocol) && u.host !== host) problems.push(`external request: ${req.url()}`);
    });
    context.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    context.on('page', (page) => {
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
      });
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    if (server) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });

  it('loads the schema, runs a query and a mutation', async () => {
    const page = await context.newPage();
    const schemaLoaded = page.waitForResponse(
      (res) => res.url().endsWith('/graphql/') && res.request().method() === 'POST'
        && (res.request().postData() || '').includes('__schema'),
    );
    const res = await page.goto('/graphql/');
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /text\/html/);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    const schema = await schemaLoaded;
    assert.equal(schema.status(), 200, 'introspection through the fetcher');

    // A query.
    await setQuery(page, 'query Topics {\n  topics {\n    name\n  }\n}\n', 'Topics');
    const queryOut = JSON.parse(await runAndRead(page, '"topics"'));
    assert.deepEqual(queryOut, { data: { topics: [] } });

    // A mutation: an unsafe request, refused without the CSRF header.
    const user = makeUser('giql');
    await setQuery(page, `mutation RegisterUser {
  registerUser(email: "${user.email}", username: "${user.username}", name: "${user.name}",
    password1: "${user.password}", password2: "${user.password}") {
    success
    user { username }
  }
}
`, 'RegisterUser');
    const mutationOut = JSON.parse(await runAndRead(page, '"registerUser"'));
    assert.deepEqual(mutationOut, { data: { registerUser: { success: true, user: { username: user.username } } } });

    // The docs explorer knows the schema.
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();

    await screenshot(page, 'graphiql');
    assert.deepEqual(problems, []);
  });
});
