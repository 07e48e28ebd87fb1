// Room (/u/<host>/<room>): details, participants, join, host actions and
// the live chat. History and the socket load only for participants, as in
// the original product.
import { h, icon, avatarImg, timeEl, timeAgo, plural, roomPath, userPath } from '../dom.js';
import { gql } from '../api.js';
import { Q } from '../queries.js';
import * as auth from '../auth.js';
import { Chat } from '../chat.js';
import { RoomPresence, typingText } from '../presence.js';
import { openFeed } from '../feed.js';
import { events } from '../events.js';
import { yourRoomsPanel } from '../unread.js';
import { toast, confirmDialog, busy } from '../ui.js';
import * as membership from '../membership.js';
import { replyQuote, replyBar, jumpTo, reportDialog } from '../threads.js';

const MAX_BODY = 500;

export async function render(ctx) {
  const { host, room: slug } = ctx.params;
  const me = auth.user();
  ctx.setTitle('Room');
  ctx.main.setAttribute('aria-busy', 'true');

  let room;
  let history = null;
  let page = null; // the newest history page (docs/events.md, "History paging")
  try {
    if (me) {
      const d = await gql('RoomWithPage', Q.RoomWithPage, { hostSlug: host, roomSlug: slug, last: 50 }).catch((e) => {
        // Rooms may hide messages from non-participants; keep the room.
        if (e.data?.room) return { room: e.data.room, messagePage: null };
        throw e;
      });
      room = d.room;
      page = d.messagePage;
      history = page?.messages || null;
    } else {
      room = (await gql('Room', Q.Room, { hostSlug: host, roomSlug: slug })).room;
    }
  } catch (e) {
    if (ctx.signal.aborted) return;
    ctx.main.removeAttribute('aria-busy');
    ctx.setTitle('Room not found');
    ctx.main.append(h('section', { class: 'empty-state' },
      h('h1', null, e.isNotFound ? 'Room not found' : 'Could not load this room'),
      h('p', null, e.isNotFound ? 'Room not found or you don’t have access.' : e.message),
      h('p', null, h('a', { class: 'btn', href: '/' }, 'Back to home'))));
    return;
  }
  if (ctx.signal.aborted || !room) return;
  performance.mark('room:data');
  ctx.main.removeAttribute('aria-busy');
  ctx.setTitle(room.name);

  const isHost = me && room.host.id === me.id;
  const isParticipant = () => me && room.participants.some((p) => p.id === me.id);
  const members = membership.forRoom(ctx, room, me, { reload: () => ctx.navigate(location.pathname, { replace: true }) });

  // Participants ---------------------------------------------------------
  const partHeading = h('h2', { class: 'section-title', id: 'participants-heading' });
  const partList = h('ul', { class: 'participants' });
  // Who is online (presence.js); null until known.
  const onlineLine = h('p', { class: 'online-count muted small', hidden: true });
  let presence = null;
  // Authors of live messages who were not participants when the page
  // loaded: they joined since. Chat frames carry only the username, so the
  // room is read again for their names and avatars.
  const newcomers = new Map();
  let participantsReq = null;
  let participantsAgain = false;
  function refreshParticipants() {
    if (participantsReq) {
      participantsAgain = true;
      return;
    }
    participantsReq = gql('Room', Q.Room, { hostSlug: room.host.username, roomSlug: room.slug })
      .then((d) => { if (d.room && !ctx.signal.aborted) room.participants = d.room.participants; })
      .catch(() => { /* keep what the frames said */ })
      .finally(() => {
        participantsReq = null;
        if (ctx.signal.aborted) return;
        if (participantsAgain) {
          participantsAgain = false;
          refreshParticipants();
          return;
        }
        for (const [id, u] of newcomers) if (!room.participants.some((p) => p.id === id)) room.participants.push(u);
        newcomers.clear();
        renderParticipants();
        renderMessages(false);
      });
  }
  function renderParticipants() {
    partHeading.replaceChildren(icon('users', 16), ' ', plural(room.participants.length, 'participant'));
    const known = presence?.count != null;
    onlineLine.hidden = !known;
    onlineLine.textContent = known ? `${presence.count} online` : '';
    const dot = (p) => {
      if (!known) return null;
      const on = presence.online.has(p.id);
      return h('span', { class: `presence-dot${on ? ' online' : ''}`, role: 'img', 'aria-label': on ? 'online' : 'offline', title: on ? 'Online' : 'Offline' });
    };
    partList.replaceChildren(...room.participants.map((p) => h('li', { dataset: { user: p.id } },
      h('a', { href: userPath(p.username) }, avatarImg(p.avatar, 28), dot(p), h('span', { class: 'participant-name' }, p.name || p.username),
        p.id === room.host.id ? h('span', { class: 'badge' }, 'host') : null,
        me && p.id === me.id ? h('span', { class: 'badge badge-soft' }, 'you') : null), members.actions(p))));
  }
  renderParticipants();

  // Header ---------------------------------------------------------------
  const hostActions = isHost ? h('div', { class: 'room-actions' },
    h('a', { class: 'btn btn-sm', href: roomPath(room.host.username, room.slug) + '/edit' }, icon('edit', 16), 'Edit room'),
    h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', onclick: deleteRoom }, icon('trash', 16), 'Delete')) : null;
  // On narrow screens a long description keeps to three lines (app.css)
  // until the reader asks for the rest, so the chat keeps its room.
  const description = room.description ? h('p', { class: 'room-description', id: 'room-description' }, room.description) : null;
  const moreBtn = description ? h('button', { type: 'button', class: 'link-btn more-btn', 'aria-controls': 'room-description', 'aria-expanded': 'false', hidden: true }, 'Show more') : null;
  let clampWatch = null;
  if (description) {
    moreBtn.addEventListener('click', () => {
      const open = description.classList.toggle('expanded');
      moreBtn.setAttribute('aria-expanded', String(open));
      moreBtn.textContent = open ? 'Show less' : 'Show more';
    });
    clampWatch = new ResizeObserver(() => {
      moreBtn.hidden = !description.classList.contains('expanded') && description.scrollHeight <= description.clientHeight + 1;
    });
    clampWatch.observe(description);
  }
  const header = h('header', { class: 'room-header' },
    h('div', { class: 'room-header-top' },
      h('a', { class: 'back-link', href: '/' }, icon('back', 16), 'All rooms'),
      hostActions),
    h('h1', { class: 'room-name' }, room.name),
    h('p', { class: 'room-meta muted' },
      h('span', { class: 'chip' }, icon('hash', 14), room.topic.name), ' Hosted by ',
      h('a', { href: userPath(room.host.username) }, '@' + room.host.username), ' · created ', timeEl(room.created, '')),
    description ? [description, moreBtn] : null);
  members.decorate(header);

  async function deleteRoom() {
    if (!(await confirmDialog('Delete this room?', `“${room.name}” and all its messages will be deleted for everyone. This cannot be undone.`, 'Delete room'))) return;
    try {
      await gql('DeleteRoom', Q.DeleteRoom, { hostSlug: room.host.username, roomSlug: room.slug });
      toast('The room was deleted.', 'ok');
      ctx.navigate('/');
    } catch (e) {
      toast(e.messages.join(' '), 'error');
    }
  }

  // Chat area ------------------------------------------------------------
  const status = h('div', { class: 'conn-status', role: 'status', hidden: true });
  // The server's messages form the live log (a screen reader announces
  // each new one). The log goes live only after the history is in, so the
  // backlog is not read out. Messages still being sent wait in the outbox,
  // outside the log: yours is announced once, when the server has it.
  const list = h('ol', { class: 'messages' });
  const log = h('div', { class: 'message-log', role: 'log', 'aria-label': 'Messages', 'aria-live': 'off', 'aria-relevant': 'additions' }, list);
  const outbox = h('ol', { class: 'messages outbox', 'aria-label': 'Outgoing messages' });
  const empty = h('p', { class: 'messages-empty muted', hidden: true }, 'No messages yet. Say hello!');
  const pane = h('div', { class: 'message-pane', tabindex: '0', role: 'group', 'aria-label': 'Conversation' }, empty, log, outbox);
  const typingLine = h('p', { class: 'typing-line muted small', 'aria-live': 'polite' });
  const bottom = h('div', { class: 'composer-slot' }, typingLine);
  const chatSection = h('section', { class: 'chat card', 'aria-label': 'Chat' }, status, pane, bottom);

  ctx.main.append(h('div', { class: 'layout-room', dataset: { room: room.id } },
    h('div', { class: 'room-main' }, header, chatSection),
    h('aside', { class: 'panel room-side', 'aria-labelledby': 'participants-heading' }, partHeading, onlineLine, partList,
      me ? yourRoomsPanel(room.id) : null)));

  let chat = null;
  let editing = null;
  const rows = new Map();
  let clock = 0;

  const cleanup = () => {
    chat?.stop();
    presence?.stop();
    clearInterval(clock);
    clampWatch?.disconnect();
  };

  if (!me) {
    bottom.append(h('div', { class: 'prompt' },
      h('p', null, 'Sign in to read the conversation and take part.'),
      h('a', { class: 'btn btn-primary', href: `/login?redirect=${encodeURIComponent(location.pathname)}` }, 'Sign in')));
    pane.hidden = true;
    chatSection.classList.add('chat-prompt');
    return cleanup;
  }
  if (!isParticipant()) {
    const joinBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-autofocus': true }, 'Join room');
    joinBtn.addEventListener('click', () => busy(joinBtn, 'Joining…', async () => {
      try {
        await gql('JoinRoom', Q.JoinRoom, { hostSlug: room.host.username, roomSlug: room.slug });
        toast(`You joined ${room.name}.`, 'ok');
        ctx.navigate(location.pathname, { replace: true });
      } catch (e) {
        toast(e.messages.join(' '), 'error');
      }
    }));
    bottom.append(h('div', { class: 'prompt' }, h('p', null, 'Join this room to read the conversation and send messages.'), joinBtn));
    pane.hidden = true;
    chatSection.classList.add('chat-prompt');
    return cleanup;
  }

  // Composer -------------------------------------------------------------
  const input = h('textarea', { id: 'composer', name: 'message', rows: 1, maxlength: MAX_BODY, placeholder: `Message ${room.name}`, autocomplete: 'off', 'aria-describedby': 'composer-count' });
  const counter = h('span', { id: 'composer-count', class: 'counter muted small', 'aria-live': 'polite' });
  const sendBtn = h('button', { type: 'submit', class: 'btn btn-primary send-btn', 'aria-label': 'Send message' }, icon('send', 18), h('span', { class: 'hide-sm' }, 'Send'));
  const composer = h('form', { class: 'composer' },
    h('label', { for: 'composer', class: 'sr-only' }, 'Message'), input, counter, sendBtn);
  bottom.append(composer);
  let replying = null; // the message the next send answers
  function setReply(m) {
    replying = m;
    composer.querySelector('.reply-bar')?.remove();
    if (m) {
      composer.prepend(replyBar(m, authorName(m.user), () => setReply(null)));
      input.focus();
    }
  }

  const grow = () => {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 160) + 'px';
    const left = MAX_BODY - [...input.value].length;
    counter.textContent = left < 100 ? `${left} characters left` : '';
  };
  input.addEventListener('input', grow);
  input.addEventListener('input', () => { if (input.value.trim()) presence?.typed(); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if ([...body].length > MAX_BODY) {
      toast(`Messages can have at most ${MAX_BODY} characters.`, 'error');
      return;
    }
    chat.send(body, replying?.id);
    setReply(null);
    presence?.sent();
    input.value = '';
    grow();
    scrollToBottom();
    input.focus();
  });

  // Messages -------------------------------------------------------------
  const nearBottom = () => pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
  const scrollToBottom = () => { pane.scrollTop = pane.scrollHeight; };

  // Live frames carry only the username; the participant list knows names.
  function authorName(u) {
    const p = u && room.participants.find((x) => x.id === u.id);
    return p?.name || u?.name || u?.username || 'unknown';
  }

  function messageEl(m) {
    const own = m.user?.id === me.id;
    const li = h('li', { class: `msg${own ? ' own' : ''}${m.local ? ` msg-${m.state}` : ''}${m.id === firstUnread ? ' first-unread' : ''}`, id: m.local ? null : `m-${m.id}`, dataset: { id: m.id } });
    if (m.id === firstUnread) li.append(h('div', { class: 'new-divider', role: 'separator' }, h('span', null, 'New messages')));
    const meta = h('div', { class: 'msg-meta' },
      h('a', { class: 'msg-author', href: userPath(m.user?.username || '') }, authorName(m.user)),
      m.local ? null : timeEl(m.created, 'msg-time muted small'),
      m.edited && !m.local ? h('span', { class: 'muted small edited' }, '(edited)') : null);
    const body = h('div', { class: 'msg-content' }, meta, m.local ? null : replyQuote(m.replyTo, jumpToParent));
    if (editing === m.id && !m.local) {
      body.append(editForm(m));
    } else {
      body.append(h('p', { class: 'msg-text' }, m.body));
    }
    if (m.local) {
      if (m.state === 'failed') {
        body.append(h('p', { class: 'msg-failed', role: 'alert' },
          icon('wifiOff', 14), ` ${m.error && m.error !== 'Not sent' ? `Not sent: ${m.error}` : 'Not sent'} — `,
          h('button', { type: 'button', class: 'link-btn', onclick: () => chat.retry(m.id) }, 'Retry'),
          ' · ',
          h('button', { type: 'button', class: 'link-btn', onclick: () => chat.discard(m.id) }, 'Discard')));
      } else {
        body.append(h('p', { class: 'muted small' }, 'Sending…'));
      }
    } else if (editing !== m.id) {
      const reply = h('button', { type: 'button', class: 'link-btn small reply-btn', onclick: () => setReply(m) }, 'Reply');
      body.append(own
        ? h('div', { class: 'msg-actions' }, reply,
          h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Edit message', title: 'Edit', onclick: () => startEdit(m.id) }, icon('edit', 16)),
          h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Delete message', title: 'Delete', onclick: () => deleteMessage(m) }, icon('trash', 16)))
        : h('div', { class: 'msg-actions' }, reply,
          h('button', { type: 'button', class: 'link-btn small report-btn', onclick: () => reportDialog(m) }, 'Report')));
    }
    li.append(avatarImg(m.user?.avatar, 36), body);
    return li;
  }

  function jumpToParent(id) {
    if (!jumpTo(id)) toast('That message is not in the loaded history.', 'error');
  }

  function editForm(m) {
    const ta = h('textarea', { class: 'edit-input', rows: 2, maxlength: MAX_BODY, 'aria-label': 'Edit message' });
    ta.value = m.body;
    const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => stopEdit(m.id) }, 'Cancel');
    const form = h('form', { class: 'edit-form' }, ta, h('div', { class: 'edit-buttons' }, h('span', { class: 'muted small' }, 'Enter to save · Esc to cancel'), cancel, save));
    ta.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); stopEdit(m.id); }
      else if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = ta.value.trim();
      if (!body || body === m.body) { stopEdit(m.id); return; }
      if (!chat.edit(m.id, body)) {
        toast('You are offline. The edit was not sent; try again when the connection is back.', 'error');
        return;
      }
      stopEdit(m.id);
    });
    queueMicrotask(() => { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); });
    return form;
  }

  function startEdit(id) {
    editing = id;
    renderMessages(false);
  }

  function stopEdit(id) {
    if (editing !== id) return;
    editing = null;
    renderMessages(false);
    document.querySelector(`#m-${CSS.escape(id)} .msg-actions button[aria-label="Edit message"]`)?.focus();
  }

  async function deleteMessage(m) {
    if (!(await confirmDialog('Delete this message?', 'It will be removed for everyone in the room.', 'Delete message'))) return;
    if (!chat.remove(m.id)) toast('You are offline. The message was not deleted; try again when the connection is back.', 'error');
  }

  // renderMessages brings the log and the outbox in line with the chat's
  // items, touching only rows that changed. An author's name that became
  // known later is changed in place: a replaced row would be announced again.
  function renderMessages(follow) {
    const stick = follow ?? nearBottom();
    const items = chat.items();
    const keep = new Set();
    const last = new Map();
    for (const m of items) {
      const sig = m.local ? `L|${m.state}|${m.error}` : `${m.updated}|${m.edited}|${m.body}|${editing === m.id}|${m.user?.avatar}|${m.replyTo?.deleted}`;
      let row = rows.get(m.id);
      if (!row || row.sig !== sig) {
        const el = messageEl(m);
        if (row) row.el.replaceWith(el);
        row = { el, sig, author: el.querySelector('.msg-author') };
        rows.set(m.id, row);
      } else if (row.author && row.author.textContent !== authorName(m.user)) {
        row.author.textContent = authorName(m.user);
      }
      keep.add(m.id);
      const parent = m.local ? outbox : list;
      const prev = last.get(parent);
      const expected = prev ? prev.nextSibling : parent.firstChild;
      if (row.el !== expected) parent.insertBefore(row.el, expected);
      last.set(parent, row.el);
    }
    for (const [k, row] of rows) {
      if (!keep.has(k)) {
        row.el.remove();
        rows.delete(k);
        if (editing === k) editing = null;
      }
    }
    empty.hidden = items.length > 0;
    if (stick) scrollToBottom();
  }

  function showStatus(s) {
    const el = ctx.main.querySelector('.layout-room');
    if (el) el.dataset.live = s;
    if (s === 'open' || s === 'closed') {
      status.hidden = true;
      status.replaceChildren();
      return;
    }
    status.hidden = false;
    status.className = `conn-status conn-${s}`;
    if (s === 'connecting') status.replaceChildren(h('span', { class: 'dot' }), 'Connecting…');
    else {
      status.replaceChildren(icon('wifiOff', 16), h('span', null, 'Connection lost. Reconnecting…'),
        h('button', { type: 'button', class: 'link-btn', onclick: () => chat.connectNow() }, 'Retry now'));
    }
  }

  // "New messages" goes above the oldest of the unread ones, which are
  // the newest room.unreadCount messages by others.
  let firstUnread = null;
  if (page && room.unreadCount > 0) {
    let n = room.unreadCount;
    for (let i = page.messages.length - 1; i >= 0 && n > 0; i--) {
      if (page.messages[i].user?.id === me.id) continue;
      firstUnread = page.messages[i].id;
      n--;
    }
  }
  const chatOpts = {
    hostSlug: room.host.username,
    roomSlug: room.slug,
    me,
    fetchHistory: async () => (await gql('RoomMessages', Q.RoomMessages, { hostSlug: room.host.username, roomSlug: room.slug })).messages || [],
    probe: async () => {
      try {
        await gql('Room', Q.Room, { hostSlug: room.host.username, roomSlug: room.slug });
        return 'ok';
      } catch (e) {
        if (e.isNotFound) return 'gone';
        throw e;
      }
    },
    onChange: (kind, m) => {
      if (kind === 'new' && m && !room.participants.some((p) => p.id === m.user.id) && !newcomers.has(m.user.id)) {
        // Someone joined since we loaded the room.
        newcomers.set(m.user.id, { ...m.user });
        refreshParticipants();
      }
      renderMessages(kind === 'send' ? true : undefined);
    },
    onStatus: showStatus,
    onError: (text) => toast(text, 'error'),
    reauth: () => auth.refresh(),
    onGone: () => {
      status.hidden = false;
      status.className = 'conn-status conn-gone';
      status.replaceChildren('This room no longer exists.');
      composer.remove();
    },
    onRemoved: () => {
      status.hidden = false;
      status.className = 'conn-status conn-gone';
      status.replaceChildren('You are no longer a participant of this room.');
      composer.remove();
    },
  };
  // One event socket per tab when the server has it; else the chat socket.
  chat = page ? await openFeed({ ...chatOpts, roomId: room.id, page }) : null;
  if (ctx.signal.aborted) { chat?.stop(); return cleanup; }
  // Presence and typing share the tab's event socket when the room follows it.
  const presenceSocket = chat ? events() : null;
  chat ||= new Chat(chatOpts);
  if (history) chat.setHistory(history);
  else {
    try {
      chat.setHistory((await gql('RoomMessages', Q.RoomMessages, { hostSlug: room.host.username, roomSlug: room.slug })).messages || []);
    } catch (e) {
      toast('Could not load the messages: ' + e.message, 'error');
    }
  }
  if (ctx.signal.aborted) return cleanup;
  renderMessages(true);
  // A link to one message (a search result): show it.
  if (location.hash.startsWith('#m-')) {
    const id = decodeURIComponent(location.hash.slice(3));
    requestAnimationFrame(() => { if (!jumpTo(id)) toast('That message is not in the loaded history.', 'error'); });
  }
  pane.querySelector('.new-divider')?.scrollIntoView({ block: 'center' });
  // Older pages load as the reader scrolls up (infinite scroll).
  pane.addEventListener('scroll', () => {
    if (pane.scrollTop > 200 || !chat.olderPage || !chat.hasMore || chat.loadingOlder) return;
    const from = pane.scrollHeight - pane.scrollTop;
    chat.olderPage().then(() => { pane.scrollTop = pane.scrollHeight - from; }, () => {});
  });
  log.setAttribute('aria-live', 'polite');
  ctx.main.querySelector('.layout-room').dataset.loaded = 'true';
  performance.mark('room:rendered');
  chat.start();
  presence = new RoomPresence({
    room, me, socket: presenceSocket,
    onChange: () => {
      renderParticipants();
      typingLine.textContent = typingText(presence.typers().map((u) => authorName(u)));
    },
  });
  presence.start();
  clock = setInterval(() => {
    for (const t of list.querySelectorAll('time[datetime]')) t.textContent = timeAgo(t.getAttribute('datetime'));
  }, 60_000);
  input.setAttribute('data-autofocus', '');
  return cleanup;
}
