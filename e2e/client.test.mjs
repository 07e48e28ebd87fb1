// Unit tests of the client's pure logic, run in node without a browser:
// the chat list's merge rules across reconnects, backoff, the socket URL
// and the parser for the server's Python-repr error messages.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

// The chat module touches window, document and WebSocket only when a Chat
// is created; these stand-ins record what it does.
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
  closeWith(code) { this.readyState = 3; this.onclose?.({ code, wasClean: true }); }
}

let chatMod;
let apiMod;

before(async () => {
  globalThis.window = new EventTarget();
  globalThis.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  globalThis.WebSocket = FakeSocket;
  globalThis.location = { protocol: 'http:', host: '127.0.0.1:9999' };
  chatMod = await import('../web/static/assets/js/chat.js');
  apiMod = await import('../web/static/assets/js/api.js');
});

after(() => {
  delete globalThis.window;
  delete globalThis.document;
  delete globalThis.WebSocket;
  delete globalThis.location;
});

const me = { id: 'u-me', username: 'me', name: 'Me', avatar: '' };
const other = { id: 'u-other', username: 'other', name: 'Other', avatar: '' };
const at = (s) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
const msg = (id, user, body, s, extra = {}) => ({ id, user, body, edited: false, created: at(s), updated: at(s), ...extra });
const frameOf = (m) => ({ type: 'chat_message', action: 'new', id: m.id, user: m.user.username, user_id: m.user.id, body: m.body, created: m.created, updated: m.updated, edited: false, userAvatar: null });

