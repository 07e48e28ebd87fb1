// Accessibility of every page state: axe-core with the WCAG 2.1 A and AA
// rules, plus the contrast of each keyboard focus indicator (a11y.mjs),
// over the client's pages as a visitor, a host, a participant and a
// newcomer see them, the admin's pages, and dark and phone variants. Any
// serious or critical finding fails its state, printed rule by rule.
//
// Two behaviours a screen reader user depends on are checked as well: the
// skip link moves the focus without loading the page again, and a message
// you send enters the live log once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, createRoomAPI, gqlAPI, waitReady, messageRow, problemsOf, unique,
  runServerCommand,
} from './helpers.mjs';
import { audit, axeFindings, formatFindings, focusDocumentStart } from './a11y.mjs';

const PHONE = { viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true };

/** expectClean audits the page and fails with every serious or critical finding. */
async function expectClean(page, state) {
  const found = await audit(page);
  if (found.length) assert.fail(`${found.length} serious or critical accessibility finding(s) on "${state}":\n${formatFindings(state, found)}`);
}

/**
 * chat sends chat frames over a socket of its own from the page (signed in
 * as a participant) and waits for each one's broadcast. Returns the "new"
 * frames' ids in order.
 */
function chat(page, room, frames) {
  return page.evaluate(async ({ host, slug, frames }) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat/${host}/${slug}`);
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('socket failed')); });
    const ids = [];
    for (const f of frames) {
      const msg = f.ref != null ? { ...f, messageId: ids[f.ref] } : f;
      delete msg.ref;
      const answer = new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no answer to ${JSON.stringify(msg)}`)), 20_000);
        ws.onmessage = (ev) => {
          const m = JSON.parse(ev.data);
          clearTimeout(timer);
          if (m.error) fail(new Error(m.error));
          else ok(m);
        };
      });
      ws.send(JSON.stringify({ ...msg, timestamp: new Date().toISOString() }));
      const m = await answer;
      if (m.action === 'new') ids.push(m.id);
    }
    ws.close();
    return ids;
  }, { host: room.host.username, slug: room.slug, frames });
}

async function open(page, path) {
  await page.goto(path);
  await waitReady(page);
}

async function openRoom(page, path) {
  await open(page, path);
  await page.locator('.layout-room[data-live="open"]').waitFor();
}

async function setTheme(page, theme) {
  await page.evaluate((t) => localStorage.setItem('edusphere.theme', t), theme);
}

