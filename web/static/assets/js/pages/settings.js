// Edit profile (/settings): name, username, bio and avatar. A new avatar
// is previewed before saving and sent as a GraphQL multipart upload.
import { h, avatarURL, userPath } from '../dom.js';
import { gql, gqlUpload } from '../api.js';
import { Q } from '../queries.js';
import * as auth from '../auth.js';
import { field, FormErrors, busy, toast } from '../ui.js';

const MAX_AVATAR = 5 * 1024 * 1024;
const AVATAR_TYPES = ['image/png', 'image/jpeg'];

export async function render(ctx) {
  ctx.setTitle('Edit profile');
  const me = auth.user();
  let user;
  try {
    user = (await gql('User', Q.User, { username: me.username })).user;
  } catch (e) {
    if (ctx.signal.aborted) return;
    ctx.main.append(h('section', { class: 'empty-state' }, h('h1', null, 'Could not load your profile'), h('p', null, e.message)));
    return;
  }
  if (ctx.signal.aborted) return;

  let objectURL = '';
  const preview = h('img', { class: 'avatar avatar-xl', src: avatarURL(user.avatar), alt: 'Current avatar', width: 112, height: 112 });
  const avatar = field({ label: 'Avatar', name: 'avatar', type: 'file', hint: 'PNG or JPEG, up to 5 MB.', attrs: { accept: '.png,.jpg,.jpeg,image/png,image/jpeg' } });
  const clearFile = h('button', { type: 'button', class: 'link-btn small', hidden: true }, 'Keep current avatar');
  avatar.wrap.append(clearFile);
  const name = field({ label: 'Name', name: 'name', required: true, maxlength: 200, value: user.name, autocomplete: 'name', attrs: { 'data-autofocus': true } });
  const username = field({ label: 'Username', name: 'username', required: true, maxlength: 200, value: user.username, autocomplete: 'username',
    hint: 'Your profile address is /u/<username>. Letters, numbers, underscores or hyphens.', attrs: { autocapitalize: 'none', spellcheck: 'false' } });
  const bio = field({ label: 'Bio', name: 'bio', multiline: true, rows: 4, maxlength: 500, value: user.bio, hint: 'Up to 500 characters.' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile');
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'avatar-edit' }, preview, h('div', { class: 'grow' }, avatar.wrap)),
    name.wrap, username.wrap, bio.wrap,
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: userPath(user.username) }, 'Cancel'), submit));
  const errors = new FormErrors(form, { avatar, name, username, bio });

  const resetPreview = () => {
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = '';
    preview.src = avatarURL(user.avatar);
    preview.alt = 'Current avatar';
    clearFile.hidden = true;
  };
  avatar.input.addEventListener('change', () => {
    const file = avatar.input.files?.[0];
    errors.set({});
    if (!file) { resetPreview(); return; }
    const problem = !AVATAR_TYPES.includes(file.type) && !/\.(png|jpe?g)$/i.test(file.name)
      ? 'Choose a PNG or JPEG image.'
      : file.size > MAX_AVATAR ? 'The image is larger than 5 MB.' : file.size === 0 ? 'The submitted file is empty.' : '';
    if (problem) {
      avatar.input.value = '';
      resetPreview();
      errors.set({ avatar: [problem] });
      return;
    }
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = URL.createObjectURL(file);
    preview.src = objectURL;
    preview.alt = 'Preview of the new avatar';
    clearFile.hidden = false;
  });
  clearFile.addEventListener('click', () => { avatar.input.value = ''; resetPreview(); avatar.input.focus(); });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = { name: name.input.value.trim(), username: username.input.value.trim(), bio: bio.input.value.trim() };
    const local = {};
    if (!v.name) local.name = ['This field is required.'];
    if (!v.username) local.username = ['This field is required.'];
    else if (!/^[-a-zA-Z0-9_]+$/.test(v.username)) local.username = ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'];
    if (Object.keys(local).length) {
      errors.set(local);
      return;
    }
    errors.clear();
    const vars = {
      name: v.name !== user.name ? v.name : undefined,
      username: v.username !== user.username ? v.username : undefined,
      bio: v.bio !== user.bio ? v.bio : undefined,
    };
    const file = avatar.input.files?.[0];
    await busy(submit, 'Saving…', async () => {
      try {
        const d = file
          ? await gqlUpload('UpdateUser', Q.UpdateUser, vars, 'avatar', file)
          : await gql('UpdateUser', Q.UpdateUser, vars);
        const u = d.updateUser.user;
        auth.setUser({ id: u.id, username: u.username, name: u.name, avatar: u.avatar });
        toast('Profile saved.', 'ok');
        ctx.navigate(userPath(u.username));
      } catch (e) {
        errors.show(e);
      }
    });
  });

  ctx.main.append(h('section', { class: 'form-card card' },
    h('h1', null, 'Edit profile'),
    h('p', { class: 'muted' }, 'This is how other people see you in rooms.'),
    form));
  return () => { if (objectURL) URL.revokeObjectURL(objectURL); };
}
