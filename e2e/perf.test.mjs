// Load-to-interactive time of the room page of a room with 200 messages,
// whose newest page (50) the client renders first. Printed, not asserted:
// the figure depends on the machine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, createRoomAPI, unique, screenshot, problemsOf,
} from './helpers.mjs';

const MESSAGES = 200;
const PAGE = 50; // the newest messages the room page loads first (pages/room.js)
const RUNS = 5;

describe('room page performance', () => {
  let browser;
  let ctx;
  let page;
  let room;

  before(async () => {
    browser = await launchBrowser();
    ctx = await newContext(browser);
    page = await ctx.newPage();
    const user = makeUser('perf');
    await page.goto('/');
    await registerAPI(page.request, user);
    await loginAPI(page, user);
    room = await createRoomAPI(page.request, { name: `Perf Room ${unique('p').slice(-5)}`, topicName: 'Benchmarks', description: 'Two hundred messages.' });
  });

  after(async () => {
    await browser?.close();
  });

  it(`seeds ${MESSAGES} messages over the WebSocket`, async () => {
    const sent = await page.evaluate(async ({ host, slug, n }) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat/${host}/${slug}`);
      await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error('socket failed')); });
      let echoed = 0;
      const done = new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`only ${echoed} echoes`)), 60_000);
        ws.onmessage = (ev) => {
          const f = JSON.parse(ev.data);
          if (f.error) { clearTimeout(timer); fail(new Error(f.error)); }
          if (f.action === 'new' && ++echoed === n) { clearTimeout(timer); ok(); }
        };
      });
      for (let i = 1; i <= n; i++) {
        const body = i % 10 === 0
          ? `Message ${i}: a longer note about the exercise, so rows have different heights and the list wraps text like a real conversation does.`
          : `Message ${i}`;
        ws.send(JSON.stringify({ type: 'text', message: body, timestamp: new Date().toISOString() }));
      }
      await done;
      ws.close();
      return echoed;
    }, { host: room.host.username, slug: room.slug, n: MESSAGES });
    assert.equal(sent, MESSAGES);
  });

  it('loads the room page and prints load-to-interactive times', async () => {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await ctx.newPage();
      await p.goto(`/u/${room.host.username}/${room.slug}`, { waitUntil: 'commit' });
      // Interactive: the newest page rendered, up to the last message,
      // and the composer usable.
      const t = await p.waitForFunction(({ n, last }) => {
        const rows = document.querySelectorAll('.messages .msg');
        const ready = document.querySelector('.layout-room[data-loaded]')
          && rows.length === n
          && rows[rows.length - 1].textContent.includes(last)
          && !document.querySelector('#composer')?.disabled;
        return ready ? performance.now() : false;
      }, { n: PAGE, last: `Message ${MESSAGES}:` }, { polling: 'raf', timeout: 20_000 });
      const rendered = await t.jsonValue();
      const live = await p.waitForFunction(() => (document.querySelector('.layout-room[data-live="open"]') ? performance.now() : false), null, { polling: 'raf' });
      times.push({ rendered, live: await live.jsonValue() });
      if (i === 0) await screenshot(p, 'room-200-messages');
      await p.close();
    }
    const r = times.map((x) => x.rendered);
    const sorted = [...r].sort((x, y) => x - y);
    const fmt = (x) => `${x.toFixed(0)} ms`;
    console.log(`room page, ${MESSAGES} messages, load to interactive: first (cold) ${fmt(r[0])}, median of ${RUNS} ${fmt(sorted[Math.floor(RUNS / 2)])}, best ${fmt(sorted[0])}`);
    console.log(`  socket open after: ${times.map((x) => fmt(x.live)).join(', ')}`);
    assert.deepEqual(problemsOf(ctx), []);
  });
});