/** deferred lets a test decide when the history fetch answers. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

function newChat(fetches, extra = {}) {
  const chat = new chatMod.Chat({
    hostSlug: 'host', roomSlug: 'room', me,
    fetchHistory: () => fetches.shift().promise,
    probe: async () => 'ok',
    ...extra,
  });
  return chat;
}

const tick = () => new Promise((r) => setImmediate(r));

// startOnline starts a chat whose first history fetch is empty and whose
// socket is open; later fetches come from rest.
async function startOnline(...rest) {
  const first = deferred();
  const chat = newChat([first, ...rest]);
  chat.start();
  const ws = FakeSocket.all.at(-1);
  ws.open();
  first.resolve([]);
  await tick();
  return { chat, ws };
}
const bodies = (chat) => chat.items().map((m) => (m.local ? `${m.body}[${m.state}]` : m.body));

describe('Chat', () => {
  it('OK: merges a refetch with live frames without duplicates or revived deletes', async () => {
    const f1 = deferred();
    const chat = newChat([f1]);
    chat.setHistory([msg('m1', other, 'one', 1), msg('m2', other, 'two', 2)]);
    chat.start();
    const ws = FakeSocket.all.at(-1);
    assert.equal(ws.url, 'ws://127.0.0.1:9999/ws/chat/host/room');
    ws.open();
    // While the refetch is in flight: a new message and a delete arrive live.
    ws.frame(frameOf(msg('m3', other, 'three', 3)));
    ws.frame({ type: 'chat_message', action: 'delete', id: 'm1' });
    // The refetch was taken before both: it still has m1 and lacks m3.
    f1.resolve([msg('m1', other, 'one', 1), msg('m2', other, 'two', 2)]);
    await tick();
    assert.deepEqual(bodies(chat), ['two', 'three']);
    // The same message again (frame after fetch) stays one row.
    ws.frame(frameOf(msg('m3', other, 'three', 3)));
    assert.deepEqual(bodies(chat), ['two', 'three']);
    chat.stop();
  });

  it('OK: applies removals and edits that happened while disconnected', async () => {
    const f1 = deferred();
    const f2 = deferred();
    const chat = newChat([f1, f2]);
    chat.setHistory([msg('m1', other, 'one', 1), msg('m2', other, 'two', 2)]);
    chat.start();
    let ws = FakeSocket.all.at(-1);
    ws.open();
    f1.resolve([msg('m1', other, 'one', 1), msg('m2', other, 'two', 2)]);
    await tick();
    ws.drop();
    assert.equal(chat.status, 'reconnecting');
    chat.connectNow();
    ws = FakeSocket.all.at(-1);
    ws.open();
    f2.resolve([msg('m2', other, 'two, edited', 2, { edited: true, updated: at(30) }), msg('m4', other, 'four', 4)]);
    await tick();
    assert.deepEqual(bodies(chat), ['two, edited', 'four']);
    assert.equal(chat.status, 'open');
    chat.stop();
  });

  it('OK: confirms an unacknowledged send found in the refetch, and fails one that is not', async () => {
    const f2 = deferred();
    const started = await startOnline(f2);
    const { chat } = started;
    let { ws } = started;
    chat.send('arrived');
    chat.send('lost');
    assert.deepEqual(ws.sent.map((f) => [f.type, f.message]), [['text', 'arrived'], ['text', 'lost']]);
    assert.deepEqual(bodies(chat), ['arrived[sending]', 'lost[sending]']);
    ws.drop();
    chat.connectNow();
    ws = FakeSocket.all.at(-1);
    ws.open();
    f2.resolve([msg('m9', me, 'arrived', 9)]);
    await tick();
    assert.deepEqual(bodies(chat), ['arrived', 'lost[failed]']);
    // Retry sends it again; the echo replaces the pending row.
    const pendingId = chat.items().find((m) => m.local).id;
    chat.retry(pendingId);
    assert.deepEqual(ws.sent.at(-1), { ...ws.sent.at(-1), type: 'text', message: 'lost' });
    ws.frame(frameOf(msg('m10', me, 'lost', 10)));
    assert.deepEqual(bodies(chat), ['arrived', 'lost']);
    chat.stop();
  });

  it('OK: keeps a message typed while offline as not sent, never sending it by itself', async () => {
    const f2 = deferred();
    const started = await startOnline(f2);
    const { chat } = started;
    let { ws } = started;
    ws.drop();
    chat.send('offline note');
    assert.deepEqual(bodies(chat), ['offline note[failed]']);
    chat.connectNow();
    ws = FakeSocket.all.at(-1);
    ws.open();
    f2.resolve([]);
    await tick();
    assert.deepEqual(ws.sent, []);
    assert.deepEqual(bodies(chat), ['offline note[failed]']);
    chat.stop();
  });

  it('OK: renews the session on 4401, then reconnects and reloads the history', async () => {
    const first = deferred();
    const second = deferred();
    let renewals = 0;
    const chat = newChat([first, second], { reauth: async () => { renewals++; return true; } });
    chat.start();
    let ws = FakeSocket.all.at(-1);
    ws.open();
    first.resolve([]);
    await tick();
    chat.send('in flight');
    ws.closeWith(4401);
    await tick();
    assert.equal(renewals, 1);
    assert.notEqual(FakeSocket.all.at(-1), ws, 'a new socket after the renewal');
    ws = FakeSocket.all.at(-1);
    ws.open();
    second.resolve([msg('m1', me, 'in flight', 1)]);
    await tick();
    assert.deepEqual(bodies(chat), ['in flight']);
    assert.equal(chat.status, 'open');
    chat.stop();
  });

  it('ErrSessionOver: stops on 4401 when the renewal fails', async () => {
    const { chat, ws } = await startOnline();
    chat.reauth = async () => false;
    const sockets = FakeSocket.all.length;
    ws.closeWith(4401);
    await tick();
    assert.equal(chat.status, 'closed');
    assert.equal(FakeSocket.all.length, sockets, 'no reconnect');
  });

  it('ErrFinal: stops on 4403 and reports a gone room on 4404', async () => {
    let renewals = 0;
    const a = await startOnline();
    a.chat.reauth = async () => { renewals++; return false; };
    const sockets = FakeSocket.all.length;
    a.ws.closeWith(4403);
    await tick();
    assert.equal(a.chat.status, 'closed');
    assert.equal(renewals, 1, 'the sign-in state is asked to find out');
    assert.equal(FakeSocket.all.length, sockets);

    const b = await startOnline();
    let gone = false;
    b.chat.onGone = () => { gone = true; };
    b.ws.closeWith(4404);
    await tick();
    assert.ok(gone);
    assert.equal(b.chat.status, 'closed');
  });

  it('OK: reconnects on a try-again close (4000, 4008)', async () => {
    for (const code of [4000, 4008]) {
      const { chat, ws } = await startOnline();
      ws.closeWith(code);
      assert.equal(chat.status, 'reconnecting');
      chat.connectNow();
      assert.notEqual(FakeSocket.all.at(-1), ws);
      chat.stop();
    }
  });

  it('ErrTooLong: marks the send failed on the server error frame', async () => {
    const { chat, ws } = await startOnline();
    chat.send('x'.repeat(10));
    ws.frame({ error: 'Message exceeds 500 characters.' });
    const [p] = chat.items();
    assert.equal(p.state, 'failed');
    assert.equal(p.error, 'Message exceeds 500 characters.');
    chat.stop();
  });
});

describe('backoffDelay', () => {
  for (const [attempt, lo, hi] of [[0, 250, 500], [1, 500, 1000], [3, 2000, 4000], [5, 5000, 10000], [50, 5000, 10000]]) {
    it(`OK: attempt ${attempt} waits ${lo}–${hi} ms`, () => {
      assert.equal(chatMod.backoffDelay(attempt, () => 0), lo);
      assert.equal(chatMod.backoffDelay(attempt, () => 1), hi);
    });
  }
});

describe('socketURL', () => {
  it('OK: ws on http, same host', () => {
    assert.equal(chatMod.socketURL('ann', 'algebra', { protocol: 'http:', host: 'localhost:8080' }), 'ws://localhost:8080/ws/chat/ann/algebra');
  });
  it('OK: wss on https', () => {
    assert.equal(chatMod.socketURL('ann', 'algebra', { protocol: 'https:', host: 'edu.example' }), 'wss://edu.example/ws/chat/ann/algebra');
  });
});

describe('parseRepr and toApiError', () => {
  const cases = [
    ["{'__all__': ['You already have a room with this name.']}", { __all__: ['You already have a room with this name.'] }],
    ["{'name': ['This field cannot be blank.']}", { name: ['This field cannot be blank.'] }],
    [`{'__all__': ["It's fine", 'two']}`, { __all__: ["It's fine", 'two'] }],
    ["{'a': ['x\\'y']}", { a: ["x'y"] }],
    ['Room not found', null],
    ['{}', null],
    ["{'a': ['x']} trailing", null],
  ];
  for (const [input, want] of cases) {
    it(`OK: ${input}`, () => assert.deepEqual(apiMod.parseRepr(input), want));
  }
  it('OK: Invalid data becomes field errors', () => {
    const e = apiMod.toApiError({ message: 'Invalid data', extensions: { errors: { password2: ['This password is too short. It must contain at least 8 characters.'] } } });
    assert.deepEqual(e.fields, { password2: ['This password is too short. It must contain at least 8 characters.'] });
    assert.deepEqual(e.general, []);
  });
  it('OK: an __all__ repr becomes general messages', () => {
    const e = apiMod.toApiError({ message: "{'__all__': ['Topic name must consist of letters only.']}" });
    assert.deepEqual(e.general, ['Topic name must consist of letters only.']);
  });
  it('OK: any other message is shown raw', () => {
    const e = apiMod.toApiError({ message: "{'username': ['User with this Username already exists.']}" });
    assert.deepEqual(e.general, ["{'username': ['User with this Username already exists.']}"]);
    const nf = apiMod.toApiError({ message: 'Room not found', extensions: { code: 'NOT_FOUND' } });
    assert.equal(nf.isNotFound, true);
  });
});

describe('delayUntilRefresh', () => {
  let auth;
  before(async () => {
    auth = await import('../web/static/assets/js/auth.js');
  });
  const cases = [
    ['OK', { exp: 1600, issued: 1000 }, 1000, 450_000],
    ['HalfwayThrough', { exp: 1600, issued: 1000 }, 1300, 150_000],
    ['Overdue', { exp: 1600, issued: 1000 }, 1500, 0],
    ['ShortTokenAtLeast15s', { exp: 1016, issued: 1000 }, 1000, 11_000],
    ['VeryShortTokenBeforeExpiry', { exp: 1010, issued: 1000 }, 1000, 5_000],
    ['LongTokenClampedTo30m', { exp: 1000 + 7200, issued: 1000 }, 1000, 1_800_000],
    ['SignedOut', null, 1000, -1],
  ];
  for (const [name, s, now, want] of cases) {
    it(name, () => assert.equal(auth.delayUntilRefresh(s, now), want));
  }
});

describe('placePasswordErrors', () => {
  let register;
  before(async () => {
    register = await import('../web/static/assets/js/pages/register.js');
  });
  const mismatch = 'The two password fields didn’t match.';
  const cases = [
    ['RulesGoUnderPassword', { password2: ['This password is too common.'] }, { password1: ['This password is too common.'] }],
    ['SeveralRules', { username: ['Taken.'], password2: ['This password is too short. It must contain at least 8 characters.', 'This password is entirely numeric.'] },
      { username: ['Taken.'], password1: ['This password is too short. It must contain at least 8 characters.', 'This password is entirely numeric.'] }],
    ['MismatchStaysUnderConfirm', { password2: [mismatch] }, { password2: [mismatch] }],
    ['BothKinds', { password2: [mismatch, 'This password is too common.'] }, { password1: ['This password is too common.'], password2: [mismatch] }],
    ['NoPasswordErrors', { email: ['Enter a valid email address.'] }, { email: ['Enter a valid email address.'] }],
  ];
  for (const [name, given, want] of cases) {
    it(name, () => assert.deepEqual(register.placePasswordErrors(given), want));
  }
});
