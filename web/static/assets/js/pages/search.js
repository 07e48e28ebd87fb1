// Search (/search?q=…&room=…): the signed-in user's messages search over
// the rooms they take part in, newest first, with "Show more" paging. Each
// result links to its message in its room.
import { h, icon, timeEl, roomPath } from '../dom.js';
import { gql } from '../api.js';
import { Q } from '../queries.js';
import { snippetNodes } from '../threads.js';

export async function render(ctx) {
  const q = (ctx.query.get('q') || '').trim();
  ctx.setTitle(q ? `Search: ${q}` : 'Search');
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', value: q, maxlength: 200, placeholder: 'Words to find', autocomplete: 'off' });
  const form = h('form', { class: 'search-form', role: 'search', action: '/search' },
    h('label', { for: 'search-q', class: 'sr-only' }, 'Search messages'), input,
    h('button', { type: 'submit', class: 'btn btn-primary' }, icon('search', 16), ' Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (v) ctx.navigate(`/search?q=${encodeURIComponent(v)}`);
  });
  const status = h('p', { class: 'muted', role: 'status' });
  const list = h('ol', { class: 'search-results' });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Show more');
  ctx.main.append(h('section', { class: 'search-page card' }, h('h1', null, 'Search messages'), form, status, list, more));
  if (!q) {
    status.textContent = 'Find messages in the rooms you take part in.';
    input.setAttribute('data-autofocus', '');
    return;
  }

  let after = null;
  let count = 0;
  async function load() {
    more.disabled = true;
    try {
      const d = await gql('SearchMessages', Q.SearchMessages, { query: q, first: 20, after });
      const page = d.searchMessages;
      for (const r of page.results) list.append(resultEl(r));
      count += page.results.length;
      after = page.endCursor;
      more.hidden = !page.hasNextPage;
      status.textContent = count === 0 ? `No messages match “${q}”.` : `${count}${page.hasNextPage ? '+' : ''} ${count === 1 ? 'message' : 'messages'} found.`;
    } catch (e) {
      if (ctx.signal.aborted) return;
      status.textContent = e.messages?.join(' ') || e.message;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  await load();
}

function resultEl(r) {
  const m = r.message;
  const href = `${roomPath(m.room.host.username, m.room.slug)}#m-${m.id}`;
  return h('li', { class: 'search-result' },
    h('a', { class: 'search-hit', href },
      h('span', { class: 'search-room' }, m.room.name),
      h('span', { class: 'search-meta muted small' }, m.user.username, ' · ', timeEl(m.created, 'small')),
      h('span', { class: 'search-snippet' }, snippetNodes(r.snippet))));
}
