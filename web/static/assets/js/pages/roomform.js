// Create a room (/create-room) and edit one (/u/<host>/<room>/edit).
// Topic names are suggested from the existing topics; a new name creates
// a topic.
import { h, roomPath } from '../dom.js';
import { gql } from '../api.js';
import { Q } from '../queries.js';
import * as auth from '../auth.js';
import { field, FormErrors, busy, toast } from '../ui.js';
import * as membership from '../membership.js';

/** checkRoom mirrors the server's rules so most mistakes are caught before sending. */
export function checkRoom({ name, topicName, description }) {
  const e = {};
  if (!name) e.name = ['This field is required.'];
  else if (!/^[a-zA-Z0-9 ]+$/.test(name)) e.name = ['Room name can only contain letters and numbers.'];
  else if ([...name].length > 200) e.name = [`Ensure this value has at most 200 characters (it has ${[...name].length}).`];
  if (!topicName) e.topicName = ['This field is required.'];
  else if (!/^[a-zA-Z]+$/.test(topicName)) e.topicName = ['Topic name must consist of letters only.'];
  else if ([...topicName].length > 200) e.topicName = [`Ensure this value has at most 200 characters (it has ${[...topicName].length}).`];
  if ([...description].length > 500) e.description = [`Ensure this value has at most 500 characters (it has ${[...description].length}).`];
  return e;
}

export async function render(ctx) {
  const editing = Boolean(ctx.params.host);
  const me = auth.user();
  ctx.setTitle(editing ? 'Edit room' : 'Create room');

  const topicsP = gql('Topics', Q.Topics, {}).then((d) => d.topics || []).catch(() => []);
  let room = null;
  if (editing) {
    try {
      room = (await gql('Room', Q.Room, { hostSlug: ctx.params.host, roomSlug: ctx.params.room })).room;
    } catch (e) {
      if (ctx.signal.aborted) return;
      ctx.main.append(h('section', { class: 'empty-state' }, h('h1', null, 'Room not found'), h('p', null, e.message), h('a', { href: '/' }, 'Back to home')));
      return;
    }
    if (ctx.signal.aborted) return;
    Object.assign(room, await membership.loadRoomFlags(room.host.username, room.slug).catch(() => ({})));
    if (ctx.signal.aborted) return;
    if (room.host.id !== me.id) {
      ctx.main.append(h('section', { class: 'empty-state' }, h('h1', null, 'Not your room'), h('p', null, 'Only the host can edit this room.'),
        h('a', { href: roomPath(room.host.username, room.slug) }, 'Back to the room')));
      return;
    }
  }

  const name = field({ label: 'Room name', name: 'name', required: true, maxlength: 200, value: room?.name ?? '',
    hint: 'Letters, numbers and spaces.', attrs: { 'data-autofocus': true } });
  const topic = field({ label: 'Topic', name: 'topicName', required: true, maxlength: 200, value: room?.topic.name ?? '',
    hint: 'Pick a suggestion or type a new topic (letters only).', attrs: { list: 'topic-suggestions', autocomplete: 'off' } });
  const description = field({ label: 'Description', name: 'description', multiline: true, rows: 4, maxlength: 500, value: room?.description ?? '',
    hint: 'What will you study here? Up to 500 characters.' });
  const datalist = h('datalist', { id: 'topic-suggestions' });
  const quick = h('div', { class: 'quick-topics', role: 'group', 'aria-label': 'Popular topics' });
  topic.wrap.append(datalist, quick);

  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? 'Save changes' : 'Create room');
  const cancelHref = room ? roomPath(room.host.username, room.slug) : '/';
  const privacy = membership.roomFormFields(room);
  const form = h('form', { class: 'form', novalidate: true }, name.wrap, topic.wrap, description.wrap, privacy.el,
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: cancelHref }, 'Cancel'), submit));
  const errors = new FormErrors(form, { name, topicName: topic, description });

  ctx.main.append(h('section', { class: 'form-card card' },
    h('h1', null, editing ? 'Edit room' : 'Create a study room'),
    h('p', { class: 'muted' }, editing ? 'Change the name, topic or description.' : 'Rooms have a topic and a live chat. You will be its host.'),
    form));

  topicsP.then((topics) => {
    if (ctx.signal.aborted) return;
    datalist.replaceChildren(...topics.map((t) => h('option', { value: t.name })));
    const top = topics.slice(0, 8);
    if (top.length) {
      quick.replaceChildren(h('span', { class: 'muted small' }, 'Popular:'), ...top.map((t) => h('button', {
        type: 'button', class: 'chip chip-btn', onclick: () => { topic.input.value = t.name; topic.input.focus(); },
      }, t.name)));
    }
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = { name: name.input.value.trim(), topicName: topic.input.value.trim(), description: description.input.value.trim() };
    const local = checkRoom(v);
    if (Object.keys(local).length) {
      errors.set(local);
      return;
    }
    errors.clear();
    await busy(submit, editing ? 'Saving…' : 'Creating…', async () => {
      try {
        if (editing) {
          const d = await membership.updateRoom({
            hostSlug: room.host.username, roomSlug: room.slug,
            name: v.name !== room.name ? v.name : undefined,
            topicName: v.topicName,
            description: v.description,
            ...privacy.values(),
          });
          const r = d.updateRoom.room;
          toast('Room saved.', 'ok');
          ctx.navigate(roomPath(r.host.username, r.slug), { replace: true });
        } else {
          const d = await membership.createRoom({ name: v.name, topicName: v.topicName, description: v.description || undefined, ...privacy.values() });
          const r = d.createRoom.room;
          toast(`Room “${r.name}” created.`, 'ok');
          ctx.navigate(roomPath(r.host.username, r.slug));
        }
      } catch (e) {
        errors.show(e);
      }
    });
  });
}
