// Live chat for one room: the WebSocket, reconnection with backoff, and the
// message list kept consistent across drops.
//
// Consistency rules:
//  - every server message is keyed by id, so a frame and a refetch of the
//    same message never make two rows;
//  - after each (re)connect the history is fetched again and merged: rows the
//    server no longer has are removed, unless they arrived live during the
//    fetch; ids deleted live are remembered so a slower fetch cannot revive
//    them; of two versions of a row the one with the later `updated` wins;
//  - a message typed while the socket is down, or not echoed in time, stays
//    in the list as "not sent" with a retry button; it is never resent
//    without the user asking, so nothing is posted twice.

const BASE_DELAY = 500;
const MAX_DELAY = 10_000;
const SEND_TIMEOUT = 8_000;

/** backoffDelay is the wait before reconnect attempt n (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt, rand = Math.random) {
  const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (rand() * ceiling) / 2);
}

/** socketURL builds the chat URL on this page's host, wss: under https:. */
export function socketURL(hostSlug, roomSlug, loc = location) {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws/chat/${encodeURIComponent(hostSlug)}/${encodeURIComponent(roomSlug)}`;
}

const later = (a, b) => (Date.parse(a) || 0) >= (Date.parse(b) || 0);

/** fromFrame turns a chat_message "new" frame into the GraphQL message shape. */
function fromFrame(f) {
  return {
    id: f.id,
    body: String(f.body ?? ''),
    edited: !!f.edited,
    created: f.created,
    updated: f.updated || f.created,
    user: { id: f.user_id, username: f.user, name: f.user, avatar: f.userAvatar || '' },
    replyTo: f.reply_to
      ? { id: f.reply_to.id, author: f.reply_to.user ? { id: f.reply_to.user_id, username: f.reply_to.user } : null, excerpt: String(f.reply_to.excerpt ?? ''), deleted: !!f.reply_to.deleted }
      : null,
  };
}

/**
 * Chat is the live state of one room. The page gives it:
 *   me            the signed-in user {id, username, ...}
 *   fetchHistory  async () => [message]   (the RoomMessages query)
 *   probe         async () => 'ok' | 'gone'   (is the room still there?)
 *   onChange()    the list changed; read chat.items()
 *   onStatus(s)   'connecting' | 'open' | 'reconnecting' | 'closed'
 *   onError(text) a server error frame or a refused action
 *   onGone()      the room no longer exists
 *   reauth        async () => boolean   (renew the session; false when it is over)
 *
 * Close codes (docs/websocket.md): 4401 ends the session's sockets, so the
 * token is renewed before reconnecting, and a failed renewal stops the
 * chat; 4403 (account disabled), 4404 (room deleted) and 4405 (no longer a
 * participant: removed or left) are final; any
 * other close reconnects with backoff and reloads the history.
 */
export class Chat {
  constructor({ hostSlug, roomSlug, me, fetchHistory, probe, onChange, onStatus, onError, onGone, onRemoved, reauth }) {
    Object.assign(this, { hostSlug, roomSlug, me, fetchHistory, probe, reauth });
    this.onChange = onChange || (() => {});
    this.onStatus = onStatus || (() => {});
    this.onError = onError || (() => {});
    this.onGone = onGone || (() => {});
    this.onRemoved = onRemoved || this.onGone;
    this.messages = new Map();
    this.tombstones = new Set();
    this.pending = [];
    this.ws = null;
    this.status = 'closed';
    this.attempt = 0;
    this.timer = 0;
    this.stopped = false;
    this.liveDuringFetch = null;
    this.seq = 0;
    this.nextAttemptAt = 0;
    this.onOnline = () => { if (this.status === 'reconnecting') this.connectNow(); };
    this.onVisible = () => { if (document.visibilityState === 'visible' && this.status === 'reconnecting') this.connectNow(); };
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  /** setHistory loads the initial list (already fetched by the page). */
  setHistory(list) {
    this.merge(list, new Set());
  }

  /** items returns messages in time order followed by unsent ones. */
  items() {
    const list = [...this.messages.values()].sort((a, b) => (Date.parse(a.created) || 0) - (Date.parse(b.created) || 0));
    return list.concat(this.pending.map((p) => ({
      id: p.localId, local: true, state: p.state, body: p.body, created: p.created, updated: p.created,
      edited: false, error: p.error, user: this.me,
    })));
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.onStatus(s);
  }

  /** start opens the socket. */
  start() {
    this.stopped = false;
    this.connect();
  }

  /** stop closes the socket for good (leaving the page). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    for (const p of this.pending) clearTimeout(p.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
      try { ws.close(1000, 'leaving'); } catch { /* already closed */ }
    }
    this.setStatus('closed');
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.setStatus(this.attempt === 0 && this.status !== 'reconnecting' ? 'connecting' : 'reconnecting');
    let ws;
    try {
      ws = new WebSocket(socketURL(this.hostSlug, this.roomSlug));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setStatus('open');
      this.resync();
    };
    ws.onmessage = (ev) => { if (this.ws === ws) this.handleFrame(ev.data); };
    ws.onerror = () => { /* onclose follows and schedules the reconnect */ };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.socketClosed(ev?.code);
    };
  }

  /** socketClosed decides from the close code whether and how to reconnect. */
  async socketClosed(code) {
    if (code === 4404) {
      this.stop();
      this.onGone();
      return;
    }
    if (code === 4405) {
      this.stop();
      this.onRemoved();
      return;
    }
    if (code === 4401 && this.reauth) {
      // The session ended: reconnect only once it is renewed.
      this.socketLost(false);
      const ok = await this.reauth().catch(() => false);
      if (this.stopped) return;
      if (ok) this.connectNow();
      else this.stop();
      return;
    }
    if (code === 4403) {
      // The account can no longer chat; asking for a renewal lets the
      // sign-in state find out and sign out.
      this.socketLost(false);
      this.stop();
      this.reauth?.().catch(() => {});
      return;
    }
    this.socketLost();
  }

  /** connectNow skips the current backoff wait (back online, tab visible, user asked). */
  connectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }

  socketLost(reconnect = true) {
    // Unconfirmed sends may or may not have reached the server: the next
    // resync decides; until then they wait.
    for (const p of this.pending) if (p.state === 'sending') { clearTimeout(p.timer); p.state = 'unconfirmed'; }
    this.onChange();
    if (reconnect) this.scheduleReconnect();
    else this.setStatus('reconnecting');
  }

  async scheduleReconnect() {
    if (this.stopped) return;
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt);
    this.attempt++;
    this.nextAttemptAt = Date.now() + delay;
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (this.stopped) return;
      // After a failed handshake the room may be gone (or we were removed):
      // a cheap query tells a deleted room from a network problem.
      if (this.attempt >= 2 && this.probe) {
        try {
          if ((await this.probe()) === 'gone') {
            this.stop();
            this.onGone();
            return;
          }
        } catch {
          // Still offline: keep trying.
        }
      }
      if (!this.stopped && !this.ws) this.connect();
    }, delay);
  }

  async resync() {
    const live = new Set();
    this.liveDuringFetch = live;
    const ws = this.ws;
    try {
      const list = await this.fetchHistory();
      if (this.stopped || this.liveDuringFetch !== live) return;
      this.merge(list, live);
    } catch (e) {
      // The socket is up but history failed: try again shortly.
      if (!this.stopped && this.ws === ws) setTimeout(() => { if (this.ws === ws) this.resync(); }, 2000);
    } finally {
      if (this.liveDuringFetch === live) this.liveDuringFetch = null;
    }
  }

  /** merge applies a fetched history: adds, updates and removes by id. */
  merge(list, live) {
    const before = new Set(this.messages.keys());
    const seen = new Set();
    for (const m of list) {
      if (!m || !m.id || this.tombstones.has(m.id)) continue;
      seen.add(m.id);
      const cur = this.messages.get(m.id);
      if (!cur || later(m.updated, cur.updated)) this.messages.set(m.id, m);
    }
    for (const id of [...this.messages.keys()]) if (!seen.has(id) && !live.has(id)) this.messages.delete(id);
    // Sends whose echo was lost with the socket: confirmed if the server
    // has a new message of ours with that body, else "not sent".
    const fresh = list.filter((m) => m && !before.has(m.id) && m.user?.id === this.me?.id);
    for (const p of [...this.pending]) {
      if (p.state !== 'unconfirmed') continue;
      const i = fresh.findIndex((m) => m.body === p.body);
      if (i >= 0) {
        fresh.splice(i, 1);
        this.dropPending(p);
      } else {
        p.state = 'failed';
        p.error = 'Not sent';
      }
    }
    this.onChange();
  }

  handleFrame(data) {
    let f;
    try { f = JSON.parse(data); } catch { return; }
    if (!f || typeof f !== 'object') return;
    if (f.error) {
      this.serverError(String(f.error));
      return;
    }
    if (f.type !== 'chat_message' || !f.id) return;
    if (this.liveDuringFetch) this.liveDuringFetch.add(f.id);
    if (f.action === 'new') {
      if (this.tombstones.has(f.id)) return;
      const m = fromFrame(f);
      if (m.user.id === this.me?.id) {
        const p = this.pending.find((x) => (x.state === 'sending' || x.state === 'unconfirmed') && x.body === m.body);
        if (p) this.dropPending(p);
      }
      const cur = this.messages.get(m.id);
      if (cur) m.user = { ...m.user, ...cur.user };
      this.messages.set(m.id, cur && !later(m.updated, cur.updated) ? cur : m);
      this.onChange('new', m);
    } else if (f.action === 'update') {
      const cur = this.messages.get(f.id) || [...this.messages.values()].find((m) => m.id.toLowerCase() === String(f.id).toLowerCase());
      if (!cur) return;
      this.messages.set(cur.id, { ...cur, body: String(f.body ?? cur.body), edited: f.edited ?? true, updated: f.updated || cur.updated });
      this.onChange('update', cur);
    } else if (f.action === 'delete') {
      const id = [...this.messages.keys()].find((k) => k.toLowerCase() === String(f.id).toLowerCase()) || f.id;
      this.tombstones.add(id);
      this.messages.delete(id);
      // Replies to it now quote a deleted message.
      for (const [k, m] of this.messages) {
        if (m.replyTo && m.replyTo.id.toLowerCase() === String(id).toLowerCase()) {
          this.messages.set(k, { ...m, replyTo: { id: m.replyTo.id, author: null, excerpt: '', deleted: true } });
        }
      }
      this.onChange('delete');
    }
  }

  serverError(text) {
    // Only a text send can fail with this one; blame the oldest unconfirmed send.
    if (text === 'Message exceeds 500 characters.') {
      const p = this.pending.find((x) => x.state === 'sending');
      if (p) {
        clearTimeout(p.timer);
        p.state = 'failed';
        p.error = text;
        this.onChange();
        return;
      }
    }
    this.onError(text);
  }

  sendFrame(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify({ ...obj, timestamp: new Date().toISOString() }));
      return true;
    } catch {
      return false;
    }
  }

  /** send posts a new message, a reply to message replyTo when given; while offline it is kept as "not sent". */
  send(body, replyTo = null) {
    const p = { localId: `local-${++this.seq}`, body, replyTo, created: new Date().toISOString(), state: 'sending', error: '', timer: 0 };
    this.pending.push(p);
    this.transmit(p);
    this.onChange('send');
    return p.localId;
  }

  transmit(p) {
    if (this.sendFrame(p.replyTo ? { type: 'text', message: p.body, reply_to: p.replyTo } : { type: 'text', message: p.body })) {
      p.state = 'sending';
      p.error = '';
      clearTimeout(p.timer);
      p.timer = setTimeout(() => {
        if (p.state === 'sending') {
          p.state = 'failed';
          p.error = 'No answer from the server';
          this.onChange();
        }
      }, SEND_TIMEOUT);
    } else {
      p.state = 'failed';
      p.error = 'Not sent';
    }
  }

  /** retry sends an unsent message again. */
  retry(localId) {
    const p = this.pending.find((x) => x.localId === localId);
    if (!p) return;
    this.transmit(p);
    if (p.state === 'failed') {
      this.onError('Still offline — the message will stay here until you retry.');
      this.connectNow();
    }
    this.onChange();
  }

  /** discard drops an unsent message. */
  discard(localId) {
    const p = this.pending.find((x) => x.localId === localId);
    if (p) this.dropPending(p);
    this.onChange();
  }

  dropPending(p) {
    clearTimeout(p.timer);
    this.pending = this.pending.filter((x) => x !== p);
  }

  /** edit changes one of our messages; false when offline. */
  edit(id, body) {
    return this.sendFrame({ type: 'update', messageId: id, message: body });
  }

  /** remove deletes one of our messages; false when offline. */
  remove(id) {
    return this.sendFrame({ type: 'delete', messageId: id });
  }
}
