// Small DOM helpers. User content is only ever set as text, never as HTML.

/**
 * h builds an element: h('a', {href: '/', class: 'x', onclick: fn}, 'text', child).
 * Attributes whose value is null, undefined or false are left out; true
 * sets an empty attribute. Children may be strings, nodes, arrays or null.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** append adds children (strings, nodes, nested arrays; null skipped). */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

// Icon paths (24×24, stroked). Drawn for this client; no icon font.
const ICONS = {
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM21 21l-4.35-4.35',
  plus: 'M12 5v14M5 12h14',
  edit: 'M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4',
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  sun: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z',
  send: 'M4 12l16-8-6 16-2.5-6.5L4 12z',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  users: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-6 7-6s7 2 7 6M16 3.5a4 4 0 0 1 0 7.5M18 15c2.5.5 4 2.5 4 6',
  retry: 'M4 4v6h6M20 20v-6h-6M5.5 15a7.5 7.5 0 0 0 13 2M18.5 9a7.5 7.5 0 0 0-13-2',
  back: 'M15 5l-7 7 7 7',
  hash: 'M5 9h15M4 15h15M10 3L8 21M16 3l-2 18',
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2',
  wifiOff: 'M2 2l20 20M8.5 16.5a5 5 0 0 1 7 0M5 13a10 10 0 0 1 5-2.7M19 13a10 10 0 0 0-2.3-1.7M2 8.8a15 15 0 0 1 4.2-2.6M22 8.8A15 15 0 0 0 10.7 5M12 20h.01',
  x: 'M6 6l12 12M18 6L6 18',
  lock: 'M6 11h12v10H6zM8.5 11V7.5a3.5 3.5 0 0 1 7 0V11',
};

/** icon returns an inline SVG icon, hidden from assistive technology. */
export function icon(name, size = 18) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', ICONS[name] || '');
  svg.append(p);
  return svg;
}

/** avatarURL maps a stored avatar name to its URL (/default.svg when empty). */
export function avatarURL(avatar) {
  return avatar ? '/media/' + avatar.split('/').map(encodeURIComponent).join('/') : '/default.svg';
}

/** avatarImg renders a decorative avatar image. */
export function avatarImg(avatar, size = 32, cls = '') {
  // loading and decoding go before src, or the fetch starts eagerly.
  return h('img', {
    loading: 'lazy', decoding: 'async',
    class: ('avatar ' + cls).trim(), alt: '', width: size, height: size, src: avatarURL(avatar),
  });
}

const rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat
  ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** timeAgo renders a server DateTime as "5 minutes ago", falling back to a date. */
export function timeAgo(iso) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - Date.now()) / 1000);
  const abs = Math.abs(s);
  if (!rtf || abs > 30 * 86400) return dtf.format(t);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/**
 * timeEl renders a <time> element with a relative label. The full date
 * becomes its tooltip when the pointer or focus first reaches it (see
 * below), so long lists do not pay for formatting every date up front.
 */
export function timeEl(iso, cls = 'muted small') {
  return h('time', { class: cls, datetime: iso }, timeAgo(iso));
}

function fullDate(ev) {
  const el = ev.target;
  if (!(el instanceof Element) || el.tagName !== 'TIME' || el.title) return;
  const t = new Date(el.getAttribute('datetime'));
  if (!Number.isNaN(t.getTime())) el.title = dtf.format(t);
}
document.addEventListener('mouseover', fullDate);
document.addEventListener('focusin', fullDate);

/** debounce delays fn until ms have passed without a new call. */
export function debounce(fn, ms) {
  let timer = 0;
  const d = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(timer);
  return d;
}

/** plural returns "1 room" / "3 rooms". */
export function plural(n, one, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}

/** roomPath is the client URL of a room. */
export function roomPath(hostUsername, slug) {
  return `/u/${encodeURIComponent(hostUsername)}/${encodeURIComponent(slug)}`;
}

/** userPath is the client URL of a profile. */
export function userPath(username) {
  return `/u/${encodeURIComponent(username)}`;
}
