// Home (/): rooms with search and topic filter, topics with room counts,
// recent activity, and the signed-in user's rooms.
import { h, icon, avatarImg, timeEl, debounce, plural, roomPath, userPath } from '../dom.js';
import { gql } from '../api.js';
import { Q } from '../queries.js';
import * as auth from '../auth.js';
import { watchUnread } from '../unread.js';

/** roomCard renders one room in a list. */
export function roomCard(r) {
  return h('li', { class: 'room-card card' },
    h('div', { class: 'room-card-head' },
      h('a', { class: 'host', href: userPath(r.host.username) }, avatarImg(r.host.avatar, 24), h('span', null, '@' + r.host.username)),
      timeEl(r.created)),
    h('h3', { class: 'room-title', dataset: { unreadRoom: r.id } }, h('a', { href: roomPath(r.host.username, r.slug) }, r.name)),
    r.description ? h('p', { class: 'room-desc' }, r.description) : null,
    h('div', { class: 'room-card-foot' },
      h('span', { class: 'chip' }, icon('hash', 14), r.topic.name),
      h('span', { class: 'muted small' }, icon('users', 14), ' ', plural(r.participants?.length ?? 0, 'participant'))));
}

export async function render(ctx) {
  ctx.setTitle('');
  const me = auth.user();
  const state = {
    search: ctx.query.get('q') || '',
    topics: new Set(ctx.query.getAll('topic').filter(Boolean)),
  };

  const searchInput = h('input', { type: 'search', id: 'room-search', name: 'q', value: state.search, placeholder: 'Search rooms', autocomplete: 'off' });
  const searchForm = h('form', { class: 'search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); update(); } },
    h('label', { for: 'room-search', class: 'sr-only' }, 'Search rooms'),
    icon('search', 18), searchInput,
    h('button', { type: 'submit', class: 'btn btn-primary btn-sm' }, 'Search'));
  const activeFilters = h('div', { class: 'active-filters', 'aria-live': 'polite' });
  const roomsHeading = h('h2', { class: 'section-title', id: 'rooms-heading' }, 'Rooms');
  const roomsList = h('ul', { class: 'room-list', 'aria-labelledby': 'rooms-heading', 'aria-busy': 'true' });
  const topicsList = h('ul', { class: 'topic-list', 'aria-label': 'Topics' });
  const topicFilter = h('input', { type: 'search', id: 'topic-filter', placeholder: 'Filter topics', autocomplete: 'off' });
  const activity = h('ol', { class: 'activity', 'aria-label': 'Recent activity' }, h('li', { class: 'muted' }, 'Loading…'));
  const mine = h('ul', { class: 'mini-list' });

  ctx.main.append(h('div', { class: 'layout-home' },
    h('aside', { class: 'panel topics-panel', 'aria-labelledby': 'topics-heading' },
      h('h2', { class: 'section-title', id: 'topics-heading' }, 'Browse topics'),
      h('label', { for: 'topic-filter', class: 'sr-only' }, 'Filter topics'), topicFilter,
      topicsList),
    h('section', { class: 'rooms-col', 'aria-labelledby': 'home-title' },
      h('div', { class: 'page-head' },
        h('div', null, h('h1', { id: 'home-title' }, 'Study rooms'), h('p', { class: 'muted' }, 'Find a room for what you are learning, or start your own.')),
        me ? h('a', { class: 'btn btn-primary', href: '/create-room' }, icon('plus', 16), 'Create room') : h('a', { class: 'btn btn-primary', href: '/register' }, 'Join EduSphere')),
      searchForm, activeFilters, roomsHeading, roomsList),
    h('aside', { class: 'side-col' },
      me ? h('section', { class: 'panel', 'aria-labelledby': 'mine-heading' }, h('h2', { class: 'section-title', id: 'mine-heading' }, 'Your rooms'), mine) : null,
      h('section', { class: 'panel', 'aria-labelledby': 'activity-heading' }, h('h2', { class: 'section-title', id: 'activity-heading' }, 'Recent activity'), activity))));

  let topics = [];
  let counts = new Map();
  let roomsReq = 0;

  function syncURL() {
    const p = new URLSearchParams();
    if (state.search) p.set('q', state.search);
    for (const t of state.topics) p.append('topic', t);
    const qs = p.toString();
    history.replaceState(null, '', qs ? `/?${qs}` : '/');
  }

  function renderFilters() {
    activeFilters.replaceChildren();
    if (!state.search && !state.topics.size) return;
    activeFilters.append(h('span', { class: 'muted small' }, 'Filtered by:'),
      state.search ? h('span', { class: 'chip' }, `“${state.search}”`) : null,
      [...state.topics].map((t) => h('button', { type: 'button', class: 'chip chip-btn', 'aria-label': `Remove topic ${t}`, onclick: () => toggleTopic(t) }, t, icon('x', 12))),
      h('button', { type: 'button', class: 'link-btn small', onclick: () => { state.search = ''; searchInput.value = ''; state.topics.clear(); update(); } }, 'Clear all'));
  }

  function renderTopics() {
    const q = topicFilter.value.trim().toLowerCase();
    const all = h('li', null, h('button', { type: 'button', class: 'topic-btn', 'aria-pressed': String(state.topics.size === 0), onclick: () => { state.topics.clear(); update(); } },
      h('span', null, 'All topics'), h('span', { class: 'count' }, String([...counts.values()].reduce((a, b) => a + b, 0)))));
    const items = topics.filter((t) => !q || t.name.toLowerCase().includes(q)).map((t) => h('li', null,
      h('button', { type: 'button', class: 'topic-btn', 'aria-pressed': String(state.topics.has(t.name)), onclick: () => toggleTopic(t.name) },
        h('span', null, t.name), h('span', { class: 'count', 'aria-label': plural(counts.get(t.name) || 0, 'room') }, String(counts.get(t.name) || 0)))));
    topicsList.replaceChildren(q ? '' : all, ...items);
    if (!items.length && q) topicsList.append(h('li', { class: 'muted small' }, 'No topic matches.'));
  }

  function toggleTopic(name) {
    if (state.topics.has(name)) state.topics.delete(name);
    else state.topics.add(name);
    update();
  }

  function renderRooms(list) {
    roomsList.removeAttribute('aria-busy');
    roomsHeading.textContent = state.search || state.topics.size ? plural(list.length, 'room') + ' found' : plural(list.length, 'room');
    if (!list.length) {
      roomsList.replaceChildren(h('li', { class: 'empty card' },
        h('p', null, state.search || state.topics.size ? 'No rooms match these filters.' : 'No rooms yet.'),
        me ? h('a', { href: '/create-room' }, 'Create the first one') : null));
      return;
    }
    roomsList.replaceChildren(...list.map(roomCard));
    watchUnread(roomsList);
  }

  function renderActivity(all) {
    const recent = [...all].sort((a, b) => Date.parse(b.created) - Date.parse(a.created)).slice(0, 6);
    if (!recent.length) {
      activity.replaceChildren(h('li', { class: 'muted small' }, 'Nothing yet.'));
      return;
    }
    activity.replaceChildren(...recent.map((r) => h('li', { class: 'activity-item' },
      avatarImg(r.host.avatar, 32),
      h('div', null,
        h('p', null, h('a', { href: userPath(r.host.username) }, '@' + r.host.username), ' created ',
          h('a', { href: roomPath(r.host.username, r.slug) }, r.name)),
        h('p', { class: 'muted small' }, r.topic.name, ' · ', timeEl(r.created, ''))))));
  }

  async function loadRooms() {
    const id = ++roomsReq;
    roomsList.setAttribute('aria-busy', 'true');
    try {
      const d = await gql('Rooms', Q.Rooms, { search: state.search || null, topic: state.topics.size ? [...state.topics] : null });
      if (id !== roomsReq || ctx.signal.aborted) return null;
      renderRooms(d.rooms || []);
      return d.rooms || [];
    } catch (e) {
      if (id !== roomsReq || ctx.signal.aborted) return null;
      roomsList.removeAttribute('aria-busy');
      roomsList.replaceChildren(h('li', { class: 'empty card' }, h('p', null, 'Could not load rooms: ' + e.message), h('button', { type: 'button', class: 'btn btn-sm', onclick: loadRooms }, 'Try again')));
      return null;
    }
  }

  function update() {
    state.search = searchInput.value.trim();
    syncURL();
    renderFilters();
    renderTopics();
    loadRooms();
  }

  const live = debounce(() => { if (searchInput.value.trim() !== state.search) update(); }, 300);
  searchInput.addEventListener('input', live);
  topicFilter.addEventListener('input', renderTopics);
  renderFilters();

  const filtered = Boolean(state.search || state.topics.size);
  const [allRooms, topicsRes] = await Promise.all([
    gql('Rooms', Q.Rooms, {}).then((d) => d.rooms || []).catch(() => []),
    gql('Topics', Q.Topics, {}).then((d) => d.topics || []).catch(() => []),
    filtered ? loadRooms() : null,
  ]);
  if (ctx.signal.aborted) return live.cancel;
  topics = topicsRes;
  counts = new Map();
  for (const r of allRooms) counts.set(r.topic.name, (counts.get(r.topic.name) || 0) + 1);
  topics.sort((a, b) => (counts.get(b.name) || 0) - (counts.get(a.name) || 0) || a.name.localeCompare(b.name));
  renderTopics();
  if (!filtered) renderRooms(allRooms);
  renderActivity(allRooms);

  if (me) {
    gql('RoomsParticipatedByUser', Q.RoomsParticipatedByUser, { userSlug: me.username })
      .then((d) => {
        if (ctx.signal.aborted) return;
        const list = d.roomsParticipatedByUser || [];
        mine.replaceChildren(...(list.length
          ? list.slice(0, 8).map((r) => h('li', { dataset: { unreadRoom: r.id } }, h('a', { href: roomPath(r.host.username, r.slug) }, r.name), h('span', { class: 'muted small' }, ' @' + r.host.username)))
          : [h('li', { class: 'muted small' }, 'You have not joined any room yet.')]));
        watchUnread(mine);
      })
      .catch(() => mine.replaceChildren(h('li', { class: 'muted small' }, 'Could not load your rooms.')));
  }
  return live.cancel;
}
