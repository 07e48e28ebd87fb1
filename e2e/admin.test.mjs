// The admin in a real browser: a superuser signs in at /admin/, finds a
// user by search, deactivates them from the list, and the user's API
// session stops working at once.
//
// The superuser is created with the server binary's
// `createsuperuser --noinput` against the server's data directory. The Go
// harness passes both as E2E_BIN and E2E_DATA_DIR; without them the test
// is skipped with that reason.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, gqlAPI, screenshot, problemsOf,
} from './helpers.mjs';

const BIN = process.env.E2E_BIN || '';
const DATA_DIR = process.env.E2E_DATA_DIR || '';
const missing = !BIN || !DATA_DIR;

/** createSuperuser runs the binary's non-interactive createsuperuser. */
function createSuperuser(user) {
  execFileSync(BIN, ['createsuperuser', '--noinput'], {
    cwd: mkdtempSync(join(tmpdir(), 'edusphere-su-')), // no stray ./.env
    env: {
      PATH: process.env.PATH,
      EDUSPHERE_DATA_DIR: DATA_DIR,
      EDUSPHERE_ENV: 'development',
      SECRET_KEY: 'e2e-secret-key-0123456789abcdefghijklmnopqrstuvwxyz',
      LOG_LEVEL: 'warn',
      DJANGO_SUPERUSER_EMAIL: user.email,
      DJANGO_SUPERUSER_USERNAME: user.username,
      DJANGO_SUPERUSER_NAME: user.name,
      DJANGO_SUPERUSER_PASSWORD: user.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}

async function me(request) {
  return gqlAPI(request, 'Me', 'query Me { me { id username } }');
}

describe('admin', { skip: missing && 'E2E_BIN and E2E_DATA_DIR are not set by the harness' }, () => {
  let browser;
  let staffCtx;
  let userCtx;
  const boss = makeUser('boss');
  const victim = makeUser('victim');

  before(async () => {
    createSuperuser(boss);
    browser = await launchBrowser();
    staffCtx = await newContext(browser, { contextOptions: { viewport: { width: 390, height: 844 } } });
    userCtx = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in at /admin/ with email and password', async () => {
    const page = await staffCtx.newPage();
    await page.goto('/admin/');
    assert.equal(new URL(page.url()).pathname, '/admin/login/');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/');
    await page.getByLabel('Email').fill(boss.email);
    await page.getByLabel('Password').fill(boss.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Site administration' }).waitFor();
    const cookies = await staffCtx.cookies();
    const session = cookies.find((c) => c.name === 'edusphere_admin');
    assert.ok(session, 'edusphere_admin cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/admin/');
    await screenshot(page, 'admin-dashboard-phone');
  });

  it('finds a user by search and deactivates them, ending their API session', async () => {
    const userPage = await userCtx.newPage();
    await registerAPI(userCtx.request, victim);
    await loginAPI(userPage, victim);
    const before = await me(userCtx.request);
    assert.equal(before.data?.me?.username, victim.username, `me before: ${JSON.stringify(before)}`);

    const page = staffCtx.pages()[0];
    await page.goto('/admin/core/user/');
    await page.getByRole('searchbox').fill(victim.username);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 total').waitFor();
    const active = page.getByRole('checkbox', { name: `Is active: ${victim.email}` });
    assert.equal(await active.isChecked(), true);
    await active.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('1 user was changed successfully.').waitFor();
    assert.equal(await page.getByRole('checkbox', { name: `Is active: ${victim.email}` }).isChecked(), false);
    await screenshot(page, 'admin-user-deactivated-phone', { fullPage: true });

    const after = await me(userCtx.request);
    assert.notEqual(after.data?.me?.username, victim.username, `me after: ${JSON.stringify(after)}`);

    await page.goto('/admin/log/');
    await page.getByText(victim.email).first().waitFor();
    assert.deepEqual(problemsOf(staffCtx, userCtx), []);
  });
});
