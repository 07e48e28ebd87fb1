// Presence and typing in the room page (docs/presence.md), with two people
// in two browser contexts: the online dots and "n online" follow who has
// the room open, and one person's typing shows to the other.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, createRoomAPI, gqlAPI, waitReady, problemsOf, unique, screenshot,
} from './helpers.mjs';

describe('presence', () => {
  let browser;
  let ctxA;
  let ctxB;
  let a; // the host's page
  let b; // the guest's page
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  let bobUser;
  let roomURL = '';

  before(async () => {
    browser = await launchBrowser();
    ctxA = await newContext(browser);
    ctxB = await newContext(browser);
    a = await ctxA.newPage();
    b = await ctxB.newPage();
    await registerAPI(a.request, alice);
    bobUser = await registerAPI(b.request, bob);
    await loginAPI(a, alice);
    await loginAPI(b, bob);
    const room = await createRoomAPI(a.request, { name: `Presence ${unique('r').slice(-5)}`, topicName: 'Physics' });
    const joined = await gqlAPI(b.request, 'JoinRoom',
      'mutation JoinRoom($h: String!, $r: String!) { joinRoom(hostSlug: $h, roomSlug: $r) { room { id } } }',
      { h: room.host.username, r: room.slug });
    assert.equal(joined.errors, undefined);
    roomURL = `/u/${room.host.username}/${room.slug}`;
  });

  after(async () => {
    await browser?.close();
  });

  const bobDot = (page) => page.locator(`.participants li[data-user="${bobUser.id}"] .presence-dot`);

  it('shows who has the room open', async () => {
    await a.goto(roomURL);
    await waitReady(a);
    await a.locator('.layout-room[data-live="open"]').waitFor();
    await a.locator('.online-count', { hasText: '1 online' }).waitFor();
    assert.equal(await bobDot(a).getAttribute('aria-label'), 'offline');

    await b.goto(roomURL);
    await waitReady(b);
    await b.locator('.layout-room[data-live="open"]').waitFor();
    await a.locator(`.participants li[data-user="${bobUser.id}"] .presence-dot.online`).waitFor({ timeout: 10_000 });
    await a.locator('.online-count', { hasText: '2 online' }).waitFor();
    await b.locator('.online-count', { hasText: '2 online' }).waitFor();
    assert.equal(await bobDot(a).getAttribute('aria-label'), 'online');
  });

  it('shows the other person typing, until their message arrives', async () => {
    const line = a.locator('.typing-line');
    assert.equal((await line.innerText()).trim(), '');
    await b.getByLabel('Message', { exact: true }).pressSequentially('Is the exam', { delay: 20 });
    await a.locator('.typing-line', { hasText: `${bob.name} is typing…` }).waitFor({ timeout: 10_000 });
    // Nobody sees their own typing.
    assert.equal((await b.locator('.typing-line').innerText()).trim(), '');
    await screenshot(a, 'presence-typing');
    await b.getByLabel('Message', { exact: true }).press('Enter');
    await a.locator('.msg-text', { hasText: 'Is the exam' }).waitFor();
    await a.locator('.typing-line:empty').waitFor({ timeout: 10_000 });
  });

  it('shows the other person offline after they leave', async () => {
    await b.goto('/');
    await waitReady(b);
    // Offline after the grace time (PRESENCE_GRACE, 5 s).
    await a.locator(`.participants li[data-user="${bobUser.id}"] .presence-dot:not(.online)`).waitFor({ timeout: 20_000 });
    await a.locator('.online-count', { hasText: '1 online' }).waitFor();
    assert.deepEqual(problemsOf(ctxA, ctxB), []);
  });
});
