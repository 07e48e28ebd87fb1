// Shared widgets: toasts, the confirm dialog, form fields with inline
// errors, and the theme switch.
import { h, icon } from './dom.js';
import { ApiError } from './api.js';

const MAX_TOASTS = 3;

/**
 * toast shows a short message in the live region; kind is 'info' | 'error'
 * | 'ok'. At most three show at once, the oldest giving way, so a burst of
 * them never piles down over the page.
 */
export function toast(text, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  while (box.children.length >= MAX_TOASTS) box.firstElementChild.remove();
  const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Dismiss' }, icon('x', 16));
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null }, h('span', null, text), close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  box.append(el);
  setTimeout(remove, ms);
}

/** confirmDialog asks a yes/no question in a modal <dialog>; resolves true on confirm. */
export function confirmDialog(title, text, confirmLabel = 'Delete') {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', class: 'btn btn-danger', value: 'ok' }, confirmLabel);
    const cancel = h('button', { type: 'submit', class: 'btn', value: 'cancel', formnovalidate: true }, 'Cancel');
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'dlg-title' }, title),
        h('p', null, text),
        h('div', { class: 'actions' }, cancel, ok)));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

let fieldSeq = 0;

/**
 * field renders a labelled input with a hint and an error slot wired up
 * with aria-describedby. opts: {label, name, type, value, required,
 * autocomplete, maxlength, pattern, hint, multiline, rows, attrs}.
 */
export function field(opts) {
  const id = `f-${opts.name}-${++fieldSeq}`;
  const errId = `${id}-err`;
  const hintId = opts.hint ? `${id}-hint` : null;
  const tag = opts.multiline ? 'textarea' : 'input';
  const input = h(tag, {
    id, name: opts.name, type: opts.multiline ? null : (opts.type || 'text'),
    required: !!opts.required, autocomplete: opts.autocomplete || null,
    maxlength: opts.maxlength || null, pattern: opts.pattern || null, rows: opts.rows || null,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    ...(opts.attrs || {}),
  });
  if (opts.value != null) input.value = opts.value;
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const wrap = h('div', { class: 'field', dataset: { field: opts.name } },
    h('label', { for: id }, opts.label, opts.required || opts.type === 'file' ? null : h('span', { class: 'optional' }, ' (optional)')),
    input,
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null,
    err);
  return { wrap, input, err };
}

/**
 * FormErrors shows errors next to fields (by field name) and a summary box
 * for messages that belong to no field.
 */
export class FormErrors {
  constructor(form, fields) {
    this.form = form;
    this.fields = fields; // name -> {input, err}
    this.box = h('div', { class: 'form-alert', role: 'alert', hidden: true });
    form.prepend(this.box);
  }

  clear() {
    this.box.hidden = true;
    this.box.textContent = '';
    for (const f of Object.values(this.fields)) {
      f.err.hidden = true;
      f.err.textContent = '';
      f.input.removeAttribute('aria-invalid');
    }
  }

  /** set shows {field: [msgs]} and general messages; focuses the first problem in form order. */
  set(fieldMsgs = {}, general = []) {
    this.clear();
    let first = null;
    const stray = [...general];
    for (const [name, msgs] of Object.entries(fieldMsgs)) {
      if (!this.fields[name]) for (const m of msgs) stray.push(`${name}: ${m}`);
    }
    for (const [name, f] of Object.entries(this.fields)) {
      const msgs = fieldMsgs[name];
      if (!msgs?.length) continue;
      f.err.hidden = false;
      for (const m of msgs) f.err.append(h('span', null, m));
      f.input.setAttribute('aria-invalid', 'true');
      first ||= f.input;
    }
    if (stray.length) {
      this.box.hidden = false;
      if (stray.length === 1) this.box.textContent = stray[0];
      else this.box.append(h('ul', null, stray.map((m) => h('li', null, m))));
      if (!first) {
        this.box.setAttribute('tabindex', '-1');
        this.box.focus();
      }
    }
    first?.focus();
  }

  /** show renders an ApiError (or any error). */
  show(e) {
    if (e instanceof ApiError) this.set(e.fields, e.general.length || Object.keys(e.fields).length ? e.general : [e.message]);
    else this.set({}, [String(e?.message || e)]);
  }
}

/** busy disables a button while work runs, with a label for the wait. */
export async function busy(button, label, work) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = old;
  }
}

const THEME_KEY = 'edusphere.theme';

/** currentTheme is the theme in effect: the saved choice, else the system's. */
export function currentTheme() {
  const t = document.documentElement.dataset.theme;
  if (t === 'light' || t === 'dark') return t;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** themeToggle is the button that flips between light and dark and remembers it. */
export function themeToggle() {
  const btn = h('button', { type: 'button', class: 'icon-btn theme-toggle' });
  const paint = () => {
    const dark = currentTheme() === 'dark';
    btn.replaceChildren(icon(dark ? 'sun' : 'moon', 20));
    btn.setAttribute('aria-label', dark ? 'Switch to light theme' : 'Switch to dark theme');
    btn.title = btn.getAttribute('aria-label');
  };
  btn.addEventListener('click', () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem(THEME_KEY, next); } catch { /* not persisted */ }
    paint();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', paint);
  paint();
  return btn;
}
