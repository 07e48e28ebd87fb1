// A room's live messages over the tab's event socket (events.js), with the
// interface of Chat (chat.js) so that the room page drives either: the
// newest history page first, older pages on demand (infinite scroll), then
// every change after the page's sequence number. After a drop the socket
// resubscribes from the last number it delivered and the server replays
// what was missed, edits and deletions included; "too far behind"
// (recovered: false) reloads the newest page (docs/events.md, "Subscribing").
import { events } from './events.js';
import { gql } from './api.js';
import { Q } from './queries.js';

const SEND_TIMEOUT = 8_000;
const MARK_DELAY = 800;

/** fromEvent turns an event socket message object into the GraphQL message shape. */
export function fromEvent(m, seq) {
  const u = m.user || {};
  return {
    id: m.id,
    body: String(m.body ?? ''),
    edited: !!m.edited,
    created: m.created,
    updated: m.updated || m.created,
    seq,
    user: { id: u.id, username: u.username, name: u.username, avatar: u.avatar || '' },
  };
}

/** openFeed returns a RoomFeed when the event socket opens, else null (use Chat). */
export async function openFeed(opts) {
  if (typeof WebSocket === 'undefined' || !(await events().ready())) return null;
  return new RoomFeed(opts);
}

/**
 * RoomFeed is the live state of one room on the event socket. The page gives
 * Chat's options plus:
 *   roomId     the room's uuid
 *   page       the newest history page {messages, hasMore, next, seq}
 *   markRead   whether to move the read marker as messages are shown
 */
export class RoomFeed {
  constructor({ roomId, hostSlug, roomSlug, me, page, onChange, onStatus, onError, onGone, onRemoved, markRead = true }) {
    Object.assign(this, { roomId, hostSlug, roomSlug, me, markRead });
    this.onChange = onChange || (() => {});
    this.onStatus = onStatus || (() => {});
    this.onError = onError || (() => {});
    this.onGone = onGone || (() => {});
    this.onRemoved = onRemoved || this.onGone;
    this.messages = new Map();
    this.pending = [];
    this.local = 0;
    this.status = 'closed';
    this.stopped = false;
    this.readSeq = 0;
    this.markTimer = 0;
    this.loadingOlder = null;
    this.setPage(page);
    this.onVisible = () => { if (document.visibilityState === 'visible') this.scheduleMark(); };
    document.addEventListener('visibilitychange', this.onVisible);
  }

  /** setPage replaces what the feed shows with the newest page. */
  setPage(page) {
    this.messages.clear();
    for (const m of page?.messages || []) this.messages.set(m.id, m);
    this.hasMore = !!page?.hasMore;
    this.next = page?.next || null;
    this.seq = page?.seq || 0;
  }

  /** setHistory is Chat's: the page already holds the history. */
  setHistory() {}

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

  start() {
    const ev = events();
    this.setStatus(ev.open ? 'open' : 'connecting');
    this.offSocket = ev.on((f) => {
      if (f.type === 'socket.open') this.setStatus('open');
      else if (f.type === 'socket.closed') this.socketLost(f.code);
    });
    this.unsubscribe = ev.subscribe(this.roomId, this.seq, (f) => this.frame(f));
  }

  stop() {
    this.stopped = true;
    this.unsubscribe?.();
    this.offSocket?.();
    clearTimeout(this.markTimer);
    document.removeEventListener('visibilitychange', this.onVisible);
    for (const p of this.pending) clearTimeout(p.timer);
    this.setStatus('closed');
  }

  connectNow() {
    events().connectNow();
  }

  socketLost(code) {
    for (const p of this.pending) if (p.state === 'sending') { clearTimeout(p.timer); p.state = 'unconfirmed'; }
    this.setStatus(code === 4403 ? 'closed' : 'reconnecting');
    this.onChange();
  }

  frame(f) {
    if (this.stopped) return;
    switch (f.type) {
      case 'message.created': {
        const m = fromEvent(f.message, f.seq);
        if (f.message.replyTo) {
          const parent = this.messages.get(f.message.replyTo);
          m.replyTo = {
            id: f.message.replyTo, deleted: false,
            author: parent ? { id: parent.user?.id, username: parent.user?.username } : null,
            excerpt: parent ? [...String(parent.body).replace(/\s+/g, ' ').trim()].slice(0, 140).join('') : '',
          };
        }
        const cur = this.messages.get(m.id);
        if (cur) m.user = { ...m.user, ...cur.user };
        this.messages.set(m.id, m);
        if (m.user.id === this.me?.id) this.confirm(m);
        this.onChange('new', m);
        this.scheduleMark();
        break;
      }
      case 'message.updated': {
        const cur = this.messages.get(f.message?.id);
        if (!cur) return;
        this.messages.set(cur.id, { ...cur, body: String(f.message.body ?? cur.body), edited: f.message.edited ?? true, updated: f.message.updated || cur.updated, seq: f.seq });
        this.onChange('update', cur);
        break;
      }
      case 'message.deleted':
        if (this.messages.delete(f.id)) {
          for (const [k, m] of this.messages) {
            if (m.replyTo?.id === f.id) this.messages.set(k, { ...m, replyTo: { id: f.id, author: null, excerpt: '', deleted: true } });
          }
          this.onChange('delete');
        }
        break;
      case 'subscribed':
        this.setStatus('open');
        if (f.recovered === false && f.seq !== this.seq) this.reload();
        else this.settleUnconfirmed();
        this.seq = f.seq;
        this.scheduleMark();
        break;
      case 'room.deleted':
        this.stop();
        this.onGone();
        break;
      case 'participant.left':
      case 'participant.removed':
        // The socket's own user is no longer a participant (docs/events.md).
        if (f.user?.id === this.me?.id) {
          this.stop();
          this.onRemoved();
        }
        break;
      default:
    }
  }

