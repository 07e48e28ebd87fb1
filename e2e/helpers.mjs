// Shared helpers for the browser tests: launching Chromium, contexts,
// accounts through the UI or the API, GraphQL calls, screenshots and test
// images. Every test file (journeys, perf, admin) builds on these.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));

/** BASE_URL is the server under test (set by e2e_test.go). */
export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');

/** SCREENSHOT_DIR receives page screenshots (git-ignored). */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || join(here, 'screenshots');

/** LAUNCH_ARGS keep Chromium quiet and offline apart from the server under test. */
export const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * runServerCommand runs another command of the server binary under test
 * (for example ['createsuperuser', ...flags]) with the server's settings and
 * data directory, plus the variables in env. Resolves {stdout, stderr};
 * rejects on a non-zero exit.
 */
export function runServerCommand(args, { input, env: extra = {} } = {}) {
  const bin = process.env.EDUSPHERE_BIN;
  if (!bin) return Promise.reject(new Error('EDUSPHERE_BIN is not set (run through go test ./e2e/)'));
  const env = { ...process.env, ...JSON.parse(process.env.EDUSPHERE_ENV_JSON || '{}'), ...extra };
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { env, cwd: env.EDUSPHERE_DATA_DIR, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    if (input != null) child.stdin.end(input);
  });
}

/** launchBrowser starts headless Chromium. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: LAUNCH_ARGS,
  });
}

/**
 * newContext opens an isolated browser profile (own cookies and storage)
 * on BASE_URL. It records every WebSocket the page opens in
 * window.__sockets, so a test can drop one, and collects page errors and
 * requests to other hosts in ctx.problems.
 */
export async function newContext(browser, opts = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: { width: 1280, height: 860 },
    colorScheme: opts.colorScheme || 'light',
    ...opts.contextOptions,
  });
  context.setDefaultTimeout(opts.timeout ?? 10_000);
  context.problems = [];
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
  const base = new URL(BASE_URL);
  context.on('page', (page) => watchPage(context, page));
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.host !== base.host) context.problems.push(`external request: ${req.url()}`);
  });
  return context;
}

function watchPage(context, page) {
  page.on('pageerror', (err) => context.problems.push(`page error: ${err.message}`));
}

/** newPage opens a page in context with error tracking. */
export async function newPage(context) {
  const page = await context.newPage();
  return page;
}

/** unique returns a short unique suffix for names (letters and digits). */
export function unique(prefix = 'u') {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** makeUser returns registration data for a fresh account. */
export function makeUser(prefix = 'user') {
  const username = unique(prefix).toLowerCase();
  return {
    username,
    name: `${prefix[0].toUpperCase()}${prefix.slice(1)} ${username.slice(-4)}`,
    email: `${username}@example.test`,
    password: `Correct-Horse-${randomBytes(4).toString('hex')}`,
  };
}

/** waitReady waits for the client to finish booting on the current page. */
export async function waitReady(page) {
  await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
}

/** registerUI creates an account through the register form; ends signed in on home. */
export async function registerUI(page, user) {
  await page.goto('/register');
  await waitReady(page);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Name', { exact: true }).fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Confirm password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => u.pathname === '/', { timeout: 15_000 });
  await page.getByRole('link', { name: 'Your profile' }).waitFor();
}

/** loginUI signs in through the sign-in form. */
export async function loginUI(page, user) {
  await page.goto('/login');
  await waitReady(page);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Your profile' }).waitFor();
}

/**
 * gqlAPI runs a GraphQL operation with the cookie jar of `request` (a
 * page.request or context.request), fetching the CSRF cookie first when
 * needed. Throws on transport errors; returns {data, errors}.
 */
export async function gqlAPI(request, operationName, query, variables = {}) {
  let token = await csrfToken(request);
  if (!token) {
    await request.get('/api/csrf/');
    token = await csrfToken(request);
  }
  const res = await request.post('/graphql/', {
    headers: { 'content-type': 'application/json', 'x-csrftoken': token, origin: BASE_URL },
    data: { operationName, variables, query },
  });
  if (!res.ok()) throw new Error(`${operationName}: HTTP ${res.status()} ${await res.text()}`);
  return res.json();
}

async function csrfToken(request) {
  const state = await request.storageState();
  return state.cookies.find((c) => c.name === 'csrftoken')?.value || '';
}

/** registerAPI creates an account with registerUser (no sign-in). */
export async function registerAPI(request, user) {
  const r = await gqlAPI(request, 'RegisterUser',
    `mutation RegisterUser($username: String!, $name: String!, $email: String!, $password1: String!, $password2: String!) {
      registerUser(username: $username, name: $name, email: $email, password1: $password1, password2: $password2) { success user { id username } }
    }`,
    { username: user.username, name: user.name, email: user.email, password1: user.password, password2: user.password });
  if (r.errors) throw new Error(`registerUser: ${JSON.stringify(r.errors)}`);
  return r.data.registerUser.user;
}

/**
 * loginAPI signs the page's context in with tokenAuth and tells the client
 * (its localStorage session record), then reloads so the app picks it up.
 */
export async function loginAPI(page, user) {
  const r = await gqlAPI(page.request, 'TokenAuth',
    `mutation TokenAuth($email: String!, $password: String!) {
      tokenAuth(email: $email, password: $password) { success payload refreshExpiresIn user { id username name avatar } }
    }`, { email: user.email, password: user.password });
  if (r.errors) throw new Error(`tokenAuth: ${JSON.stringify(r.errors)}`);
  const t = r.data.tokenAuth;
  if (page.url() === 'about:blank') await page.goto('/');
  await page.evaluate((s) => localStorage.setItem('edusphere.auth', JSON.stringify(s)), {
    user: t.user, exp: t.payload.exp, issued: Date.now() / 1000, refreshExpiresIn: t.refreshExpiresIn,
  });
  await page.reload();
  await waitReady(page);
  return t.user;
}

/** createRoomAPI creates a room for the signed-in context. */
export async function createRoomAPI(request, { name, topicName, description }) {
  const r = await gqlAPI(request, 'CreateRoom',
    `mutation CreateRoom($name: String!, $topicName: String!, $description: String) {
      createRoom(name: $name, topicName: $topicName, description: $description) { room { id name slug host { username } } }
    }`, { name, topicName, description });
  if (r.errors) throw new Error(`createRoom: ${JSON.stringify(r.errors)}`);
  return r.data.createRoom.room;
}

/** screenshot saves a full-page PNG under SCREENSHOT_DIR/<name>.png. */
export async function screenshot(page, name, opts = {}) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? false, animations: 'disabled' });
  return path;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** makePNG draws a small RGB PNG: a diagonal two-colour split, so it is visibly not blank. */
export function makePNG(width = 64, height = 64, a = [79, 70, 229], b = [250, 204, 21]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const c = x + y < width ? a : b;
      raw.set(c, row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** messageRow finds a chat message row by its text. */
export function messageRow(page, text) {
  return page.locator('.messages .msg').filter({ has: page.locator('.msg-text', { hasText: text }) });
}

/** assertNoProblems fails when a context saw page errors or external requests. */
export function problemsOf(...contexts) {
  return contexts.flatMap((c) => c.problems || []);
}
