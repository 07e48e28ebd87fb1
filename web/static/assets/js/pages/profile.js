// Profile (/u/<user>): avatar, name, bio, hosted rooms, joined rooms and
// recent messages.
import { h, icon, avatarImg, timeEl, plural, roomPath } from '../dom.js';
import { gql } from '../api.js';
import { Q } from '../queries.js';
import * as auth from '../auth.js';
import { roomCard } from './home.js';

export async function render(ctx) {
  const slug = ctx.params.user;
  ctx.setTitle('Profile');
  let user;
  try {
    user = (await gql('User', Q.User, { username: slug })).user;
  } catch (e) {
    if (ctx.signal.aborted) return;
    ctx.setTitle('Profile not found');
    ctx.main.append(h('section', { class: 'empty-state' },
      h('h1', null, e.isNotFound ? 'User not found' : 'Sorry, we couldn’t load this profile.'),
      h('p', null, e.isNotFound ? `There is no user called @${slug}.` : e.message),
      h('a', { class: 'btn', href: '/' }, 'Back to home')));
    return;
  }
  if (ctx.signal.aborted || !user) return;
  ctx.setTitle(user.name || user.username);
  const me = auth.user();
  const self = me && me.username === user.username;

  const tabs = [
    { id: 'messages', label: 'Recent messages' },
    { id: 'hosted', label: 'Hosted rooms' },
    { id: 'joined', label: 'Joined rooms' },
  ];
  const initial = tabs.some((t) => t.id === ctx.query.get('tab')) ? ctx.query.get('tab') : 'messages';
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel', tabindex: '0' });
  const buttons = tabs.map((t) => h('button', { type: 'button', role: 'tab', id: `tab-${t.id}`, class: 'tab', 'aria-controls': 'profile-panel' }, t.label));
  panel.id = 'profile-panel';
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Profile sections' }, buttons);

  ctx.main.append(h('div', { class: 'layout-profile' },
    h('section', { class: 'profile-card card' },
      avatarImg(user.avatar, 112, 'avatar-xl'),
      h('h1', null, user.name || user.username),
      h('p', { class: 'muted' }, '@' + user.username),
      user.bio ? h('p', { class: 'bio' }, user.bio) : h('p', { class: 'muted small' }, self ? 'You have not written a bio yet.' : 'No bio yet.'),
      self ? h('a', { class: 'btn btn-sm', href: '/settings' }, icon('edit', 16), 'Edit profile') : null),
    h('section', { class: 'profile-main' }, tablist, panel)));

  let loadSeq = 0;
  async function select(id, focus) {
    buttons.forEach((b, i) => {
      const on = tabs[i].id === id;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    });
    panel.setAttribute('aria-labelledby', `tab-${id}`);
    const u = new URL(location.href);
    if (id === 'messages') u.searchParams.delete('tab');
    else u.searchParams.set('tab', id);
    history.replaceState(null, '', u.pathname + u.search);
    const seq = ++loadSeq;
    panel.setAttribute('aria-busy', 'true');
    panel.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    let content;
    try {
      content = await load(id);
    } catch (e) {
      content = h('p', { class: 'muted' }, 'Could not load this section: ' + e.message);
    }
    if (seq !== loadSeq || ctx.signal.aborted) return;
    panel.removeAttribute('aria-busy');
    panel.replaceChildren(content);
  }

  async function load(id) {
    if (id === 'messages') {
      const list = (await gql('MessagesByUser', Q.MessagesByUser, { userSlug: user.username })).messagesByUser || [];
      if (!list.length) return h('p', { class: 'muted empty' }, 'No messages yet.');
      return h('ul', { class: 'feed' }, list.slice(0, 50).map((m) => h('li', { class: 'feed-item card' },
        h('p', { class: 'muted small' }, 'In ', h('a', { href: roomPath(m.room.host.username, m.room.slug) }, m.room.name), ' · ', timeEl(m.created, ''), m.edited ? ' · edited' : ''),
        h('p', { class: 'msg-text' }, m.body))));
    }
    const d = id === 'hosted'
      ? (await gql('Rooms', Q.Rooms, { hostSlug: user.username })).rooms
      : (await gql('RoomsParticipatedByUser', Q.RoomsParticipatedByUser, { userSlug: user.username })).roomsParticipatedByUser;
    const list = d || [];
    if (!list.length) return h('p', { class: 'muted empty' }, id === 'hosted' ? 'No hosted rooms.' : 'No joined rooms.');
    return h('div', null, h('p', { class: 'muted small' }, plural(list.length, 'room')), h('ul', { class: 'room-list' }, list.map(roomCard)));
  }

  buttons.forEach((b, i) => {
    b.addEventListener('click', () => select(tabs[i].id, false));
    b.addEventListener('keydown', (ev) => {
      const k = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[ev.key];
      if (k === undefined) return;
      ev.preventDefault();
      select(tabs[(i + k + tabs.length) % tabs.length].id, true);
    });
  });
  await select(initial, false);
}
