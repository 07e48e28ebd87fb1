// Unit tests of the event-socket client, run in node without a browser:
// the tab's one socket (events.js) and a room's feed on it (feed.js):
// subscriptions from the page's seq, duplicates dropped by seq, resuming
// every room from its last seq after a drop, "too far behind" reloading
// the newest page, and sends confirmed by their ack.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

class FakeSocket {
  static OPEN = 1;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  frame(obj) { this.onmessage?.({ data: JSON.stringify(obj) }); }
  drop() { this.readyState = 3; this.onclose?.({ code: 1006, wasClean: false }); }
}

let feedMod;
let eventsMod;
const requests = []; // GraphQL operations the client sent
let answer = () => ({});

before(async () => {
  globalThis.window = new EventTarget();
  globalThis.document = Object.assign(new EventTarget(), { visibilityState: 'hidden', cookie: '' });
  globalThis.WebSocket = FakeSocket;
  globalThis.location = { protocol: 'http:', host: '127.0.0.1:9999' };
  globalThis.fetch = async (url, opts) => {
    const body = JSON.parse(opts.body);
    requests.push(body);
    return { ok: true, status: 200, json: async () => ({ data: answer(body) }) };
  };
  eventsMod = await import('../web/static/assets/js/events.js');
  feedMod = await import('../web/static/assets/js/feed.js');
});

after(() => {
  // The tab goes away: no reconnect may be pending once WebSocket is gone,
  // or its attempts would keep this process alive.
  const ev = eventsMod.events();
  clearTimeout(ev.timer);
  ev.everOpened = false;
  for (const k of ['window', 'document', 'WebSocket', 'location', 'fetch']) delete globalThis[k];
});

const me = { id: 'u-me', username: 'me', name: 'Me', avatar: '' };
const other = { id: 'u-other', username: 'other', avatar: '' };
const at = (s) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
const gmsg = (id, body, s, user = other) => ({ id, body, edited: false, created: at(s), updated: at(s), seq: s, user: { ...user, name: user.username } });
const created = (room, id, body, seq, user = other) => ({ type: 'message.created', room, seq, message: { id, body, edited: false, created: at(seq), updated: at(seq), user } });
const tick = () => new Promise((r) => setImmediate(r));
const bodies = (feed) => feed.items().map((m) => (m.local ? `${m.body}[${m.state}]` : m.body));

describe('event socket and room feed', () => {
  let ws;
  let feed;
  let changes = 0;

  it('OK: opens one socket and subscribes from the page seq', async () => {
    const ready = eventsMod.events().ready();
    ws = FakeSocket.all.at(-1);
    assert.equal(ws.url, 'ws://127.0.0.1:9999/ws/v2');
    ws.open();
    assert.equal(await ready, true);
    feed = await feedMod.openFeed({
      roomId: 'R', hostSlug: 'h', roomSlug: 'r', me,
      page: { messages: [gmsg('m1', 'one', 1), gmsg('m2', 'two', 2)], hasMore: true, next: 'm1', seq: 2 },
      onChange: () => { changes++; },
    });
    assert.ok(feed);
    assert.equal(FakeSocket.all.length, 1, 'one socket per tab');
    feed.start();
    assert.deepEqual(ws.sent.at(-1), { type: 'subscribe', room: 'R', since: 2 });
    ws.frame({ type: 'subscribed', room: 'R', seq: 2, recovered: true });
    assert.equal(feed.status, 'open');
    assert.deepEqual(bodies(feed), ['one', 'two']);
  });

  it('OK: applies each change once, in seq order', () => {
    ws.frame(created('R', 'm3', 'three', 3));
    ws.frame(created('R', 'm3', 'three', 3)); // a duplicate
    ws.frame({ type: 'message.updated', room: 'R', seq: 4, message: { id: 'm1', body: 'ONE', edited: true, updated: at(4) } });
    ws.frame({ type: 'message.deleted', room: 'R', seq: 3, id: 'm2' }); // an old number: dropped
    assert.deepEqual(bodies(feed), ['ONE', 'two', 'three']);
    ws.frame({ type: 'message.deleted', room: 'R', seq: 5, id: 'm2' });
    assert.deepEqual(bodies(feed), ['ONE', 'three']);
    // Another room's events are not this feed's.
    ws.frame(created('S', 'x1', 'elsewhere', 6));
    assert.deepEqual(bodies(feed), ['ONE', 'three']);
  });

  it('OK: resumes from the last seq after a drop, edits and deletions included', async () => {
    ws.drop();
    assert.equal(feed.status, 'reconnecting');
    feed.connectNow();
    ws = FakeSocket.all.at(-1);
    ws.open();
    assert.deepEqual(ws.sent.at(-1), { type: 'subscribe', room: 'R', since: 5 });
    // The catch-up: what came while away, then the marker.
    ws.frame(created('R', 'm4', 'four', 6));
    ws.frame({ type: 'message.updated', room: 'R', seq: 7, message: { id: 'm3', body: 'THREE', edited: true, updated: at(7) } });
    ws.frame({ type: 'subscribed', room: 'R', seq: 7, recovered: true });
    ws.frame(created('R', 'm4', 'four', 6)); // live copy of a replayed event
    assert.deepEqual(bodies(feed), ['ONE', 'THREE', 'four']);
    assert.equal(feed.status, 'open');
  });

  it('OK: too far behind reloads the newest page and continues from its seq', async () => {
    answer = (body) => {
      assert.equal(body.operationName, 'MessagePage');
      return { messagePage: { messages: [gmsg('m9', 'nine', 1009), gmsg('m10', 'ten', 1010)], hasMore: true, next: 'm9', seq: 1010 } };
    };
    ws.drop();
    feed.connectNow();
    ws = FakeSocket.all.at(-1);
    ws.open();
    assert.deepEqual(ws.sent.at(-1), { type: 'subscribe', room: 'R', since: 7 });
    ws.frame({ type: 'subscribed', room: 'R', seq: 1009, recovered: false });
    await tick();
    await tick();
    assert.deepEqual(bodies(feed), ['nine', 'ten']);
    assert.deepEqual(ws.sent.at(-1), { type: 'subscribe', room: 'R', since: 1010 });
    ws.frame(created('R', 'm10', 'ten', 1010)); // in the page already
    ws.frame(created('R', 'm11', 'eleven', 1011));
    assert.deepEqual(bodies(feed), ['nine', 'ten', 'eleven']);
  });

  it('OK: a send is confirmed by its ack and its event, shown once', async () => {
    feed.send('mine');
    const f = ws.sent.at(-1);
    assert.equal(f.type, 'send');
    assert.equal(f.room, 'R');
    assert.deepEqual(bodies(feed), ['nine', 'ten', 'eleven', 'mine[sending]']);
    ws.frame({ type: 'ack', ref: f.ref, id: 'm12', seq: 1012 });
    await tick();
    ws.frame(created('R', 'm12', 'mine', 1012, me));
    assert.deepEqual(bodies(feed), ['nine', 'ten', 'eleven', 'mine']);
  });

  it('OK: an error frame fails the send; offline sends stay "not sent"', async () => {
    feed.send('x'.repeat(3));
    const f = ws.sent.at(-1);
    ws.frame({ type: 'error', ref: f.ref, error: 'Rate limit exceeded. Slow down.' });
    await tick();
    assert.deepEqual(bodies(feed).at(-1), 'xxx[failed]');
    ws.drop();
    feed.send('offline');
    assert.deepEqual(bodies(feed).at(-1), 'offline[failed]');
    assert.equal(feed.edit('m12', 'changed'), false);
    feed.stop();
    assert.ok(changes > 0);
  });
});
