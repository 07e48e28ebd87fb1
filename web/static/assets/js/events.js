// The tab's one event socket, /ws/v2 (docs/events.md, "Event socket"): it
// carries every room the tab shows plus the user's unread and room events,
// reconnects with backoff, and after a drop or a sleep subscribes every
// room again from the last sequence number it delivered, so nothing is
// lost or seen twice.
//
// Per room it delivers each message.* event at most once, in sequence
// order: an event numbered at or below the room's last delivered number is
// a duplicate (an ack raced it, or a catch-up replayed it) and is dropped.
import { backoffDelay } from './chat.js';
import * as auth from './auth.js';

const OPEN_TIMEOUT = 5_000;

/** eventsURL is the event socket's URL on this page's host. */
export function eventsURL(loc = location) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws/v2`;
}

let tabSocket = null;

/** events returns the tab's event socket (created on first use, opened by ready or subscribe). */
export function events() {
  if (!tabSocket) tabSocket = new EventSocket();
  return tabSocket;
}

/** LostError rejects requests whose socket closed before the answer. */
export class LostError extends Error {
  constructor() {
    super('Connection lost');
    this.lost = true;
  }
}

class EventSocket {
  constructor() {
    this.ws = null;
    this.open = false;
    this.everOpened = false;
    this.failed = false;
    this.rooms = new Map(); // room id -> { since, handler }
    this.listeners = new Set();
    this.requests = new Map(); // ref -> { resolve, reject }
    this.ref = 0;
    this.attempt = 0;
    this.timer = 0;
    this.waiters = [];
    window.addEventListener('online', () => this.connectNow());
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this.connectNow(); });
  }

  /**
   * ready resolves true once the socket is open, false when it could not
   * be opened at all (no /ws/v2 here: the caller falls back to the chat
   * socket).
   */
  ready() {
    if (this.open) return Promise.resolve(true);
    if (this.failed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => done(false), OPEN_TIMEOUT);
      const done = (ok) => { clearTimeout(t); resolve(ok); };
      this.waiters.push(done);
      this.connect();
    });
  }

  settle(ok) {
    const w = this.waiters;
    this.waiters = [];
    for (const done of w) done(ok);
  }

  connect() {
    if (this.ws) return;
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(eventsURL());
    } catch {
      this.closed(0);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.open = true;
      this.everOpened = true;
      this.attempt = 0;
      this.settle(true);
      for (const [room, sub] of this.rooms) this.sendSubscribe(room, sub);
      this.emit({ type: 'socket.open' });
    };
    ws.onmessage = (ev) => { if (this.ws === ws) this.frame(ev.data); };
    ws.onerror = () => { /* onclose follows */ };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.open = false;
      this.closed(ev?.code);
    };
  }

  /** closed fails the open requests and decides whether to reconnect (docs/events.md, "Close codes"). */
  async closed(code) {
    const reqs = [...this.requests.values()];
    this.requests.clear();
    for (const r of reqs) r.reject(new LostError());
    if (!this.everOpened) {
      this.failed = true;
      this.settle(false);
      return;
    }
    this.emit({ type: 'socket.closed', code });
    if (code === 4403) return;
    if (code === 4401) {
      const ok = await auth.refresh().catch(() => false);
      if (ok) this.connectNow();
      return;
    }
    const delay = backoffDelay(this.attempt++);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** connectNow skips the backoff wait (back online, tab visible, user asked). */
  connectNow() {
    if (this.ws || !this.everOpened) return;
    clearTimeout(this.timer);
    this.connect();
  }

  send(obj) {
    if (!this.open) return false;
    try {
      this.ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * request sends a frame with a fresh ref and resolves with its answer
   * (ack, subscribed, ...), or rejects with {error} for an error frame and
   * with a LostError when the socket is not open or closes first.
   */
  request(obj) {
    const ref = `r${++this.ref}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...obj, ref })) {
        reject(new LostError());
        return;
      }
      this.requests.set(ref, { resolve, reject });
    });
  }

  sendSubscribe(room, sub) {
    const f = { type: 'subscribe', room };
    if (sub.since != null) f.since = sub.since;
    this.send(f);
  }

  /**
   * subscribe starts room's events from since (the seq of the page the
   * caller shows); handler gets the room's frames. Returns the
   * unsubscribe function.
   */
  subscribe(room, since, handler) {
    const sub = { since, handler };
    this.rooms.set(room, sub);
    if (this.open) this.sendSubscribe(room, sub);
    else this.connect();
    return () => {
      if (this.rooms.get(room) !== sub) return;
      this.rooms.delete(room);
      this.send({ type: 'unsubscribe', room });
    };
  }

  /** resubscribe subscribes room again from since (after a reload of its page). */
  resubscribe(room, since) {
    const sub = this.rooms.get(room);
    if (!sub) return;
    sub.since = since;
    if (this.open) this.sendSubscribe(room, sub);
  }

  /** on adds a listener of every frame plus socket.open and socket.closed; returns its remover. */
  on(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(f) {
    for (const fn of [...this.listeners]) {
      try { fn(f); } catch (e) { console.error(e); }
    }
  }

  frame(data) {
    let f;
    try { f = JSON.parse(data); } catch { return; }
    if (!f || typeof f !== 'object') return;
    if (f.ref && this.requests.has(f.ref) && f.type !== 'subscribed') {
      const r = this.requests.get(f.ref);
      this.requests.delete(f.ref);
      if (f.type === 'error') r.reject(f);
      else r.resolve(f);
    }
    const sub = f.room ? this.rooms.get(f.room) : null;
    if (sub && f.type !== 'unread') {
      if (f.type.startsWith('message.') && typeof f.seq === 'number') {
        if (sub.since != null && f.seq <= sub.since) return;
        sub.since = f.seq;
      } else if (f.type === 'subscribed') {
        sub.since = f.seq;
      }
      try { sub.handler(f); } catch (e) { console.error(e); }
    }
    this.emit(f);
  }
}
