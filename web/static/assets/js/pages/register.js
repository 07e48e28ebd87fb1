// Register (/register): registerUser, then tokenAuth with the same
// password. Server field errors are shown next to their fields.
import { h } from '../dom.js';
import * as auth from '../auth.js';
import { gql, ApiError } from '../api.js';
import { Q } from '../queries.js';
import { field, FormErrors, busy, toast } from '../ui.js';

/** PASSWORD_MISMATCH is the server's message when the two passwords differ. */
export const PASSWORD_MISMATCH = 'The two password fields didn’t match.';

/**
 * placePasswordErrors moves the password rules' messages ("This password is
 * too common.") to the Password field. The server reports every password
 * message under password2, the confirmation; only a mismatch is about it.
 */
export function placePasswordErrors(fields) {
  const confirm = fields.password2 || [];
  const rules = confirm.filter((m) => m !== PASSWORD_MISMATCH);
  if (!rules.length) return fields;
  const out = { ...fields, password1: [...(fields.password1 || []), ...rules] };
  const rest = confirm.filter((m) => m === PASSWORD_MISMATCH);
  if (rest.length) out.password2 = rest;
  else delete out.password2;
  return out;
}

export async function render(ctx) {
  ctx.setTitle('Register');
  if (auth.user()) {
    ctx.navigate('/', { replace: true });
    return;
  }
  const f = {
    username: field({ label: 'Username', name: 'username', required: true, autocomplete: 'username', maxlength: 200,
      hint: 'Letters, numbers, underscores or hyphens. Shown in your profile address.', attrs: { 'data-autofocus': true, autocapitalize: 'none', spellcheck: 'false' } }),
    name: field({ label: 'Name', name: 'name', required: true, autocomplete: 'name', maxlength: 200 }),
    email: field({ label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'email', maxlength: 254 }),
    password1: field({ label: 'Password', name: 'password1', type: 'password', required: true, autocomplete: 'new-password',
      hint: 'At least 8 characters, not too common, not only digits.' }),
    password2: field({ label: 'Confirm password', name: 'password2', type: 'password', required: true, autocomplete: 'new-password' }),
  };
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Create account');
  const form = h('form', { class: 'form', novalidate: true }, Object.values(f).map((x) => x.wrap), submit);
  const errors = new FormErrors(form, f);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = Object.fromEntries(Object.entries(f).map(([k, x]) => [k, k.startsWith('password') ? x.input.value : x.input.value.trim()]));
    const local = {};
    for (const [k, val] of Object.entries(v)) if (!val) local[k] = ['This field is required.'];
    if (v.username && !/^[-a-zA-Z0-9_]+$/.test(v.username)) local.username = ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'];
    if (v.password1 && v.password2 && v.password1 !== v.password2) local.password2 = [PASSWORD_MISMATCH];
    if (Object.keys(local).length) {
      errors.set(local);
      return;
    }
    errors.clear();
    await busy(submit, 'Creating account…', async () => {
      try {
        await gql('RegisterUser', Q.RegisterUser, v, { noRetry: true });
      } catch (e) {
        if (e instanceof ApiError) e.fields = placePasswordErrors(e.fields);
        errors.show(e);
        return;
      }
      try {
        const u = await auth.login(v.email, v.password1);
        toast(`Welcome to EduSphere, ${u.name || u.username}!`, 'ok');
        const to = ctx.query.get('redirect');
        ctx.navigate(to && to.startsWith('/') && !to.startsWith('//') ? to : '/');
      } catch (e) {
        toast('Your account was created, but signing in failed. Please sign in.', 'error');
        ctx.navigate('/login');
      }
    });
  });
  ctx.main.append(h('section', { class: 'auth-card card' },
    h('h1', null, 'Create your account'),
    h('p', { class: 'muted' }, 'Join study rooms and chat live with other learners.'),
    form,
    h('p', { class: 'muted center' }, 'Already have an account? ', h('a', { href: '/login' }, 'Sign in'))));
}