  /** reload shows the newest page again: the socket was too far behind to catch up. */
  async reload() {
    try {
      const d = await gql('MessagePage', Q.MessagePage, { hostSlug: this.hostSlug, roomSlug: this.roomSlug, last: 50 });
      if (this.stopped) return;
      const mine = new Set([...this.messages.values()].filter((m) => m.user?.id === this.me?.id).map((m) => m.id));
      this.setPage(d.messagePage);
      events().resubscribe(this.roomId, this.seq);
      for (const m of this.messages.values()) if (m.user?.id === this.me?.id && !mine.has(m.id)) this.confirm(m);
      this.settleUnconfirmed();
      this.onChange('reload');
    } catch (e) {
      if (!this.stopped) setTimeout(() => this.reload(), 2000);
    }
  }

  /** confirm drops the send that m is the echo of. */
  confirm(m) {
    const p = this.pending.find((x) => x.id === m.id)
      || this.pending.find((x) => !x.id && (x.state === 'sending' || x.state === 'unconfirmed') && x.body === m.body);
    if (p) this.dropPending(p);
  }

  /** settleUnconfirmed: after a catch-up, a send the server never stored is "not sent". */
  settleUnconfirmed() {
    let changed = false;
    for (const p of this.pending) {
      if (p.state !== 'unconfirmed') continue;
      p.state = 'failed';
      p.error = 'Not sent';
      changed = true;
    }
    if (changed) this.onChange();
  }

  /** olderPage loads the page before the oldest message shown; false when there is none. */
  olderPage() {
    if (!this.hasMore || !this.next) return Promise.resolve(false);
    if (this.loadingOlder) return this.loadingOlder;
    this.loadingOlder = gql('MessagePage', Q.MessagePage, { hostSlug: this.hostSlug, roomSlug: this.roomSlug, last: 50, before: this.next })
      .then((d) => {
        const p = d.messagePage;
        for (const m of p.messages) if (!this.messages.has(m.id)) this.messages.set(m.id, m);
        this.hasMore = p.hasMore;
        this.next = p.next;
        this.onChange('older');
        return true;
      })
      .finally(() => { this.loadingOlder = null; });
    return this.loadingOlder;
  }

  /** scheduleMark moves the read marker to what the visible tab shows. */
  scheduleMark() {
    if (!this.markRead || this.stopped || document.visibilityState !== 'visible') return;
    clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => {
      const seq = Math.max(this.seq, ...[...this.messages.values()].map((m) => m.seq || 0));
      if (seq <= this.readSeq) return;
      this.readSeq = seq;
      gql('MarkRoomRead', Q.MarkRoomRead, { roomId: this.roomId, seq }).catch(() => { this.readSeq = 0; });
    }, MARK_DELAY);
  }

  send(body, replyTo = null) {
    const p = { localId: `local-${++this.local}`, body, replyTo, created: new Date().toISOString(), state: 'sending', error: '', timer: 0, id: null };
    this.pending.push(p);
    this.transmit(p);
    this.onChange('send');
    return p.localId;
  }

  transmit(p) {
    if (!events().open) {
      p.state = 'failed';
      p.error = 'Not sent';
      return;
    }
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
    events().request(p.replyTo ? { type: 'send', room: this.roomId, message: p.body, replyTo: p.replyTo } : { type: 'send', room: this.roomId, message: p.body }).then((ack) => {
      p.id = ack.id;
      if (this.messages.has(ack.id)) this.dropPending(p);
      this.onChange();
    }, (err) => {
      if (err?.lost) return; // unconfirmed: the catch-up decides
      clearTimeout(p.timer);
      p.state = 'failed';
      p.error = String(err?.error || 'Not sent');
      this.onChange();
    });
  }

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

  discard(localId) {
    const p = this.pending.find((x) => x.localId === localId);
    if (p) this.dropPending(p);
    this.onChange();
  }

  dropPending(p) {
    clearTimeout(p.timer);
    this.pending = this.pending.filter((x) => x !== p);
  }

  /** change sends an edit or a deletion; false when offline. */
  change(frame) {
    if (!events().open) return false;
    events().request(frame).catch((err) => { if (!err?.lost) this.onError(String(err?.error || 'Not saved')); });
    return true;
  }

  edit(id, body) {
    return this.change({ type: 'edit', id, message: body });
  }

  remove(id) {
    return this.change({ type: 'delete', id });
  }
}
