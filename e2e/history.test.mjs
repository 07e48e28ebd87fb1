// History and the event socket in the browser: infinite scroll through a
// room's history, a reader cut off (offline) while others send, edit and
// delete, who after reconnecting shows exactly the server's state without
// a reload, with the unread badge of another room counting what arrived
// there, and the "new messages" divider where the reader left off.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, gqlAPI, createRoomAPI, messageRow, problemsOf, screenshot, unique,
} from './helpers.mjs';

/**
 * socketFrames opens a /ws/v2 socket in page, sends frames one after
 * another (each waiting for its answer, paced under the rate limit) and
 * returns the answers.
 */
function socketFrames(page, frames) {
  return page.evaluate(async (frames) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/v2`);
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const answers = new Map();
    ws.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.ref) answers.set(f.ref, f);
    };
    const answer = (ref) => new Promise((resolve) => {
      const t = setInterval(() => {
        if (answers.has(ref)) { clearInterval(t); resolve(answers.get(ref)); }
      }, 10);
    });
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const out = [];
    let n = 0;
    for (const f of frames) {
      for (;;) {
        const ref = `t${n++}`;
        ws.send(JSON.stringify({ ...f, ref }));
        const a = await answer(ref);
        await sleep(70);
        if (a.type === 'error' && a.error.startsWith('Rate limit')) { await sleep(1000); continue; }
        out.push(a);
        break;
      }
    }
    ws.close();
    return out;
  }, frames);
}

const MESSAGES = `query Messages($h: String!, $r: String!) { messages(hostSlug: $h, roomSlug: $r) { body edited } }`;

describe('history', () => {
  let browser;
  let ctxA;
  let ctxB;
  let a; // the host, who writes
  let b; // the reader
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  let roomA;
  let roomB;
  const ids = new Map(); // body -> message id
  const old = (i) => `old-${String(i).padStart(3, '0')}`;

  before(async () => {
    browser = await launchBrowser();
    ctxA = await newContext(browser);
    ctxB = await newContext(browser);
    a = await ctxA.newPage();
    b = await ctxB.newPage();
    await registerAPI(ctxA.request, alice);
    await registerAPI(ctxB.request, bob);
    await loginAPI(a, alice);
    await loginAPI(b, bob);
    roomA = await createRoomAPI(a.request, { name: `Paging ${unique('r').slice(-5)}`, topicName: 'History' });
    roomB = await createRoomAPI(a.request, { name: `Elsewhere ${unique('r').slice(-5)}`, topicName: 'History' });
    for (const r of [roomA, roomB]) {
      const res = await gqlAPI(b.request, 'JoinRoom', `mutation JoinRoom($h: String!, $r: String!) { joinRoom(hostSlug: $h, roomSlug: $r) { room { id } } }`,
        { h: r.host.username, r: r.slug });
      assert.equal(res.errors, undefined);
    }
    const frames = [{ type: 'subscribe', room: roomA.id }];
    for (let i = 1; i <= 60; i++) frames.push({ type: 'send', room: roomA.id, message: old(i) });
    const answers = await socketFrames(a, frames);
    answers.slice(1).forEach((ack, i) => {
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      ids.set(old(i + 1), ack.id);
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('pages older messages in as the reader scrolls up', async () => {
    // Read already: no "new messages" divider to scroll to, the page opens
    // at the bottom.
    const marked = await gqlAPI(b.request, 'MarkRoomRead', `mutation MarkRoomRead($room: UUID!, $seq: Int!) {
      markRoomRead(roomId: $room, seq: $seq) { readSeq unreadCount } }`, { room: roomA.id, seq: 60 });
    assert.deepEqual(marked.data.markRoomRead, { readSeq: 60, unreadCount: 0 });
    await b.goto(`/u/${roomA.host.username}/${roomA.slug}`);
    await b.locator('.layout-room[data-live="open"]').waitFor();
    await messageRow(b, old(60)).waitFor();
    // The newest page holds 50: the ten oldest wait for the scroll.
    assert.equal(await b.locator('.messages .msg').count(), 50);
    assert.equal(await messageRow(b, old(10)).count(), 0);
    await b.locator('.message-pane').evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await messageRow(b, old(1)).waitFor();
    assert.equal(await b.locator('.messages .msg').count(), 60);
    const texts = await b.locator('.messages .msg .msg-text').allTextContents();
    assert.deepEqual(texts, Array.from({ length: 60 }, (_, i) => old(i + 1)));
  });

  it('shows exactly the server state after an offline spell, without a reload', async () => {
    await b.evaluate(() => { window.__sameDocument = true; });
    const cdp = await ctxB.newCDPSession(b);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await b.evaluate(() => { for (const s of window.__sockets) if (s.readyState === 1) s.close(4000, 'network cut'); });
    await b.locator('.conn-status', { hasText: 'Reconnecting' }).waitFor();

    // While bob is away: new messages, an edit, a deletion, and three
    // messages in the other room.
    const answers = await socketFrames(a, [
      { type: 'subscribe', room: roomA.id },
      { type: 'subscribe', room: roomB.id },
      { type: 'send', room: roomA.id, message: 'Missed one' },
      { type: 'send', room: roomA.id, message: 'Missed two' },
      { type: 'edit', id: ids.get(old(60)), message: 'old-060 fixed' },
      { type: 'delete', id: ids.get(old(59)) },
      { type: 'edit', id: ids.get(old(5)), message: 'old-005 fixed' },
      { type: 'send', room: roomB.id, message: 'B one' },
      { type: 'send', room: roomB.id, message: 'B two' },
      { type: 'send', room: roomB.id, message: 'B three' },
    ]);
    for (const x of answers.slice(2)) assert.equal(x.type, 'ack', JSON.stringify(x));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await messageRow(b, 'Missed one').count(), 0);

    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await b.locator('.layout-room[data-live="open"]').waitFor({ timeout: 20_000 });
    await messageRow(b, 'Missed two').waitFor();
    await messageRow(b, old(59)).waitFor({ state: 'detached' });
    await messageRow(b, 'old-005 fixed').getByText('(edited)').waitFor();

    const server = await gqlAPI(a.request, 'Messages', MESSAGES, { h: roomA.host.username, r: roomA.slug });
    const want = server.data.messages.map((m) => m.body);
    assert.equal(want.length, 61);
    assert.deepEqual(await b.locator('.messages .msg .msg-text').allTextContents(), want);
    const edited = server.data.messages.filter((m) => m.edited).map((m) => m.body);
    assert.deepEqual(await b.locator('.messages .msg').filter({ has: b.locator('.edited') }).locator('.msg-text').allTextContents(), edited);

    // The other room's badge counts what arrived there, and moves live.
    const badge = b.locator(`.your-rooms [data-unread-room="${roomB.id}"] .unread-badge`);
    await badge.filter({ hasText: /^3 unread$/ }).waitFor();
    await socketFrames(a, [{ type: 'subscribe', room: roomB.id }, { type: 'send', room: roomB.id, message: 'B four' }]);
    await badge.filter({ hasText: /^4 unread$/ }).waitFor();
    assert.equal(await b.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
    await screenshot(b, 'history-after-offline');
    await cdp.detach();
  });

  it('marks where the reader left off and clears the badge once read', async () => {
    await b.locator(`.your-rooms [data-unread-room="${roomB.id}"] a`).click();
    await b.locator('.layout-room[data-live="open"]').waitFor();
    const divider = b.locator('.msg.first-unread');
    await divider.locator('.new-divider').waitFor();
    assert.equal(await divider.locator('.msg-text').innerText(), 'B one');
    // Reading the room moves the marker; the home page shows no badge for it.
    await b.locator(`.your-rooms [data-unread-room="${roomB.id}"] .unread-badge`).waitFor({ state: 'detached' });
    await b.getByRole('link', { name: 'All rooms' }).click();
    await b.locator(`.room-list [data-unread-room="${roomA.id}"]`).waitFor();
    assert.equal(await b.locator(`.room-list [data-unread-room="${roomB.id}"] .unread-badge`).count(), 0);
    assert.deepEqual(problemsOf(ctxA, ctxB), []);
  });
});
