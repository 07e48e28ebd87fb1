// Replies, search and reports in a real browser: one participant asks, the
// other replies with the Reply button and both see the quoted parent
// (clicking it jumps to it); the asker finds the answer with the search
// page and lands on it in its room; the other reports a message, and a
// superuser deletes it from the admin's report page, which both people see
// at once (the reply then quotes a deleted message).
//
// The superuser is created with the server binary's `createsuperuser
// --noinput`; the Go harness passes E2E_BIN and E2E_DATA_DIR.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, gqlAPI, createRoomAPI, messageRow, screenshot, problemsOf, waitReady,
} from './helpers.mjs';

const BIN = process.env.E2E_BIN || '';
const DATA_DIR = process.env.E2E_DATA_DIR || '';

function createSuperuser(user) {
  execFileSync(BIN, ['createsuperuser', '--noinput'], {
    cwd: mkdtempSync(join(tmpdir(), 'edusphere-su-')),
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

describe('threads', { skip: (!BIN || !DATA_DIR) && 'E2E_BIN and E2E_DATA_DIR are not set by the harness' }, () => {
  let browser;
  let askCtx;
  let helpCtx;
  let staffCtx;
  let ask;
  let help;
  let room;
  const asker = makeUser('asker');
  const helper = makeUser('helper');
  const boss = makeUser('boss');
  const question = 'How do goroutines share memory safely?';
  const answer = 'Share memory by communicating over channels';
  const rude = 'This channel talk is boring and so are you';

  before(async () => {
    createSuperuser(boss);
    browser = await launchBrowser();
    askCtx = await newContext(browser);
    helpCtx = await newContext(browser);
    staffCtx = await newContext(browser);
    await registerAPI(askCtx.request, asker);
    await registerAPI(helpCtx.request, helper);
    ask = await askCtx.newPage();
    help = await helpCtx.newPage();
    await loginAPI(ask, asker);
    await loginAPI(help, helper);
    room = await createRoomAPI(askCtx.request, { name: 'Go Concurrency', topicName: 'Golang', description: 'Threads' });
    const j = await gqlAPI(helpCtx.request, 'JoinRoom',
      'mutation JoinRoom($h: String!, $r: String!) { joinRoom(hostSlug: $h, roomSlug: $r) { room { id } } }',
      { h: asker.username, r: room.slug });
    assert.equal(j.errors, undefined, JSON.stringify(j.errors));
  });

  after(async () => {
    await browser?.close();
  });

  const roomURL = () => `/u/${asker.username}/${room.slug}`;

  async function send(page, text) {
    await page.locator('#composer').fill(text);
    await page.locator('#composer').press('Enter');
    await messageRow(page, text).waitFor();
  }

  it('replies with the quoted parent, live on both sides, and jumps to the parent', async () => {
    await ask.goto(roomURL());
    await help.goto(roomURL());
    await waitReady(ask);
    await waitReady(help);
    await ask.locator('.layout-room[data-live="open"]').waitFor();
    await help.locator('.layout-room[data-live="open"]').waitFor();
    await send(ask, question);
    const asked = messageRow(help, question);
    await asked.waitFor();
    await asked.hover();
    await asked.getByRole('button', { name: 'Reply' }).click();
    await help.locator('.reply-bar').getByText(question).waitFor();
    await send(help, answer);
    assert.equal(await help.locator('.reply-bar').count(), 0, 'the reply bar closes after sending');

    // The asker's page got the reply live, with its quote.
    const reply = messageRow(ask, answer);
    await reply.waitFor();
    const quote = reply.locator('.reply-quote');
    await quote.getByText(question).waitFor();
    assert.equal(await quote.locator('.reply-author').textContent(), asker.username);
    await quote.click();
    await messageRow(ask, question).and(ask.locator('.msg-highlight')).waitFor();

    // After a reload the quote comes from GraphQL.
    await help.reload();
    await waitReady(help);
    await messageRow(help, answer).locator('.reply-quote').getByText(question).waitFor();
    await screenshot(help, 'threads-reply');
  });

  it('finds a message with the search page and shows it in its room', async () => {
    await ask.getByRole('link', { name: 'Search messages' }).click();
    await ask.waitForURL((u) => u.pathname === '/search');
    await ask.getByRole('searchbox', { name: 'Search messages' }).fill('CHANNEL communic');
    await ask.getByRole('button', { name: 'Search' }).click();
    const hit = ask.locator('.search-result').first();
    await hit.waitFor();
    assert.equal(await ask.locator('.search-result').count(), 1);
    assert.deepEqual(await hit.locator('mark').allTextContents(), ['communicating', 'channels']);
    assert.match(await hit.textContent(), /Go Concurrency/);
    await screenshot(ask, 'threads-search');
    await hit.getByRole('link').click();
    await ask.waitForURL((u) => u.pathname === roomURL() && u.hash.startsWith('#m-'));
    await messageRow(ask, answer).and(ask.locator('.msg-highlight')).waitFor();

    // Nothing to find for a word no message has.
    await ask.goto('/search?q=rustacean');
    await ask.getByText('No messages match “rustacean”.').waitFor();
  });

  it('reports a message, and staff delete it from the admin, live for everyone', async () => {
    await ask.goto(roomURL());
    await waitReady(ask);
    await ask.locator('.layout-room[data-live="open"]').waitFor();
    await help.locator('.layout-room[data-live="open"]').waitFor();
    await send(help, rude);
    const row = messageRow(ask, rude);
    await row.waitFor();
    await row.hover();
    await row.getByRole('button', { name: 'Report' }).click();
    const dlg = ask.getByRole('dialog', { name: 'Report this message' });
    await dlg.getByLabel('What is wrong with it?').fill('Insulting the room');
    await dlg.getByRole('button', { name: 'Report' }).click();
    await ask.getByText('Thank you. The moderators will look at it.').waitFor();

    const page = await staffCtx.newPage();
    await page.goto('/admin/login/?next=/admin/core/report/');
    await page.getByLabel('Email').fill(boss.email);
    await page.getByLabel('Password').fill(boss.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByRole('link', { name: rude }).click();
    await page.getByText('Insulting the room').waitFor();
    // The message in context, between its neighbours.
    await page.locator('.context li.reported').getByText(rude).waitFor();
    await page.locator('.context').getByText(answer).waitFor();
    await screenshot(page, 'threads-admin-report', { fullPage: true });
    await page.getByRole('button', { name: 'Delete the message' }).click();
    await page.getByText('The message was deleted.').waitFor();

    // Gone for both people at once.
    await messageRow(ask, rude).waitFor({ state: 'detached' });
    await messageRow(help, rude).waitFor({ state: 'detached' });

    await page.goto('/admin/log/?type=report');
    await page.getByText('Report ').first().waitFor();
    assert.deepEqual(problemsOf(askCtx, helpCtx, staffCtx), []);
  });

  it('shows a reply to a deleted message as such', async () => {
    const r = await gqlAPI(askCtx.request, 'Mine',
      'query Mine($h: String!, $r: String!) { messages(hostSlug: $h, roomSlug: $r) { id body } }',
      { h: asker.username, r: room.slug });
    const q = r.data.messages.find((m) => m.body === question);
    const d = await gqlAPI(askCtx.request, 'Del', 'mutation Del($id: UUID!) { deleteMessage(messageId: $id) { success } }', { id: q.id });
    assert.equal(d.errors, undefined, JSON.stringify(d.errors));
    await messageRow(help, answer).locator('.reply-deleted').waitFor();
    await messageRow(ask, answer).locator('.reply-deleted').waitFor();
  });
});
