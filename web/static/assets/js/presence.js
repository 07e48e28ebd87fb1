// Who is online in the open room and who is typing (docs/presence.md).
// The "presence" and "typing" frames come on an event socket (/ws/v2):
// the page's own, when it has one subscribed to the room (pass it as
// `socket`), else one this module opens and subscribes itself. Typing
// frames go out on the same socket.
import { gql } from './api.js';
import { backoffDelay } from './chat.js';

/** TYPING_EVERY is the least time between two typing frames we send (the server refuses more than one per 2 s). */
export const TYPING_EVERY = 3_000;

const ONLINE_QUERY = `query RoomOnline($hostSlug: String!, $roomSlug: String!) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) { id onlineCount online { id } }
}`;

/** eventSocketURL is /ws/v2 on this page's host, wss: under https:. */
export function eventSocketURL(loc = location) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws/v2`;
}

/** typingText is the line shown for the users typing (their display names). */
export function typingText(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

/**
 * RoomPresence follows one room. The page gives it:
 *   room       {id, slug, host: {username}}
 *   me         the signed-in user
 *   onChange() the online set or the typing list changed; read online, count and typers()
 *   socket     optional: an event socket already subscribed to the room,
 *              {on(fn) -> remover, send(frame) -> bool}, whose listener gets
 *              every frame plus {type: 'socket.open'}
 */
export class RoomPresence {
  constructor({ room, me, onChange, socket = null }) {
    Object.assign(this, { room, me, socket });
    this.off = null;
    this.onChange = onChange || (() => {});
    this.online = new Set();
    this.count = null;
    this.typing = new Map(); // user id -> {user, until (ms)}
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.expiry = 0;
    this.lastTyping = 0;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    if (this.socket) {
      this.off = this.socket.on((f) => this.frame(f));
      this.load();
      return;
    }
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.expiry);
    this.off?.();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000);
    }
  }

  /**
   * load reads who is online now, once the subscription stands, so that
   * the frames keep it current afterwards. We count ourselves: the page is
   * open, whether or not the server has heard of our socket yet.
   */
  async load() {
    try {
      const d = await gql('RoomOnline', ONLINE_QUERY, { hostSlug: this.room.host.username, roomSlug: this.room.slug });
      if (this.stopped || !d.room || d.room.onlineCount == null) return;
      this.online = new Set((d.room.online || []).map((u) => u.id));
      this.count = d.room.onlineCount;
      if (!this.online.has(this.me.id)) {
        this.online.add(this.me.id);
        this.count++;
      }
      this.onChange();
    } catch { /* the dots stay as the frames say */ }
  }

  connect() {
    if (this.stopped) return;
    let ws;
    try {
      ws = new WebSocket(eventSocketURL());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      ws.send(JSON.stringify({ type: 'subscribe', room: this.room.id, ref: 'presence' }));
    };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      this.frame(f);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // 4403 (account disabled) and 4404 (room deleted) are final.
      if (ev.code === 4403 || ev.code === 4404) return;
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), backoffDelay(this.attempt++));
  }

  frame(f) {
    if (f.type === 'socket.open') {
      this.load();
      return;
    }
    if (f.room !== this.room.id) return;
    switch (f.type) {
      case 'subscribed':
        this.load();
        break;
      case 'presence': {
        const had = this.online.has(f.user.id);
        if (f.online && !had) {
          this.online.add(f.user.id);
          if (this.count != null) this.count++;
        } else if (!f.online && had) {
          this.online.delete(f.user.id);
          if (this.count != null) this.count--;
        }
        if (!f.online) this.typing.delete(f.user.id);
        if (this.count == null) this.count = this.online.size;
        this.onChange();
        break;
      }
      case 'typing': {
        if (f.user.id === this.me.id) return;
        // Trust the server's "until", but never longer than 10 s of our clock.
        const until = Math.min(Date.parse(f.until) || 0, Date.now() + 10_000);
        this.typing.set(f.user.id, { user: f.user, until });
        this.schedule();
        this.onChange();
        break;
      }
      case 'message.created': {
        const id = f.message?.user?.id;
        if (id && this.typing.delete(id)) this.onChange();
        break;
      }
    }
  }

  /** schedule drops typing entries when they expire. */
  schedule() {
    clearTimeout(this.expiry);
    const now = Date.now();
    let next = Infinity;
    let changed = false;
    for (const [id, t] of this.typing) {
      if (t.until <= now) {
        this.typing.delete(id);
        changed = true;
      } else next = Math.min(next, t.until);
    }
    if (changed) this.onChange();
    if (next !== Infinity) this.expiry = setTimeout(() => this.schedule(), next - now + 10);
  }

  /** typers returns the users typing now, not us. */
  typers() {
    const now = Date.now();
    return [...this.typing.values()].filter((t) => t.until > now).map((t) => t.user);
  }

  /** typed tells the room that we are typing, at most once every TYPING_EVERY. */
  typed() {
    const now = Date.now();
    if (now - this.lastTyping < TYPING_EVERY) return;
    const frame = { type: 'typing', room: this.room.id };
    if (this.socket) {
      if (this.socket.send(frame)) this.lastTyping = now;
      return;
    }
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.lastTyping = now;
    this.ws.send(JSON.stringify(frame));
  }

  /** sent forgets our throttle after a message, so the next typing shows at once. */
  sent() {
    this.lastTyping = 0;
  }
}
