// Boot and routing. History-API routes, mirroring the original product:
//   /                       home: rooms, topics, recent activity
//   /login (/auth)          sign in
//   /register               create an account
//   /create-room            new room (signed in)
//   /settings               edit your profile (signed in)
//   /u/<user>               profile
//   /u/<host>/<room>        room with live chat
//   /u/<host>/<room>/edit   edit a room (host)
import { h, icon, avatarImg, userPath } from './dom.js';
import { ensureCsrf, getCookie } from './api.js';
import * as auth from './auth.js';
import { toast, themeToggle } from './ui.js';
import * as home from './pages/home.js';
import * as room from './pages/room.js';
import * as roomForm from './pages/roomform.js';
import * as profile from './pages/profile.js';
import * as settings from './pages/settings.js';
import * as signin from './pages/signin.js';
import * as register from './pages/register.js';
import * as search from './pages/search.js';

const ROUTES = [
  [/^\/$/, home, []],
  [/^\/(?:login|auth)\/?$/, signin, []],
  [/^\/register\/?$/, register, []],
  [/^\/create-room\/?$/, roomForm, [], { auth: true }],
  [/^\/settings\/?$/, settings, [], { auth: true }],
  [/^\/search\/?$/, search, [], { auth: true }],
  [/^\/u\/([^/]+)\/?$/, profile, ['user']],
  [/^\/u\/([^/]+)\/([^/]+)\/?$/, room, ['host', 'room']],
  [/^\/u\/([^/]+)\/([^/]+)\/edit\/?$/, roomForm, ['host', 'room'], { auth: true }],
];

const main = document.getElementById('main');
let current = null; // {controller, cleanup}
let rendered = ''; // the pathname and search of the page on screen
let firstRender = true;

function match(pathname) {
  for (const [re, page, names, opts] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    const params = {};
    names.forEach((n, i) => {
      try { params[n] = decodeURIComponent(m[i + 1]); } catch { params[n] = m[i + 1]; }
    });
    return { page, params, opts: opts || {} };
  }
  return null;
}

/** navigate changes the route; replace swaps the history entry. */
export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) {
    location.href = url.href;
    return;
  }
  if (replace) history.replaceState(null, '', url.pathname + url.search + url.hash);
  else history.pushState(null, '', url.pathname + url.search + url.hash);
  render();
}

