// Private rooms and membership, in two browser contexts: the host creates a
// private room, which a stranger cannot find or open; the host invites the
// stranger, who sees the invitation on the home page and accepts it; then
// the host removes the guest, whose open chat ends at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, waitReady, screenshot, messageRow, unique,
} from './helpers.mjs';

describe('private rooms and membership', () => {
  let browser;
  let ctxA;
  let ctxB;
  let a; // the host
  let b; // the guest
  const ann = makeUser('ann');
  const ben = makeUser('ben');
  const roomName = `Secret Study ${unique('r').slice(-5)}`;
  let roomURL = '';

  before(async () => {
    browser = await launchBrowser();
    ctxA = await newContext(browser);
    ctxB = await newContext(browser);
    a = await ctxA.newPage();
    b = await ctxB.newPage();
    await registerAPI(ctxA.request, ann);
    await registerAPI(ctxB.request, ben);
    await loginAPI(a, ann);
    await loginAPI(b, ben);
  });

  after(async () => {
    await browser?.close();
  });

  it('creates a private room with the privacy toggle', async () => {
    await a.goto('/create-room');
    await waitReady(a);
    await a.getByLabel('Room name').fill(roomName);
    await a.getByLabel('Topic', { exact: true }).fill('Secrets');
    await a.getByLabel(/Private room/).check();
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.waitForURL(/\/u\/[^/]+\/[^/]+$/);
    roomURL = new URL(a.url()).pathname;
    await a.locator('.layout-room[data-live="open"]').waitFor();
    await a.locator('h1.room-name .badge-private').waitFor();
    await screenshot(a, 'room-private');
  });

  it('hides the room from someone not taking part', async () => {
    await b.goto('/');
    await waitReady(b);
    await b.locator('.room-list[aria-busy="false"], .room-list:not([aria-busy])').first().waitFor();
    assert.equal(await b.getByText(roomName).count(), 0);
    await b.goto(roomURL);
    await waitReady(b);
    await b.getByRole('heading', { name: 'Room not found' }).waitFor();
  });

  it('invites through the dialog; the guest accepts from the home page', async () => {
    await a.getByRole('button', { name: 'Invite' }).click();
    const dialog = a.getByRole('dialog', { name: `Invite to ${roomName}` });
    await dialog.getByLabel('Username').fill(ben.username);
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.waitFor({ state: 'detached' });

    await b.goto('/');
    await waitReady(b);
    const panel = b.getByRole('region', { name: 'Invitations' });
    await panel.getByText(roomName).waitFor();
    await screenshot(b, 'invitations');
    await panel.getByRole('button', { name: 'Accept' }).click();
    await b.waitForURL((u) => u.pathname === roomURL);
    await b.locator('.layout-room[data-live="open"]').waitFor();
    await b.getByLabel('Message', { exact: true }).fill('Thanks for the invitation');
    await b.keyboard.press('Enter');
    await messageRow(a, 'Thanks for the invitation').waitFor();
  });

  it('removes the guest, whose chat ends at once', async () => {
    await a.reload();
    await waitReady(a);
    await a.locator('.layout-room[data-live="open"]').waitFor();
    await a.getByRole('button', { name: `Remove @${ben.username}` }).click();
    await a.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await b.getByText('You are no longer a participant of this room.').waitFor();
    assert.equal(await b.getByLabel('Message', { exact: true }).count(), 0);
    await a.locator('.participants').getByText(ben.name).waitFor({ state: 'detached' });
    await b.reload();
    await waitReady(b);
    await b.getByRole('heading', { name: 'Room not found' }).waitFor();
  });
});
