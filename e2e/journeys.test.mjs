// The main user journeys, in two browser contexts (two people): register,
// create and join a room, chat live both ways, edit and delete, survive a
// dropped connection, upload an avatar, sign out.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerUI, loginUI, waitReady, screenshot, makePNG, messageRow, problemsOf, unique,
} from './helpers.mjs';

describe('journeys', () => {
  let browser;
  let ctxA;
  let ctxB;
  let a; // page of the host
  let b; // page of the guest
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const roomName = `Calculus Study ${unique('r').slice(-5)}`;
  let roomURL = '';

  before(async () => {
    browser = await launchBrowser();
    ctxA = await newContext(browser);
    ctxB = await newContext(browser, { colorScheme: 'dark' });
    a = await ctxA.newPage();
    b = await ctxB.newPage();
  });

  after(async () => {
    await browser?.close();
  });

  it('shows server field errors next to the fields when registering', async () => {
    await a.goto('/register');
    await waitReady(a);
    await a.getByLabel('Username').fill(alice.username);
    await a.getByLabel('Name', { exact: true }).fill(alice.name);
    await a.getByLabel('Email').fill(alice.email);
    await a.getByLabel('Password', { exact: true }).fill('12345');
    await a.getByLabel('Confirm password').fill('12345');
    await a.getByRole('button', { name: 'Create account' }).click();
    const err = a.locator('.field[data-field="password1"] .field-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.innerText(), /too short/);
    assert.equal(await a.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
    await screenshot(a, 'register-errors');
  });

  it('registers two people in two contexts', async () => {
    await registerUI(a, alice);
    await registerUI(b, bob);
    assert.equal((await a.locator('.me-link .me-name').innerText()).trim(), alice.name);
    assert.equal((await b.locator('.me-link .me-name').innerText()).trim(), bob.name);
  });

  it('creates a room with a topic', async () => {
    await a.getByRole('link', { name: 'New room' }).click();
    await a.getByLabel('Room name').waitFor();
    await a.getByLabel('Room name').fill(roomName);
    await a.getByLabel('Topic', { exact: true }).fill('Mathematics');
    await a.getByLabel('Description').fill('Limits, derivatives and integrals. Bring your questions.');
    await screenshot(a, 'create-room');
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.waitForURL(/\/u\/[^/]+\/[^/]+$/);
    roomURL = new URL(a.url()).pathname;
    assert.equal(roomURL, `/u/${alice.username}/${roomName.toLowerCase().replace(/ /g, '-')}`);
    await a.locator('.layout-room[data-live="open"]').waitFor();
    assert.equal(await a.locator('h1.room-name').innerText(), roomName);
  });

  it('lets the second person join and open the live chat', async () => {
    await b.goto(roomURL);
    await waitReady(b);
    await b.getByRole('button', { name: 'Join room' }).click();
    await b.locator('.layout-room[data-live="open"]').waitFor();
    await b.locator('.participants').getByText(bob.name).waitFor();
  });

  it('exchanges messages live both ways', async () => {
    await a.getByLabel('Message', { exact: true }).fill('Hello from Alice');
    await a.keyboard.press('Enter');
    await messageRow(b, 'Hello from Alice').waitFor();
    await b.getByLabel('Message', { exact: true }).fill('Hi Alice, Bob here');
    await b.getByRole('button', { name: 'Send message' }).click();
    await messageRow(a, 'Hi Alice, Bob here').waitFor();
    await a.getByLabel('Message', { exact: true }).fill('Shall we start with limits?');
    await a.keyboard.press('Enter');
    await messageRow(b, 'Shall we start with limits?').waitFor();
    // Bob appears in Alice's participant list once he has spoken.
    await a.locator('.participants').getByText(bob.username).or(a.locator('.participants').getByText(bob.name)).first().waitFor();
  });

  it('edits and deletes with the change visible to the other person', async () => {
    const row = messageRow(a, 'Hello from Alice');
    await row.hover();
    await row.getByRole('button', { name: 'Edit message' }).click();
    const box = a.getByRole('textbox', { name: 'Edit message' });
    await box.fill('Hello from Alice, welcome!');
    await box.press('Enter');
    const edited = messageRow(b, 'Hello from Alice, welcome!');
    await edited.waitFor();
    await edited.getByText('(edited)').waitFor();

    const doomed = messageRow(a, 'Shall we start with limits?');
    await doomed.hover();
    await doomed.getByRole('button', { name: 'Delete message' }).click();
    await a.getByRole('button', { name: 'Delete message' }).last().click();
    await messageRow(b, 'Shall we start with limits?').waitFor({ state: 'detached' });
    await messageRow(a, 'Shall we start with limits?').waitFor({ state: 'detached' });
    await screenshot(a, 'room');
    await screenshot(b, 'room-dark');
  });

  it('recovers from a dropped socket without losing or duplicating messages', async () => {
    const cdp = await ctxB.newCDPSession(b);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    // Drop the open socket abnormally, as a network cut would.
    await b.evaluate(() => { for (const s of window.__sockets) if (s.readyState === 1) s.close(4000, 'network cut'); });
    await b.locator('.conn-status', { hasText: 'Reconnecting' }).waitFor();

    // While Bob is away: Alice sends two messages and edits an old one.
    await a.getByLabel('Message', { exact: true }).fill('Missed one');
    await a.keyboard.press('Enter');
    await a.getByLabel('Message', { exact: true }).fill('Missed two');
    await a.keyboard.press('Enter');
    await messageRow(a, 'Missed two').waitFor();
    const old = messageRow(a, 'Hello from Alice, welcome!');
    await old.hover();
    await old.getByRole('button', { name: 'Edit message' }).click();
    await a.getByRole('textbox', { name: 'Edit message' }).fill('Welcome, everyone');
    await a.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await messageRow(a, 'Welcome, everyone').waitFor();

    // Bob types while offline: kept as "not sent" with a retry.
    await b.getByLabel('Message', { exact: true }).fill('Typed while offline');
    await b.keyboard.press('Enter');
    const unsent = b.locator('.msg.msg-failed').filter({ hasText: 'Typed while offline' });
    await unsent.getByRole('button', { name: 'Retry' }).waitFor();
    await screenshot(b, 'room-offline');

    // Still cut off: what Bob missed can only come from the refetch.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await b.locator('.layout-room').getAttribute('data-live'), 'reconnecting');
    assert.equal(await messageRow(b, 'Missed one').count(), 0);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await b.locator('.layout-room[data-live="open"]').waitFor({ timeout: 20_000 });
    await messageRow(b, 'Missed two').waitFor();
    await messageRow(b, 'Welcome, everyone').waitFor();
    for (const text of ['Missed one', 'Missed two', 'Welcome, everyone', 'Hi Alice, Bob here']) {
      assert.equal(await messageRow(b, text).count(), 1, `rows with "${text}"`);
    }
    assert.equal(await messageRow(b, 'Hello from Alice, welcome!').count(), 0);

    await unsent.getByRole('button', { name: 'Retry' }).click();
    await messageRow(a, 'Typed while offline').waitFor();
    await b.locator('.msg.msg-failed').waitFor({ state: 'detached' });
    assert.equal(await messageRow(b, 'Typed while offline').count(), 1);
    assert.equal(await messageRow(a, 'Typed while offline').count(), 1);

    // The two lists agree, in the same order.
    const texts = (p) => p.locator('.messages .msg .msg-text').allInnerTexts();
    assert.deepEqual(await texts(b), await texts(a));
    await cdp.detach();
  });

  it('keeps the room on reload (deep link)', async () => {
    await b.reload();
    await waitReady(b);
    await b.locator('.layout-room[data-live="open"]').waitFor();
    assert.equal(await messageRow(b, 'Missed one').count(), 1);
  });

  it('uploads an avatar with a preview and shows it on the profile', async () => {
    await a.goto('/settings');
    await waitReady(a);
    await a.getByLabel('Avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: makePNG(96, 96) });
    const preview = a.locator('.avatar-edit img');
    assert.match(await preview.getAttribute('src'), /^blob:/);
    await a.getByLabel('Bio').fill('Maths tutor. I like limits.');
    await screenshot(a, 'edit-profile');
    await a.getByRole('button', { name: 'Save profile' }).click();
    await a.waitForURL((u) => u.pathname === `/u/${alice.username}`);
    const img = a.locator('.profile-card img.avatar');
    await img.waitFor();
    const src = await img.getAttribute('src');
    assert.match(src, /^\/media\/avatars\//);
    const res = await a.request.get(src);
    assert.equal(res.status(), 200);
    assert.equal(await img.evaluate((el) => el.complete && el.naturalWidth), 96);
    await a.getByText('Maths tutor. I like limits.').waitFor();
    // The header shows the new avatar too.
    assert.equal(await a.locator('.me-link img').getAttribute('src'), src);
    await a.getByRole('tab', { name: 'Hosted rooms' }).click();
    await a.locator('.tab-panel').getByText(roomName).waitFor();
    await a.getByRole('tab', { name: 'Recent messages' }).click();
    await a.locator('.tab-panel').getByText('Missed two').waitFor();
    await screenshot(a, 'profile');
  });

  it('filters rooms by search and topic on the home page', async () => {
    await a.goto('/');
    await waitReady(a);
    const topic = a.locator('.topic-list .topic-btn', { hasText: 'Mathematics' });
    await topic.waitFor();
    assert.ok(Number(await topic.locator('.count').innerText()) >= 1);
    await a.getByRole('searchbox', { name: 'Search rooms' }).fill(roomName);
    await a.getByRole('searchbox', { name: 'Search rooms' }).press('Enter');
    await a.locator('#rooms-heading', { hasText: '1 room found' }).waitFor();
    await topic.click();
    assert.equal(await topic.getAttribute('aria-pressed'), 'true');
    await a.locator('.room-list .room-card', { hasText: roomName }).waitFor();
    assert.match(a.url(), /topic=Mathematics/);
    await a.getByRole('button', { name: 'Clear all' }).click();
    await a.locator('.activity').getByText(roomName).waitFor();
    await screenshot(a, 'home');
    await b.goto('/');
    await waitReady(b);
    await b.locator('.activity').getByText(roomName).waitFor();
    await screenshot(b, 'home-dark');
  });

  it('switches theme with the toggle and remembers it', async () => {
    await a.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await a.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await a.reload();
    await waitReady(a);
    assert.equal(await a.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await a.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('refreshes the session token and keeps working with the rotated CSRF cookie', async () => {
    const read = () => a.evaluate(() => ({
      exp: JSON.parse(localStorage.getItem('edusphere.auth')).exp,
      csrf: document.cookie.split('; ').find((c) => c.startsWith('csrftoken='))?.slice(10),
    }));
    const before = await read();
    await new Promise((r) => setTimeout(r, 1100)); // a new exp second
    // The page's own module instance, through the import map.
    assert.equal(await a.evaluate(async () => (await import('/assets/js/auth.js')).refresh()), true);
    const after = await read();
    assert.ok(after.exp > before.exp, `exp ${after.exp} after ${before.exp}`);
    assert.notEqual(after.csrf, before.csrf);
  });

  it('lets the host edit the room', async () => {
    await a.goto(roomURL);
    await waitReady(a);
    await a.getByRole('link', { name: 'Edit room' }).click();
    await a.getByLabel('Description').fill('Limits first, then derivatives.');
    await a.getByRole('button', { name: 'Save changes' }).click();
    await a.waitForURL((u) => u.pathname === roomURL);
    await a.locator('.room-description', { hasText: 'Limits first, then derivatives.' }).waitFor();
  });

  it('shows a mobile layout', async () => {
    const m = await ctxB.newPage();
    await m.setViewportSize({ width: 390, height: 780 });
    await m.goto(roomURL);
    await waitReady(m);
    await m.locator('.layout-room[data-live="open"]').waitFor();
    const overflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
    await screenshot(m, 'room-mobile');
    await m.close();
  });

  it('signs out', async () => {
    await b.goto('/');
    await waitReady(b);
    await b.getByRole('button', { name: 'Sign out' }).click();
    await b.getByRole('link', { name: 'Sign in' }).waitFor();
    await b.reload();
    await waitReady(b);
    await b.getByRole('link', { name: 'Sign in' }).waitFor();
    await b.goto('/create-room');
    await b.waitForURL(/\/login\?redirect=/);
    await screenshot(b, 'signin-dark');
    await b.goto(roomURL);
    await waitReady(b);
    await b.getByText('Sign in to read the conversation').waitFor();
  });

  it('signs in again after a wrong password', async () => {
    await b.goto('/login');
    await waitReady(b);
    await b.getByLabel('Email').fill(bob.email);
    await b.getByLabel('Password').fill('not-the-password');
    await b.getByRole('button', { name: 'Sign in' }).click();
    await b.getByRole('alert').filter({ hasText: 'Please enter valid credentials' }).waitFor();
    await loginUI(b, bob);
    assert.equal(new URL(b.url()).pathname, '/');
  });

  it('made no external requests and raised no page errors', () => {
    assert.deepEqual(problemsOf(ctxA, ctxB), []);
  });
});
