// Replies, search results and reports (docs/graphql.md, "Replies, search
// and reports"). User content is set as text only; a search snippet keeps
// nothing of the server's HTML but its text and its <mark> elements.
import { h, icon } from './dom.js';
import { gql } from './api.js';
import { Q } from './queries.js';
import { toast } from './ui.js';

const MAX_REASON = 500;

/** replyQuote shows the parent of a reply; clicking it jumps to the parent. */
export function replyQuote(r, onJump) {
  if (!r) return null;
  if (r.deleted) {
    return h('p', { class: 'reply-quote reply-deleted muted small' }, 'Reply to a deleted message');
  }
  const who = r.author?.username || 'someone';
  return h('button', {
    type: 'button', class: 'reply-quote', dataset: { replyTo: r.id },
    'aria-label': `Reply to ${who}: ${r.excerpt}. Show the message.`,
    onclick: () => onJump(r.id),
  }, h('span', { class: 'reply-author' }, who), ' ', h('span', { class: 'reply-excerpt' }, r.excerpt));
}

/** jumpTo scrolls to message id and highlights it; false when it is not on the page. */
export function jumpTo(id) {
  const el = document.getElementById(`m-${id}`);
  if (!el) return false;
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.remove('msg-highlight');
  void el.offsetWidth; // restart the animation
  el.classList.add('msg-highlight');
  el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
  setTimeout(() => el.classList.remove('msg-highlight'), 2500);
  return true;
}

/** replyBar is the composer's "Replying to …" line with its cancel button. */
export function replyBar(m, authorName, onCancel) {
  return h('div', { class: 'reply-bar', role: 'status' },
    h('span', { class: 'small' }, 'Replying to ', h('strong', null, authorName), ': ',
      h('span', { class: 'reply-excerpt' }, excerpt(m.body))),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Cancel the reply', title: 'Cancel reply', onclick: onCancel }, icon('x', 16)));
}

function excerpt(s) {
  const t = String(s || '').replace(/\s+/g, ' ').trim();
  return [...t].length > 80 ? [...t].slice(0, 80).join('') + '…' : t;
}

/** reportDialog asks for a reason and reports message m to the moderators. */
export function reportDialog(m) {
  return new Promise((resolve) => {
    const reason = h('textarea', { id: 'report-reason', name: 'reason', rows: 3, maxlength: MAX_REASON, required: true });
    const err = h('p', { class: 'field-error', id: 'report-err', hidden: true });
    reason.setAttribute('aria-describedby', 'report-err');
    const send = h('button', { type: 'submit', class: 'btn btn-danger', value: 'ok' }, 'Report');
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const form = h('form', null,
      h('h2', { id: 'report-title' }, 'Report this message'),
      h('p', { class: 'muted small' }, excerpt(m.body)),
      h('label', { for: 'report-reason' }, 'What is wrong with it?'), reason, err,
      h('div', { class: 'actions' }, cancel, send));
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'report-title' }, form);
    let done = false;
    const close = (ok) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(ok);
    };
    cancel.addEventListener('click', () => close(false));
    dlg.addEventListener('cancel', () => close(false));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        err.textContent = 'Say what is wrong with the message.';
        err.hidden = false;
        reason.focus();
        return;
      }
      send.disabled = true;
      try {
        await gql('ReportMessage', Q.ReportMessage, { messageId: m.id, reason: text });
        toast('Thank you. The moderators will look at it.', 'ok');
        close(true);
      } catch (e) {
        err.textContent = e.messages?.join(' ') || e.message;
        err.hidden = false;
        send.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    reason.focus();
  });
}

/**
 * snippetNodes turns a search snippet (escaped text with <mark> elements)
 * into nodes: text, and <mark> elements holding text. Anything else the
 * string might hold stays text.
 */
export function snippetNodes(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const out = [];
  for (const n of doc.body.childNodes) {
    if (n.nodeType === Node.ELEMENT_NODE && n.nodeName === 'MARK') out.push(h('mark', null, n.textContent));
    else out.push(n.textContent);
  }
  return out;
}
