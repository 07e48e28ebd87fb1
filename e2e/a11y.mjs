// Accessibility checks for the browser tests: axe-core (WCAG 2.1 A and AA
// rules) injected into the page, and a check axe cannot make, the contrast
// of each keyboard focus indicator against the colours around it.
//
// Both return findings in one shape, {id, impact, help, nodes: [{target,
// html, summary}]}, and formatFindings prints them for a failing test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** AXE_TAGS are the rule sets run: WCAG 2.0 and 2.1, levels A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** FAILING_IMPACTS are the impacts that fail a test. */
export const FAILING_IMPACTS = ['serious', 'critical'];

/** MIN_FOCUS_CONTRAST is WCAG 1.4.11's ratio for a focus indicator against adjacent colours. */
export const MIN_FOCUS_CONTRAST = 3;

/**
 * REVIEW_FAILS lists rules whose "needs review" results count as
 * violations. axe leaves aria-label on an element without a role (a plain
 * div) to review when the element has text, but the label is ignored by
 * assistive technology either way.
 */
export const REVIEW_FAILS = ['aria-prohibited-attr'];

/**
 * axeFindings runs axe-core over the whole page and returns its violations
 * (and the results of REVIEW_FAILS left to review, marked as such). The
 * script is evaluated through the DevTools protocol, so the pages'
 * Content-Security-Policy does not block it.
 */
export async function axeFindings(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async ({ tags, review }) => {
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    });
    const shape = (v, note) => ({
      id: v.id,
      impact: v.impact,
      help: v.help + note,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary || '' })),
    });
    return [
      ...res.violations.map((v) => shape(v, '')),
      ...res.incomplete.filter((v) => review.includes(v.id)).map((v) => shape(v, ' (left to review by axe; counted as a violation here)')),
    ];
  }, { tags: AXE_TAGS, review: REVIEW_FAILS });
}

/**
 * focusFindings moves the keyboard focus through the page with Tab (at most
 * maxStops stops, stopping when the focus returns to where it started) and
 * reports each focused element whose focus indicator has less than 3:1
 * contrast with the colours next to it, or has none. The indicator is an
 * outline, else a solid ring drawn with box-shadow (spread, no blur), on
 * the element or on an ancestor up to two levels up (a search box styled
 * with :focus-within). Colours with transparency are composited over the
 * background behind them before the ratio is taken.
 */
export async function focusFindings(page, { maxStops = 60 } = {}) {
  await focusDocumentStart(page);
  const seen = new Set();
  const nodes = [];
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(measureFocus);
    if (!r || seen.has(r.key)) break;
    seen.add(r.key);
    if (r.problem) nodes.push({ target: r.target, html: r.html, summary: r.problem });
  }
  if (!nodes.length) return [];
  return [{
    id: 'focus-indicator-contrast',
    impact: 'serious',
    help: `Focus indicators must have at least ${MIN_FOCUS_CONTRAST}:1 contrast against adjacent colours (WCAG 1.4.11)`,
    helpUrl: 'https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html',
    nodes,
  }];
}

/**
 * focusDocumentStart makes the next Tab go to the first focusable element,
 * as on a freshly loaded page: it focuses a throwaway element placed first
 * in <body> and removes it (the next Tab starts where it was).
 */
export async function focusDocumentStart(page) {
  await page.evaluate(() => {
    const start = document.createElement('span');
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    start.remove();
  });
}