describe('accessibility of every page state (axe-core, WCAG 2.1 A/AA, focus indicators)', () => {
  let browser;
  const contexts = [];
  let anon; // signed-out page, light
  let anonDark; // signed-out page, dark (prefers-color-scheme)
  let host; // host of the room
  let guest; // participant
  let visitor; // signed in, not a participant
  let phone; // the host on a phone
  let admin; // admin, light
  let adminDark; // admin, dark
  const hostUser = makeUser('host');
  const guestUser = makeUser('guest');
  const visitorUser = makeUser('visitor');
  const boss = makeUser('boss');
  let room;
  let roomPath = '';

  async function page(opts = {}) {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    return ctx.newPage();
  }

  before(async () => {
    browser = await launchBrowser();
    anon = await page();
    anonDark = await page({ colorScheme: 'dark' });
    host = await page();
    guest = await page();
    visitor = await page();
    phone = await page({ contextOptions: PHONE });
    admin = await page();
    adminDark = await page({ colorScheme: 'dark' });

    for (const [p, u] of [[host, hostUser], [guest, guestUser], [visitor, visitorUser]]) {
      await p.goto('/');
      await registerAPI(p.request, u);
      await loginAPI(p, u);
    }
    await phone.goto('/');
    await loginAPI(phone, hostUser);
    room = await createRoomAPI(host.request, {
      name: `Access ${unique('r').slice(-5)}`,
      topicName: 'Linguistics',
      description: 'Phonology and syntax, one question at a time.',
    });
    roomPath = `/u/${room.host.username}/${room.slug}`;
    const joined = await gqlAPI(guest.request, 'JoinRoom',
      'mutation JoinRoom($hostSlug: String!, $roomSlug: String!) { joinRoom(hostSlug: $hostSlug, roomSlug: $roomSlug) { room { id } } }',
      { hostSlug: room.host.username, roomSlug: room.slug });
    assert.equal(joined.errors, undefined, JSON.stringify(joined.errors));
    // A conversation with an edited and a deleted message.
    await chat(host, room, [
      { type: 'text', message: 'Welcome to the room.' },
      { type: 'text', message: 'Today: vowel harmony' },
      { type: 'text', message: 'This one will be deleted' },
      { type: 'update', ref: 1, message: 'Today: vowel harmony and stress' },
      { type: 'delete', ref: 2 },
    ]);
    await chat(guest, room, [{ type: 'text', message: 'Hello, glad to be here.' }]);

    await runServerCommand(['createsuperuser', '--noinput'], {
      env: {
        DJANGO_SUPERUSER_EMAIL: boss.email,
        DJANGO_SUPERUSER_USERNAME: boss.username,
        DJANGO_SUPERUSER_NAME: boss.name,
        DJANGO_SUPERUSER_PASSWORD: boss.password,
      },
    });
  });

  after(async () => {
    await browser?.close();
  });

  // Signed out ---------------------------------------------------------
  it('home, signed out', async () => {
    await open(anon, '/');
    await anon.locator('.room-list[aria-busy]').waitFor({ state: 'detached' });
    await expectClean(anon, 'home, signed out');
  });

  it('home, signed out, dark', async () => {
    await open(anonDark, '/');
    await anonDark.locator('.room-list[aria-busy]').waitFor({ state: 'detached' });
    await expectClean(anonDark, 'home, signed out, dark');
  });

  it('sign in', async () => {
    await open(anon, '/login');
    await expectClean(anon, 'sign in');
  });

  it('sign in with a wrong password', async () => {
    await open(anon, '/login');
    await anon.getByLabel('Email').fill(hostUser.email);
    await anon.getByLabel('Password').fill('not-the-password');
    await anon.getByRole('button', { name: 'Sign in' }).click();
    await anon.getByRole('alert').filter({ hasText: 'Please enter valid credentials' }).waitFor();
    await expectClean(anon, 'sign in with a wrong password');
  });

  for (const [label, p] of [['register with errors', () => anon], ['register with errors, dark', () => anonDark]]) {
    it(label, async () => {
      const pg = p();
      await open(pg, '/register');
      await pg.getByLabel('Username').fill(hostUser.username); // taken
      await pg.getByLabel('Name', { exact: true }).fill('Someone');
      await pg.getByLabel('Email').fill(`${unique('e')}@example.test`);
      await pg.getByLabel('Password', { exact: true }).fill('iloveyou');
      await pg.getByLabel('Confirm password').fill('iloveyou');
      await pg.getByRole('button', { name: 'Create account' }).click();
      await pg.locator('.field-error:not([hidden])').first().waitFor();
      await expectClean(pg, label);
    });
  }

  it('room, signed out', async () => {
    await open(anon, roomPath);
    await anon.getByText('Sign in to read the conversation').waitFor();
    await expectClean(anon, 'room, signed out');
  });

  it('page not found', async () => {
    await open(anon, '/no/such/page/here');
    await anon.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expectClean(anon, 'page not found');
  });

  it('room not found', async () => {
    await open(host, `/u/${hostUser.username}/no-such-room`);
    await host.getByRole('heading', { name: 'Room not found' }).waitFor();
    await expectClean(host, 'room not found');
  });

  // Signed in ----------------------------------------------------------
  it('home, signed in', async () => {
    await open(host, '/');
    await host.locator('.room-list[aria-busy]').waitFor({ state: 'detached' });
    await host.locator('.mini-list li').first().waitFor();
    await expectClean(host, 'home, signed in');
  });

  it('home, signed in, filtered by topic', async () => {
    await open(host, '/?topic=Linguistics&q=Access');
    await host.locator('.room-list .room-card').first().waitFor();
    await expectClean(host, 'home, signed in, filtered');
  });

  it('create room with errors', async () => {
    await open(host, '/create-room');
    await host.locator('.quick-topics .chip').first().waitFor();
    await host.getByLabel('Room name').fill('Bad name!');
    await host.getByRole('button', { name: 'Create room' }).click();
    await host.locator('.field-error:not([hidden])').first().waitFor();
    await expectClean(host, 'create room with errors');
  });

  it('room as host, with edited and deleted messages', async () => {
    await openRoom(host, roomPath);
    await messageRow(host, 'Hello, glad to be here.').waitFor();
    await messageRow(host, 'Today: vowel harmony and stress').getByText('(edited)').waitFor();
    assert.equal(await messageRow(host, 'This one will be deleted').count(), 0);
    await expectClean(host, 'room as host');
  });

  it('room, editing a message', async () => {
    await openRoom(host, roomPath);
    const row = messageRow(host, 'Welcome to the room.');
    await row.hover();
    await row.getByRole('button', { name: 'Edit message' }).click();
    await host.getByRole('textbox', { name: 'Edit message' }).waitFor();
    await expectClean(host, 'room, editing a message');
    await host.getByRole('button', { name: 'Cancel' }).click();
  });

  it('room, confirming a delete', async () => {
    await openRoom(host, roomPath);
    const row = messageRow(host, 'Welcome to the room.');
    await row.hover();
    await row.getByRole('button', { name: 'Delete message' }).click();
    await host.getByRole('dialog').waitFor();
    await expectClean(host, 'room, confirming a delete');
    await host.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('room, connection lost with an unsent message', async () => {
    await openRoom(host, roomPath);
    const cdp = await host.context().newCDPSession(host);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    try {
      await host.evaluate(() => { for (const s of window.__sockets) if (s.readyState === 1) s.close(4000, 'network cut'); });
      await host.locator('.conn-status', { hasText: 'Reconnecting' }).waitFor();
      await host.getByLabel('Message', { exact: true }).fill('Typed while offline');
      await host.keyboard.press('Enter');
      await host.locator('.msg.msg-failed').getByRole('button', { name: 'Retry' }).waitFor();
      await expectClean(host, 'room, connection lost');
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it('room as participant', async () => {
    await openRoom(guest, roomPath);
    await messageRow(guest, 'Welcome to the room.').waitFor();
    await expectClean(guest, 'room as participant');
  });

  it('room as visitor (signed in, not a participant)', async () => {
    await open(visitor, roomPath);
    await visitor.getByRole('button', { name: 'Join room' }).waitFor();
    await expectClean(visitor, 'room as visitor');
  });

  it('room, invite dialog with an error', async () => {
    await openRoom(host, roomPath);
    await host.getByRole('button', { name: 'Invite' }).click();
    const dialog = host.getByRole('dialog');
    await dialog.getByLabel('Username').fill('nobody-here');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await host.locator('#invite-error:not([hidden])').waitFor();
    await expectClean(host, 'room, invite dialog with an error');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('home with an invitation', async () => {
    const r = await gqlAPI(host.request, 'InviteToRoom',
      'mutation InviteToRoom($roomId: UUID!, $username: String!) { inviteToRoom(roomId: $roomId, username: $username) { invitation { id } } }',
      { roomId: room.id, username: visitorUser.username });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await open(visitor, '/');
    await visitor.getByRole('region', { name: 'Invitations' }).getByRole('button', { name: 'Accept' }).waitFor();
    await expectClean(visitor, 'home with an invitation');
  });

  it('edit room', async () => {
    await open(host, `${roomPath}/edit`);
    await host.getByLabel('Description').waitFor();
    await expectClean(host, 'edit room');
  });

  it('profile, own', async () => {
    await open(host, `/u/${hostUser.username}`);
    await host.locator('.tab-panel:not([aria-busy])').waitFor();
    await expectClean(host, 'profile, own');
  });

  it('profile, someone else’s, joined rooms tab', async () => {
    await open(host, `/u/${guestUser.username}?tab=joined`);
    await host.locator('.tab-panel:not([aria-busy])').waitFor();
    await expectClean(host, 'profile, other');
  });

  it('profile edit', async () => {
    await open(host, '/settings');
    await host.getByLabel('Bio').waitFor();
    await expectClean(host, 'profile edit');
  });

  // Dark theme, chosen with the toggle ----------------------------------
  it('dark theme: home, room, profile and profile edit', async () => {
    await setTheme(host, 'dark');
    try {
      await open(host, '/');
      await host.locator('.room-list[aria-busy]').waitFor({ state: 'detached' });
      await expectClean(host, 'home, signed in, dark');
      await openRoom(host, roomPath);
      await messageRow(host, 'Hello, glad to be here.').waitFor();
      await expectClean(host, 'room as host, dark');
      await open(host, `/u/${guestUser.username}`);
      await host.locator('.tab-panel:not([aria-busy])').waitFor();
      await expectClean(host, 'profile, dark');
      await open(host, '/settings');
      await host.getByLabel('Bio').waitFor();
      await expectClean(host, 'profile edit, dark');
    } finally {
      await setTheme(host, 'light');
    }
  });

  // Phone --------------------------------------------------------------
  it('phone: home and room as host', async () => {
    await open(phone, '/');
    await phone.locator('.room-list[aria-busy]').waitFor({ state: 'detached' });
    await expectClean(phone, 'home, phone');
    await openRoom(phone, roomPath);
    await messageRow(phone, 'Hello, glad to be here.').waitFor();
    await expectClean(phone, 'room as host, phone');
  });

  // Admin --------------------------------------------------------------
  it('admin sign-in page, light and dark', async () => {
    for (const [p, label] of [[admin, 'admin login'], [adminDark, 'admin login, dark']]) {
      await p.goto('/admin/login/');
      await expectClean(p, label);
    }
  });

  it('admin index, list, change form and delete confirmation, light and dark', async () => {
    for (const [p, theme] of [[admin, ''], [adminDark, ', dark']]) {
      await p.goto('/admin/login/');
      await p.getByLabel('Email').fill(boss.email);
      await p.getByLabel('Password').fill(boss.password);
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('heading', { name: 'Site administration' }).waitFor();
      await expectClean(p, `admin index${theme}`);

      await p.goto(`/admin/core/user/?q=${encodeURIComponent(guestUser.username)}`);
      await p.getByText('1 total').waitFor();
      await expectClean(p, `admin user list${theme}`);

      await p.locator('table.results a[href*="/change/"]').first().click();
      await p.waitForURL(/\/admin\/core\/user\/[^/]+\/change\/$/);
      await expectClean(p, `admin user change form${theme}`);

      await p.goto(`/admin/core/room/${room.id}/delete/`);
      await p.getByRole('button', { name: /Yes/ }).waitFor();
      await expectClean(p, `admin room delete confirmation${theme}`);
    }
  });

  it('made no external requests and raised no page errors', () => {
    assert.deepEqual(problemsOf(...contexts), []);
  });
});

describe('screen reader behaviour in a room', () => {
  let browser;
  let ctx;
  let page;
  let roomPath = '';

  before(async () => {
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    const u = makeUser('reader');
    await page.goto('/');
    await registerAPI(page.request, u);
    await loginAPI(page, u);
    const room = await createRoomAPI(page.request, { name: `Reader ${unique('r').slice(-5)}`, topicName: 'Accessibility' });
    roomPath = `/u/${room.host.username}/${room.slug}`;
  });

  after(async () => {
    await browser?.close();
  });

  it('the skip link moves the focus to the content without loading the page again', async () => {
    await openRoom(page, roomPath);
    const graphql = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/graphql/') graphql.push(r.postDataJSON()?.operationName); });
    const before = await page.evaluate(() => {
      document.querySelector('.layout-room').dataset.marker = 'before';
      return window.__sockets.length;
    });
    await focusDocumentStart(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    // Let any navigation the activation queued run its course.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const after = await page.evaluate(() => ({
      marker: document.querySelector('.layout-room')?.dataset.marker,
      sockets: window.__sockets.length,
      hash: location.hash,
      focused: document.activeElement?.id,
    }));
    assert.deepEqual(after, { marker: 'before', sockets: before, hash: '', focused: 'main' }, `GraphQL requests after the skip link: ${graphql.join(', ')}`);
    assert.deepEqual(graphql, []);
  });

  it('your own message enters the live log once', async () => {
    await openRoom(page, roomPath);
    const log = page.getByRole('log');
    await log.waitFor({ state: 'attached' });
    assert.equal(await log.getAttribute('aria-live'), 'polite');
    // Count what is added to the live region: each addition is announced.
    await page.evaluate(() => {
      window.__announced = [];
      const region = document.querySelector('[role="log"]');
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) window.__announced.push(n.textContent);
      }).observe(region, { childList: true, subtree: true, characterData: true });
    });
    await page.getByLabel('Message', { exact: true }).fill('Announce me once');
    await page.keyboard.press('Enter');
    await messageRow(page, 'Announce me once').locator('time').waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const announced = await page.evaluate(() => window.__announced.filter((t) => t.includes('Announce me once')));
    assert.equal(announced.length, 1, `announced ${announced.length} times: ${JSON.stringify(announced)}`);
    assert.equal(await messageRow(page, 'Announce me once').count(), 1);
  });

  it('keeps the live log, its list and its items valid', async () => {
    await openRoom(page, roomPath);
    await messageRow(page, 'Announce me once').waitFor();
    const found = (await axeFindings(page)).filter((f) => ['listitem', 'list', 'aria-required-children', 'aria-prohibited-attr'].includes(f.id));
    assert.deepEqual(found, [], formatFindings('room', found));
  });

  it('made no external requests and raised no page errors', () => {
    assert.deepEqual(problemsOf(ctx), []);
  });
});
