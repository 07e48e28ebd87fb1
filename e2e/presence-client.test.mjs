// Unit tests of the client's presence logic (web/static/assets/js/presence.js),
// run in node without a browser: the online set and count kept by frames,
// the typing list and its expiry, and the throttle of our typing frames.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

let mod;

before(async () => {
  globalThis.window = new EventTarget();
  globalThis.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  globalThis.location = { protocol: 'http:', host: '127.0.0.1:9999' };
  mod = await import('../web/static/assets/js/presence.js');
});

after(() => {
  delete globalThis.window;
  delete globalThis.document;
  delete globalThis.location;
});

const ROOM = '11111111-1111-1111-1111-111111111111';
const me = { id: 'me', username: 'me' };
const bob = { id: 'bob', username: 'bob', avatar: '' };
const ada = { id: 'ada', username: 'ada', avatar: '' };

/** fakeSocket is the page's event socket: it records sends and hands frames to the listener. */
function fakeSocket() {
  return {
    sent: [],
    fn: null,
    on(fn) { this.fn = fn; return () => { this.fn = null; }; },
    send(f) { this.sent.push(f); return true; },
    frame(f) { this.fn?.(f); },
  };
}

function follow() {
  const socket = fakeSocket();
  let changes = 0;
  const p = new mod.RoomPresence({ room: { id: ROOM, slug: 'r', host: { username: 'h' } }, me, socket, onChange: () => changes++ });
  p.load = async () => { p.online = new Set(['me']); p.count = 1; };
  p.start();
  return { p, socket, changes: () => changes };
}

describe('presence client', () => {
  it('words the typing line', () => {
    assert.equal(mod.typingText([]), '');
    assert.equal(mod.typingText(['Bob']), 'Bob is typing…');
    assert.equal(mod.typingText(['Bob', 'Ada']), 'Bob and Ada are typing…');
    assert.equal(mod.typingText(['Bob', 'Ada', 'Cy']), 'Several people are typing…');
    assert.equal(mod.eventSocketURL({ protocol: 'https:', host: 'x.example' }), 'wss://x.example/ws/v2');
  });

  it('keeps the online set and count from presence frames', async () => {
    const { p, socket } = follow();
    await p.load();
    const presence = (user, online) => socket.frame({ type: 'presence', room: ROOM, user, online, lastSeen: new Date().toISOString() });
    presence(bob, true);
    presence(bob, true); // a repeat changes nothing
    assert.deepEqual([...p.online].sort(), ['bob', 'me']);
    assert.equal(p.count, 2);
    presence(bob, false);
    presence(ada, false); // never online: nothing to remove
    assert.deepEqual([...p.online], ['me']);
    assert.equal(p.count, 1);
    // Frames of other rooms are ignored.
    socket.frame({ type: 'presence', room: 'other', user: ada, online: true });
    assert.equal(p.count, 1);
    p.stop();
    assert.equal(socket.fn, null);
  });

  it('lists who types, not us, until "until" or their message', () => {
    const { p, socket } = follow();
    const soon = new Date(Date.now() + 5_000).toISOString();
    socket.frame({ type: 'typing', room: ROOM, user: bob, until: soon });
    socket.frame({ type: 'typing', room: ROOM, user: me, until: soon });
    socket.frame({ type: 'typing', room: ROOM, user: ada, until: new Date(Date.now() - 1).toISOString() });
    assert.deepEqual(p.typers().map((u) => u.id), ['bob']);
    socket.frame({ type: 'message.created', room: ROOM, seq: 3, message: { id: 'm', user: bob, body: 'hi' } });
    assert.deepEqual(p.typers(), []);
    // A far "until" is capped at 10 s of our clock.
    socket.frame({ type: 'typing', room: ROOM, user: bob, until: new Date(Date.now() + 3_600_000).toISOString() });
    assert.ok(p.typing.get('bob').until <= Date.now() + 10_000);
    p.stop();
  });

  it('sends typing at most once every TYPING_EVERY', () => {
    const { p, socket } = follow();
    p.typed();
    p.typed();
    p.typed();
    assert.deepEqual(socket.sent, [{ type: 'typing', room: ROOM }]);
    p.lastTyping = Date.now() - mod.TYPING_EVERY - 1;
    p.typed();
    assert.equal(socket.sent.length, 2);
    // After our message the next keystroke announces at once.
    p.sent();
    p.typed();
    assert.equal(socket.sent.length, 3);
    p.stop();
  });
});
