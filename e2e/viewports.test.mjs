// The client at phone width (390×800) and on a desktop (1280 wide), checked
// the way a person would notice: the message box on screen when a room
// opens, badges not cut off, a newcomer shown by name, toasts clear of the
// room's buttons and panels, errors under the field they are about, a
// search placeholder that fits and a labelled "New room" button.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newContext, makeUser, registerAPI, loginAPI, createRoomAPI, waitReady, screenshot, messageRow, problemsOf, unique,
} from './helpers.mjs';

const WIDTHS = [
  { name: 'phone', viewport: { width: 390, height: 800 }, contextOptions: { isMobile: true, hasTouch: true } },
  { name: 'desktop', viewport: { width: 1280, height: 860 }, contextOptions: {} },
];

// A description near the 500-character limit: on a phone it would push the
// chat below the screen if it were shown whole.
const LONG_DESCRIPTION = 'Triangles, circles and proofs. Bring the exercises you are stuck on and we will work through them together, '
  + 'one step at a time. We start every session with ten minutes of warm-up problems, then take turns presenting a proof '
  + 'to the group, and end with a short list of exercises for the next time. Beginners are welcome: nobody is expected to '
  + 'know the answers, only to show up with questions. Please keep the chat on topic and be kind.';

/** box is an element's rectangle in viewport coordinates. */
function box(locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
  });
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

const fmt = (r) => `[${Math.round(r.left)},${Math.round(r.top)} → ${Math.round(r.right)},${Math.round(r.bottom)}]`;

/** signedIn opens a context at the given size with a fresh account signed in. */
async function signedIn(browser, size, prefix) {
  const ctx = await newContext(browser, { contextOptions: { viewport: size.viewport, ...size.contextOptions } });
  const page = await ctx.newPage();
  const user = makeUser(prefix);
  await page.goto('/');
  await registerAPI(page.request, user);
  await loginAPI(page, user);
  return { ctx, page, user };
}

async function openRoom(page, path) {
  await page.goto(path);
  await waitReady(page);
  await page.locator('.layout-room[data-live="open"]').waitFor();
}

