// GraphQL over HTTP, the CSRF double-submit token and error decoding.
// Every call is a POST to /graphql/ with the csrftoken cookie echoed in
// X-CSRFToken; the JWT rides in an HttpOnly cookie the page never sees.

/** getCookie reads a cookie visible to scripts (csrftoken). */
export function getCookie(name) {
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return '';
}

/** ensureCsrf asks the server to set the csrftoken cookie (once per page load). */
export async function ensureCsrf() {
  try {
    await fetch('/api/csrf/', { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    // Offline at boot: the next successful GraphQL response sets the cookie too.
  }
}

/**
 * Token error texts (docs/graphql.md, Identity): a stale JWT cookie fails
 * the guarded fields.
 */
export const TOKEN_ERRORS = [
  'Signature has expired', 'Error decoding signature', 'Invalid token', 'Invalid payload', 'User is disabled',
];

/**
 * ApiError is a failed GraphQL call. fields maps form field names to
 * messages ("Invalid data"); general holds messages for the whole form
 * (parsed __all__ reprs, or the raw text); network is true when the request
 * itself failed (offline, 4xx/5xx without GraphQL errors).
 */
export class ApiError extends Error {
  constructor(message, { fields = {}, general = [], code = '', network = false, status = 0 } = {}) {
    super(message);
    this.name = 'ApiError';
    this.fields = fields;
    this.general = general;
    this.code = code;
    this.network = network;
    this.status = status;
  }

  /** isTokenError reports whether the error comes from a bad JWT cookie. */
  get isTokenError() {
    return TOKEN_ERRORS.some((t) => this.message.includes(t));
  }

  /** isNotFound reports a NOT_FOUND lookup error. */
  get isNotFound() {
    return this.code === 'NOT_FOUND';
  }

  /** messages lists everything worth showing, field messages as "field: msg". */
  get messages() {
    const out = [...this.general];
    for (const [f, msgs] of Object.entries(this.fields)) for (const m of msgs) out.push(`${f}: ${m}`);
    return out.length ? out : [this.message];
  }
}

/**
 * parseRepr parses the Python repr of a dict of lists of strings, such as
 * {'__all__': ['You already have a room with this name.']}, into an object.
 * It returns null for anything else. A real tokenizer, so apostrophes and
 * escapes inside messages survive.
 */
export function parseRepr(text) {
  let i = 0;
  const s = String(text).trim();
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  const eat = (c) => { ws(); if (s[i] !== c) throw new Error('expected ' + c); i++; };
  const str = () => {
    ws();
    const q = s[i];
    if (q !== "'" && q !== '"') throw new Error('expected string');
    i++;
    let out = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const n = s[i + 1];
        const map = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
        if (n === 'x' || n === 'u' || n === 'U') {
          const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
          out += String.fromCodePoint(parseInt(s.slice(i + 2, i + 2 + len), 16));
          i += 2 + len;
          continue;
        }
        out += map[n] ?? n;
        i += 2;
        continue;
      }
      out += s[i++];
    }
    if (s[i] !== q) throw new Error('unterminated string');
    i++;
    return out;
  };
  try {
    const result = {};
    eat('{');
    ws();
    if (s[i] === '}') return null;
    for (;;) {
      const key = str();
      eat(':');
      eat('[');
      const list = [];
      ws();
      if (s[i] !== ']') {
        for (;;) {
          list.push(str());
          ws();
          if (s[i] === ',') { i++; continue; }
          break;
        }
      }
      eat(']');
      result[key] = list;
      ws();
      if (s[i] === ',') { i++; continue; }
      break;
    }
    eat('}');
    ws();
    return i === s.length ? result : null;
  } catch {
    return null;
  }
}

/** toApiError turns the first GraphQL error object into an ApiError. */
export function toApiError(err) {
  const message = String(err?.message ?? 'Unknown error');
  const ext = err?.extensions ?? {};
  if (message === 'Invalid data' && ext.errors && typeof ext.errors === 'object') {
    const fields = {};
    for (const [k, v] of Object.entries(ext.errors)) fields[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    return new ApiError(message, { fields, code: ext.code || '' });
  }
  const repr = parseRepr(message);
  if (repr && Array.isArray(repr.__all__)) return new ApiError(message, { general: repr.__all__, code: ext.code || '' });
  return new ApiError(message, { general: [message], code: ext.code || '' });
}

let tokenErrorHook = null;

/**
 * onTokenError registers a callback run when a call fails because of a bad
 * JWT cookie; if it resolves true the call is retried once (after a refresh
 * or a local sign-out).
 */
export function onTokenError(fn) {
  tokenErrorHook = fn;
}

async function post(body, isForm) {
  const headers = { accept: 'application/json', 'X-CSRFToken': getCookie('csrftoken') };
  if (!isForm) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch('/graphql/', { method: 'POST', credentials: 'same-origin', headers, body });
  } catch (e) {
    throw new ApiError('Network error: the server could not be reached.', { network: true, general: ['Network error: the server could not be reached.'] });
  }
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (json && Array.isArray(json.errors) && json.errors.length) {
    const e = toApiError(json.errors[0]);
    e.status = res.status;
    e.data = json.data ?? null;
    throw e;
  }
  if (!res.ok || !json) {
    const msg = res.status === 403
      ? 'The request was refused (403). Reload the page and try again.'
      : `The server answered ${res.status}.`;
    throw new ApiError(msg, { network: true, status: res.status, general: [msg] });
  }
  return json.data;
}

async function withRetry(send, opts) {
  try {
    return await send();
  } catch (e) {
    if (!opts.noRetry && e instanceof ApiError && e.isTokenError && tokenErrorHook && (await tokenErrorHook(e))) {
      return await send();
    }
    throw e;
  }
}

/**
 * gql runs one operation: gql('Rooms', 'query Rooms(...) {...}', {search}).
 * Variables that are undefined are left out of the JSON, as the API's
 * updates need (left out = keep, null = clear; docs/graphql.md, Mutations).
 */
export function gql(operationName, query, variables = {}, opts = {}) {
  const clean = {};
  for (const [k, v] of Object.entries(variables)) if (v !== undefined) clean[k] = v;
  return withRetry(() => post(JSON.stringify({ operationName, variables: clean, query }), false), opts);
}

/**
 * gqlUpload sends an operation with one file as the GraphQL multipart
 * request (docs/graphql.md, File uploads): parts operations, map
 * {"1": ["variables.<name>"]} and the file as part "1".
 */
export function gqlUpload(operationName, query, variables, fileVar, file, opts = {}) {
  const build = () => {
    const vars = {};
    for (const [k, v] of Object.entries(variables)) if (v !== undefined) vars[k] = v;
    vars[fileVar] = null;
    const form = new FormData();
    form.append('operations', JSON.stringify({ operationName, variables: vars, query }));
    form.append('map', JSON.stringify({ 1: [`variables.${fileVar}`] }));
    form.append('1', file, file.name);
    return form;
  };
  return withRetry(() => post(build(), true), opts);
}
