// Unread badges: the signed-in user's unread count per room, read with one
// query (unreadCounts) and kept current by the event socket's unread
// frames (docs/events.md, "Unread"); read again after every reconnect, so
// counts missed while offline come back. Any element with data-unread-room
// set to a room id shows that room's badge.
import { h, roomPath } from './dom.js';
import { gql } from './api.js';
import { Q } from './queries.js';
import * as auth from './auth.js';
import { events } from './events.js';

/** CAP is the server's cap on a count (edusphere.UnreadCap): it shows as "99+". */
const CAP = 100;

const counts = new Map();
const roots = new Set();
let started = false;

/** badgeText is what a badge shows for n unread messages. */
export function badgeText(n) {
  return n >= CAP ? '99+' : String(n);
}

async function load() {
  try {
    const d = await gql('UnreadCounts', Q.UnreadCounts, {});
    counts.clear();
    for (const u of d.unreadCounts || []) counts.set(u.roomId, u.unreadCount);
    paint();
  } catch {
    // Offline: the next reconnect reads them again.
  }
}

function start() {
  if (started) return;
  started = true;
  const ev = events();
  ev.on((f) => {
    if (f.type === 'socket.open') load();
    if (f.type !== 'unread' || !f.room) return;
    const me = auth.user();
    if (typeof f.count === 'number') counts.set(f.room, f.count);
    else if (f.author !== me?.id && counts.has(f.room)) counts.set(f.room, Math.min(CAP, counts.get(f.room) + 1));
    else if (f.author !== me?.id) counts.set(f.room, 1);
    paint();
  });
  ev.ready();
  load();
}

/** paint updates every badge under the watched roots. */
function paint() {
  for (const root of roots) {
    if (!root.isConnected) {
      roots.delete(root);
      continue;
    }
    for (const el of root.querySelectorAll('[data-unread-room]')) {
      const n = counts.get(el.dataset.unreadRoom) || 0;
      let badge = el.querySelector(':scope > .unread-badge');
      if (!n) {
        badge?.remove();
        continue;
      }
      if (!badge) {
        badge = h('span', { class: 'badge unread-badge' });
        el.append(badge);
      }
      badge.replaceChildren(badgeText(n), h('span', { class: 'sr-only' }, ' unread'));
    }
  }
}

/** watchUnread shows live badges on the [data-unread-room] elements under root (signed in only). */
export function watchUnread(root) {
  if (!auth.user()) return;
  roots.add(root);
  start();
  paint();
}

/** setRoomRead sets a room's count (the room page marked it read). */
export function setRoomRead(roomId, count) {
  counts.set(roomId, count);
  paint();
}

/**
 * yourRoomsPanel is a side panel listing the user's rooms with their live
 * badges (one myRooms query); the open room is marked as current.
 */
export function yourRoomsPanel(currentId) {
  const list = h('ul', { class: 'mini-list unread-rooms' });
  const panel = h('section', { class: 'panel your-rooms', 'aria-labelledby': 'your-rooms-heading' },
    h('h2', { class: 'section-title', id: 'your-rooms-heading' }, 'Your rooms'), list);
  gql('MyRooms', Q.MyRooms, {}).then((d) => {
    const rooms = d.myRooms || [];
    for (const r of rooms) if (!counts.has(r.id) && r.unreadCount != null) counts.set(r.id, r.unreadCount);
    list.replaceChildren(...rooms.slice(0, 20).map((r) => h('li', { dataset: { unreadRoom: r.id } },
      h('a', { href: roomPath(r.host.username, r.slug), 'aria-current': r.id === currentId ? 'page' : null }, r.name))));
    watchUnread(list);
  }).catch(() => list.replaceChildren(h('li', { class: 'muted small' }, 'Could not load your rooms.')));
  return panel;
}
