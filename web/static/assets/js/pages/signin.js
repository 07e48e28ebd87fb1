// Sign in (/login, /auth): tokenAuth, then back to ?redirect= or home.
import { h } from '../dom.js';
import * as auth from '../auth.js';
import { field, FormErrors, busy, toast } from '../ui.js';

function safeRedirect(to) {
  return to && to.startsWith('/') && !to.startsWith('//') ? to : '/';
}

export async function render(ctx) {
  ctx.setTitle('Sign in');
  const redirect = safeRedirect(ctx.query.get('redirect'));
  if (auth.user()) {
    ctx.navigate(redirect, { replace: true });
    return;
  }
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'email', attrs: { 'data-autofocus': true } });
  const password = field({ label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'form', novalidate: true }, email.wrap, password.wrap, submit);
  const errors = new FormErrors(form, { email, password });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const missing = {};
    if (!email.input.value.trim()) missing.email = ['This field is required.'];
    if (!password.input.value) missing.password = ['This field is required.'];
    if (Object.keys(missing).length) {
      errors.set(missing);
      return;
    }
    errors.clear();
    await busy(submit, 'Signing in…', async () => {
      try {
        const u = await auth.login(email.input.value.trim(), password.input.value);
        toast(`Welcome back, ${u.name || u.username}.`, 'ok');
        ctx.navigate(redirect);
      } catch (e) {
        errors.show(e);
        password.input.value = '';
      }
    });
  });
  ctx.main.append(h('section', { class: 'auth-card card' },
    h('h1', null, 'Sign in'),
    h('p', { class: 'muted' }, 'Welcome back to EduSphere.'),
    form,
    h('p', { class: 'muted center' }, 'New here? ', h('a', { href: '/register' + (redirect !== '/' ? `?redirect=${encodeURIComponent(redirect)}` : '') }, 'Create an account'))));
}