for (const size of WIDTHS) {
  describe(`client at ${size.name} width (${size.viewport.width}×${size.viewport.height})`, () => {
    let browser;
    let host; // {ctx, page, user}
    let room;
    let roomPath = '';
    const contexts = [];

    before(async () => {
      browser = await launchBrowser();
      host = await signedIn(browser, size, 'host');
      contexts.push(host.ctx);
      room = await createRoomAPI(host.page.request, {
        name: `Layout ${unique('r').slice(-5)}`,
        topicName: 'Geometry',
        description: LONG_DESCRIPTION,
      });
      roomPath = `/u/${room.host.username}/${room.slug}`;
    });

    after(async () => {
      await browser?.close();
    });

    it('shows the message box on screen when a room opens', async () => {
      const { page } = host;
      await openRoom(page, roomPath);
      const vh = page.viewportSize().height;
      for (const [what, loc] of [['message box', page.getByLabel('Message', { exact: true })], ['Send button', page.getByRole('button', { name: 'Send message' })]]) {
        const r = await box(loc);
        assert.ok(r.top >= 0 && r.bottom <= vh, `${what} at ${fmt(r)}, viewport height ${vh}`);
      }
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page opened scrolled');
      await screenshot(page, `room-${size.name}`);
    });

    it('shows a long room description whole, at once or on request', async () => {
      const { page } = host;
      await openRoom(page, roomPath);
      const desc = page.locator('.room-description');
      const clipped = () => desc.evaluate((el) => el.scrollHeight > el.clientHeight + 1);
      const more = page.getByRole('button', { name: 'Show more' });
      if (size.name === 'phone') {
        await more.waitFor();
        assert.equal(await clipped(), true, 'the description is cut to a few lines');
        await more.click();
        const less = page.getByRole('button', { name: 'Show less' });
        assert.equal(await less.getAttribute('aria-expanded'), 'true');
        assert.equal(await clipped(), false, 'the whole description shows after "Show more"');
        await less.click();
        assert.equal(await clipped(), true);
      } else {
        assert.equal(await clipped(), false, 'the description is cut on a desktop');
        assert.equal(await more.isVisible(), false);
      }
    });

    it('shows the host and you badges whole in the participants panel', async () => {
      const { page } = host;
      await openRoom(page, roomPath);
      const list = page.locator('.participants');
      const row = list.locator('li', { hasText: host.user.name });
      await row.getByText('host', { exact: true }).waitFor();
      await row.getByText('you', { exact: true }).waitFor();
      const clip = await box(list);
      for (const label of ['host', 'you']) {
        const r = await box(row.getByText(label, { exact: true }));
        assert.ok(r.left >= clip.left && r.right <= clip.right && r.top >= clip.top && r.bottom <= clip.bottom,
          `"${label}" badge at ${fmt(r)}, panel shows ${fmt(clip)}`);
      }
      const overflow = await list.evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.ok(overflow <= 0, `participants list overflows sideways by ${overflow}px`);
    });

    it('shows someone who joins while the page is open by name', async () => {
      const { page } = host;
      await openRoom(page, roomPath);
      const guest = await signedIn(browser, size, 'guest');
      contexts.push(guest.ctx);
      await guest.page.goto(roomPath);
      await waitReady(guest.page);
      await guest.page.getByRole('button', { name: 'Join room' }).click();
      await guest.page.locator('.layout-room[data-live="open"]').waitFor();
      await guest.page.getByLabel('Message', { exact: true }).fill('Hello, I just joined');
      await guest.page.keyboard.press('Enter');

      const row = messageRow(page, 'Hello, I just joined');
      await row.waitFor();
      await row.locator('.msg-author', { hasText: guest.user.name }).waitFor();
      const participants = page.locator('.participants');
      await participants.getByText(guest.user.name, { exact: true }).waitFor();
      assert.equal(await participants.getByText(guest.user.username, { exact: true }).count(), 0, 'participant shown by username');
      assert.match(await page.locator('#participants-heading').innerText(), /2 participants/i);
    });

    it('keeps toasts clear of the Delete button, the participants panel and the message box', async () => {
      const { page } = host;
      await page.goto(`${roomPath}/edit`);
      await waitReady(page);
      await page.getByLabel('Description').fill('Triangles first, then circles.');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL((u) => u.pathname === roomPath);
      // The toast is fixed in place and lasts a few seconds: measure it at
      // once, then the room as it finishes loading under it.
      const toast = page.locator('.toast', { hasText: 'Room saved.' });
      await toast.waitFor();
      const t = await box(toast);
      await page.locator('.layout-room[data-loaded]').waitFor();
      await screenshot(page, `toast-${size.name}`);
      for (const [what, loc] of [
        ['Delete button', page.getByRole('button', { name: 'Delete', exact: true })],
        ['Edit room link', page.getByRole('link', { name: 'Edit room' })],
        ['participants panel', page.locator('.room-side')],
        ['message box', page.getByLabel('Message', { exact: true })],
        ['Send button', page.getByRole('button', { name: 'Send message' })],
      ]) {
        const r = await box(loc);
        assert.ok(!overlaps(t, r), `toast ${fmt(t)} covers the ${what} ${fmt(r)}`);
      }
    });

    it('shows password rule errors under Password and a mismatch under Confirm password', async () => {
      const ctx = await newContext(browser, { contextOptions: { viewport: size.viewport, ...size.contextOptions } });
      contexts.push(ctx);
      const page = await ctx.newPage();
      const u = makeUser('pw');
      await page.goto('/register');
      await waitReady(page);
      await page.getByLabel('Username').fill(u.username);
      await page.getByLabel('Name', { exact: true }).fill(u.name);
      await page.getByLabel('Email').fill(u.email);
      await page.getByLabel('Password', { exact: true }).fill('iloveyou');
      await page.getByLabel('Confirm password').fill('iloveyou');
      await page.getByRole('button', { name: 'Create account' }).click();
      const pwErr = page.locator('.field[data-field="password1"] .field-error');
      await pwErr.waitFor({ state: 'visible' });
      assert.match(await pwErr.innerText(), /This password is too common\./);
      assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('.field[data-field="password2"] .field-error').isVisible(), false, 'an error under Confirm password');
      assert.equal(await page.getByLabel('Confirm password').getAttribute('aria-invalid'), null);
      await screenshot(page, `register-common-password-${size.name}`);

      await page.getByLabel('Password', { exact: true }).fill(u.password);
      await page.getByLabel('Confirm password').fill(u.password + 'x');
      await page.getByRole('button', { name: 'Create account' }).click();
      const matchErr = page.locator('.field[data-field="password2"] .field-error');
      await matchErr.waitFor({ state: 'visible' });
      assert.match(await matchErr.innerText(), /didn’t match/);
      assert.equal(await pwErr.isVisible(), false);
    });

    it('fits the search placeholder in the search box', async () => {
      const { page } = host;
      await page.goto('/');
      await waitReady(page);
      const search = page.getByRole('searchbox', { name: 'Search rooms' });
      await search.waitFor();
      const fit = await search.evaluate((el) => {
        const cs = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return { text: el.placeholder, need: ctx.measureText(el.placeholder).width, room };
      });
      assert.ok(fit.text.length > 0, 'no placeholder');
      assert.ok(fit.need <= fit.room, `placeholder "${fit.text}" needs ${fit.need.toFixed(0)}px, the box has ${fit.room.toFixed(0)}px`);
    });

    it('labels the New room button and keeps the top bar on screen', async () => {
      const { page } = host;
      await page.goto('/');
      await waitReady(page);
      const newRoom = page.getByRole('banner').getByRole('link', { name: 'New room' });
      await newRoom.waitFor();
      assert.equal((await newRoom.innerText()).trim(), 'New room', 'visible label of the New room button');
      const vw = page.viewportSize().width;
      for (const [what, loc] of [
        ['New room', newRoom],
        ['profile link', page.getByRole('link', { name: 'Your profile' })],
        ['Sign out', page.getByRole('button', { name: 'Sign out' })],
        ['brand', page.getByRole('link', { name: 'EduSphere' })],
      ]) {
        const r = await box(loc);
        assert.ok(r.left >= 0 && r.right <= vw, `${what} at ${fmt(r)}, viewport width ${vw}`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
      await screenshot(page, `home-${size.name}`);
    });

    it('made no external requests and raised no page errors', () => {
      assert.deepEqual(problemsOf(...contexts), []);
    });
  });
}