// measureFocus runs in the page: it describes document.activeElement and
// the contrast of its focus indicator. Self-contained (serialised by
// page.evaluate).
function measureFocus() {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  // Computed colours come as rgb()/rgba(), or as color(srgb r g b / a)
  // where color-mix() was used.
  const parse = (s) => {
    let m = /rgba?\(([^)]+)\)/.exec(s || '');
    if (m) {
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    }
    m = /color\(srgb ([^)]+)\)/.exec(s || '');
    if (m) {
      const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
      return { r: p[0] * 255, g: p[1] * 255, b: p[2] * 255, a: p.length > 3 ? p[3] : 1 };
    }
    return null;
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  // The colour an element's own box shows: its background composited over
  // its ancestors' backgrounds, down to white.
  const backdrop = (node) => {
    const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    let c = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  // A ring drawn with box-shadow: a spread of at least 1px and no blur.
  const ring = (node) => {
    const s = getComputedStyle(node).boxShadow;
    if (!s || s === 'none') return null;
    for (const part of s.split(/,(?![^(]*\))/)) {
      const color = parse(part);
      const lengths = part.replace(/(rgba?|color)\([^)]*\)/, '').trim().split(/\s+/).filter((x) => x.endsWith('px')).map(parseFloat);
      const [, , blur = 0, spread = 0] = lengths;
      if (color && color.a > 0 && spread >= 1 && blur === 0 && !/inset/.test(part)) return { color, width: spread };
    }
    return null;
  };

  // The indicator: an outline, else a ring, on the element or (for a
  // control styled through :focus-within) on an ancestor up to two up.
  const describe = () => {
    for (let n = el, depth = 0; n && depth < 3; n = n.parentElement, depth++) {
      const where = depth ? ' on an ancestor' : '';
      const cs = getComputedStyle(n);
      const outside = backdrop(n.parentElement || n);
      if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1) {
        const color = parse(cs.outlineColor);
        if (color && color.a > 0) {
          const shown = over(color, outside);
          const next = [outside];
          if (parseFloat(cs.outlineOffset) <= 0) next.push(backdrop(n));
          const worst = Math.min(...next.map((c) => ratio(shown, c)));
          return { kind: 'outline' + where, shown, worst, against: next };
        }
      }
      const r = ring(n);
      if (r) {
        const shown = over(r.color, outside);
        return { kind: 'ring' + where, shown, worst: ratio(shown, outside), against: [outside] };
      }
    }
    return null;
  };

  const rect = el.getBoundingClientRect();
  const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.getAttribute('placeholder') || '';
  const target = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + (name ? ` "${name}"` : '');
  const html = el.outerHTML.slice(0, 160);
  const key = target + '|' + Math.round(rect.left) + ',' + Math.round(rect.top);
  if (rect.width === 0 && rect.height === 0) return { key, target, html, problem: '' };
  const d = describe();
  let problem = '';
  if (!d) problem = 'No visible focus indicator (no outline and no box-shadow ring).';
  else if (d.worst < 3) {
    problem = `Focus ${d.kind} ${hex(d.shown)} has ${d.worst.toFixed(2)}:1 against ${d.against.map(hex).join(', ')} (needs 3:1).`;
  }
  return { key, target, html, problem };
}

/** failing keeps the findings whose impact fails a test. */
export function failing(findings) {
  return findings.filter((f) => FAILING_IMPACTS.includes(f.impact));
}

/** formatFindings renders findings for a test failure: rule, impact, help, then each element. */
export function formatFindings(state, findings) {
  const lines = [];
  for (const f of findings) {
    lines.push(`[${state}] ${f.id} (${f.impact}): ${f.help}`);
    if (f.helpUrl) lines.push(`    ${f.helpUrl}`);
    for (const n of f.nodes.slice(0, 8)) {
      lines.push(`  - ${n.target}`);
      lines.push(`      ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      for (const s of n.summary.split('\n').filter(Boolean)) lines.push(`      ${s.trim()}`);
    }
    if (f.nodes.length > 8) lines.push(`  … and ${f.nodes.length - 8} more elements`);
  }
  return lines.join('\n');
}

/**
 * audit runs axe and the focus check on the page as it is and returns the
 * findings that fail a test (serious or critical).
 */
export async function audit(page, { focus = true } = {}) {
  const found = await axeFindings(page);
  if (focus) found.push(...(await focusFindings(page)));
  return failing(found);
}
