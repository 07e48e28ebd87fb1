// The signed-in user and the JWT lifetime. The token itself is an HttpOnly
// cookie; the page keeps only what it needs to schedule refreshes: the
// token's exp, the refresh deadline and the user, in localStorage so other
// tabs and reloads share them.
import { gql, ApiError, onTokenError } from './api.js';
import { Q } from './queries.js';

const KEY = 'edusphere.auth';
const MIN_DELAY = 15_000;
const MAX_DELAY = 30 * 60_000;
const RETRY_DELAY = 5_000;
const MAX_FAILURES = 3;

let state = load();
let timer = 0;
let failures = 0;
let refreshing = null;
let lastRefresh = 0;
const listeners = new Set();
let onExpired = () => {};

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (s && s.user && s.user.id && typeof s.exp === 'number') return s;
  } catch {
    // Corrupt storage: start signed out.
  }
  return null;
}

function save() {
  try {
    if (state) localStorage.setItem(KEY, JSON.stringify(state));
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode without storage still works for this tab.
  }
}

function emit() {
  for (const fn of listeners) fn(state?.user ?? null);
}

const nowSec = () => Date.now() / 1000;

/** user returns the signed-in user ({id, username, name, avatar}) or null. */
export function user() {
  return state?.user ?? null;
}

/** subscribe calls fn(user) on every sign-in, sign-out and profile change. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** onSessionExpired sets the callback run when the session ends on its own. */
export function onSessionExpired(fn) {
  onExpired = fn;
}

/** setUser updates the stored user after a profile edit. */
export function setUser(u) {
  if (!state) return;
  state.user = { ...state.user, ...u };
  save();
  emit();
}

function accept(payload, refreshExpiresIn, u) {
  const exp = Number(payload?.exp);
  if (!Number.isFinite(exp) || exp - nowSec() < 1) throw new ApiError('The server sent an unusable token.');
  const issued = nowSec();
  state = {
    user: u ?? state?.user,
    exp,
    issued,
    refreshExpiresIn: Number(refreshExpiresIn) || 0,
  };
  failures = 0;
  lastRefresh = Date.now();
  save();
  schedule();
}

/** clear forgets the session locally (the cookie is the server's business). */
export function clear() {
  clearTimeout(timer);
  const had = !!state;
  state = null;
  save();
  if (had) emit();
}

/** delayUntilRefresh is the time to wait before refreshing: 75 % of the token life, clamped. */
export function delayUntilRefresh(s = state, now = nowSec()) {
  if (!s) return -1;
  const life = Math.max(0, s.exp - s.issued);
  const due = s.issued + Math.min(Math.max(life * 0.75, MIN_DELAY / 1000), MAX_DELAY / 1000);
  return Math.max(0, (Math.min(due, s.exp - 5) - now) * 1000);
}

function schedule(delay = delayUntilRefresh()) {
  clearTimeout(timer);
  if (!state || delay < 0) return;
  timer = setTimeout(() => { refresh().catch(() => {}); }, delay);
}

/**
 * refresh renews the JWT cookie (and the csrftoken, which the server
 * rotates). Concurrent callers share one request. After three failures, five
 * seconds apart, or a definitive answer, the session ends locally.
 */
export function refresh() {
  if (!state) return Promise.resolve(false);
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const d = await gql('RefreshToken', Q.RefreshToken, {}, { noRetry: true });
      accept(d.refreshToken.payload, d.refreshToken.refreshExpiresIn);
      return true;
    } catch (e) {
      const final = e instanceof ApiError && !e.network && /Signature has expired|Token is required|Refresh has expired|User is disabled|Invalid token|Error decoding signature/.test(e.message);
      failures++;
      if (final || failures >= MAX_FAILURES) {
        clear();
        onExpired();
        return false;
      }
      schedule(RETRY_DELAY);
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** login signs in with email and password (tokenAuth). */
export async function login(email, password) {
  const d = await gql('TokenAuth', Q.TokenAuth, { email, password }, { noRetry: true });
  const t = d.tokenAuth;
  if (!t || !t.user || !t.user.id) throw new ApiError('Please enter valid credentials');
  accept(t.payload, t.refreshExpiresIn, t.user);
  emit();
  return t.user;
}

/** logout deletes the cookies on the server and forgets the session, whatever the answer. */
export async function logout() {
  clear();
  try {
    await gql('LogoutUser', Q.LogoutUser, {}, { noRetry: true });
  } catch {
    // Offline or refused: the local state is gone anyway.
  }
}

/**
 * init restores the session at boot: a token past its exp (with 30 s of
 * grace) or past the refresh deadline is dropped; otherwise the refresh is
 * scheduled and the server is asked who we are.
 */
export async function init() {
  if (state && (state.exp < nowSec() - 30 || (state.refreshExpiresIn && state.refreshExpiresIn < nowSec()))) clear();
  onTokenError(async () => {
    // A stale JWT cookie fails the guarded fields (docs/graphql.md, Identity).
    // Try to refresh; if that fails, drop the local session and retry
    // anonymously.
    if (state && (await refresh())) return true;
    clear();
    return false;
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !state) return;
    // Timers are throttled in background tabs: refresh on return unless we
    // did so moments ago.
    if (Date.now() - lastRefresh > 30_000 || delayUntilRefresh() === 0) refresh().catch(() => {});
  });
  window.addEventListener('storage', (ev) => {
    if (ev.key !== KEY) return;
    const before = state?.user?.id;
    state = load();
    schedule();
    if (before !== state?.user?.id || state) emit();
  });
  if (!state) return;
  if (delayUntilRefresh() === 0) await refresh();
  else schedule();
  if (!state) return;
  // Confirm the session with the server in the background: the page can
  // render meanwhile, and a sign-out here re-renders it through subscribe.
  gql('AuthStatus', Q.AuthStatus).then((d) => {
    if (!d.authStatus?.isAuthenticated || !d.authStatus.user) clear();
    else setUser(d.authStatus.user);
  }, (e) => {
    if (e instanceof ApiError && !e.network) clear();
  });
}