async function render() {
  if (current) {
    current.controller.abort();
    try { current.cleanup?.(); } catch { /* a page's cleanup must not break routing */ }
  }
  const controller = new AbortController();
  current = { controller, cleanup: null };
  const path = location.pathname;
  rendered = path + location.search;
  const found = match(path);
  main.replaceChildren();
  main.removeAttribute('aria-busy');
  if (!found) {
    notFound();
    return;
  }
  if (found.opts.auth && !auth.user()) {
    navigate(`/login?redirect=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  }
  const ctx = {
    main,
    params: found.params,
    query: new URLSearchParams(location.search),
    signal: controller.signal,
    navigate,
    setTitle: (t) => { document.title = t ? `${t} · EduSphere` : 'EduSphere'; },
    notFound,
  };
  const focusAfter = !firstRender;
  firstRender = false;
  try {
    const cleanup = await found.page.render(ctx);
    if (controller.signal.aborted) {
      cleanup?.();
      return;
    }
    current.cleanup = cleanup || null;
  } catch (e) {
    if (controller.signal.aborted) return;
    console.error(e);
    main.replaceChildren(h('section', { class: 'empty-state' },
      h('h1', { tabindex: '-1' }, 'Something went wrong'),
      h('p', null, String(e?.message || e)),
      h('p', null, h('a', { href: '/' }, 'Back to home'))));
  }
  if (focusAfter && !controller.signal.aborted) {
    const target = main.querySelector('[data-autofocus]') || main.querySelector('h1');
    if (target) {
      if (!target.hasAttribute('tabindex') && !/^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(target.tagName)) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: false });
    }
    window.scrollTo(0, 0);
  }
}

function notFound() {
  document.title = 'Not found · EduSphere';
  main.replaceChildren(h('section', { class: 'empty-state' },
    h('h1', { tabindex: '-1' }, 'Page not found'),
    h('p', null, 'There is nothing at this address.'),
    h('p', null, h('a', { class: 'btn btn-primary', href: '/' }, 'Back to home'))));
}

function renderHeader() {
  const bar = document.getElementById('topbar');
  const u = auth.user();
  const signOut = async () => {
    await auth.logout();
    toast('You are signed out.', 'ok');
    navigate('/');
  };
  // The profile link's accessible name starts with the name it shows
  // ("Ada Lovelace (your profile)"); on phones only the avatar shows.
  bar.replaceChildren(h('nav', { class: 'topbar-inner', 'aria-label': 'Main' },
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'E'), h('span', { class: 'brand-name' }, 'EduSphere')),
    h('div', { class: 'topbar-actions' },
      u ? h('a', { class: 'icon-btn search-link', href: '/search', 'aria-label': 'Search messages', title: 'Search messages' }, icon('search', 20)) : null,
      u ? h('a', { class: 'btn btn-primary btn-sm new-room', href: '/create-room' }, icon('plus', 16), h('span', null, 'New room')) : null,
      themeToggle(),
      u
        ? [
          h('a', { class: 'me-link', href: userPath(u.username), title: 'Your profile' },
            avatarImg(u.avatar, 28), h('span', { class: 'me-name hide-sm' }, u.name || u.username), h('span', { class: 'sr-only' }, ' (your profile)')),
          h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Sign out', title: 'Sign out', onclick: signOut }, icon('logout', 20)),
        ]
        : [
          h('a', { class: 'btn btn-ghost btn-sm', href: '/login' }, 'Sign in'),
          h('a', { class: 'btn btn-primary btn-sm', href: '/register' }, 'Register'),
        ])));
}

// Same-origin links are routed in the page; modified clicks, downloads,
// targets and other apps (admin, media, API) load normally.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.dataset.external != null) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (/^\/(admin|media|graphql|api|ws|static|assets)(\/|$)/.test(url.pathname)) return;
  ev.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    focusFragment(url.hash);
    return;
  }
  navigate(url.pathname + url.search + url.hash);
});

/**
 * focusFragment follows an in-page link (the skip link): it moves the focus
 * to the target and scrolls to it. The URL is left alone, so the page is not
 * rendered again (no new queries, no new socket).
 */
function focusFragment(hash) {
  let id = hash.slice(1);
  try { id = decodeURIComponent(id); } catch { /* keep it as written */ }
  const target = document.getElementById(id);
  if (!target) return;
  if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}

// Back and forward render the page again, unless only the fragment changed.
window.addEventListener('popstate', () => {
  if (location.pathname + location.search === rendered) return;
  render();
});

let booted = false;

async function boot() {
  auth.onSessionExpired(() => {
    toast('Your session has expired. Please sign in again.', 'error', 8000);
  });
  let lastUser = auth.user()?.id ?? null;
  auth.subscribe((u) => {
    renderHeader();
    // Signing in or out elsewhere (another tab, an expired session)
    // changes what the current page may show.
    const id = u?.id ?? null;
    if (!booted || id === lastUser) return;
    lastUser = id;
    const page = match(location.pathname);
    if (page?.page === signin || page?.page === register) return; // they navigate on success
    if (!u && page?.opts.auth) navigate('/login', { replace: true });
    else render();
  });
  renderHeader();
  // The csrftoken cookie is needed before the first POST; a returning
  // visitor already has one, so only a first visit waits for it.
  if (getCookie('csrftoken')) ensureCsrf();
  else await ensureCsrf();
  await auth.init();
  lastUser = auth.user()?.id ?? null;
  renderHeader();
  booted = true;
  await render();
  document.documentElement.dataset.ready = 'true';
}

boot();
