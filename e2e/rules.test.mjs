// The text rules as they ship: the WebAssembly build of `shared::validate` in Chromium
// (NFC by the browser's own `String.prototype.normalize`) judging a seeded corpus of
// tricky text in the form, and the API (the same rules compiled natively, after a JSON
// round trip) judging what the form would send. They must agree on every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, api, idToken, inBrowser, signUp, useBrowser } from './helpers.mjs';

useBrowser();

const CASES = 160;
const SEED = 0x5eedb0a2;

/** mulberry32: a small seeded generator, so every run checks the same cases. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The characters the rules are about: space and line breaks, controls, zero-width and
// bidi characters, joiners and selectors, fillers, tags, combining marks and Hangul
// jamo (which NFC composes), and ordinary letters in several scripts.
const INTERESTING = [
  ' ', '\n', '\r', '\t', '\u0000', '\u0085', '\u200B', '\u200C', '\u200D', '\u202E', '\u2067',
  '\uFEFF', '\uFE0F', '\u3164', '\u2800', '\u3000', '\u{1F3F4}', '\u{E0067}', '\u{E007F}',
  '\u1112', '\u1161', '\u0301', 'e', 'A', '가', '한', 'ß', 'ﬁ', 'Ω', '👍', 'é',
];

function tricky(next) {
  const roll = next();
  // Lengths at the limits, where NFC decides: 200 or 201 characters once composed.
  if (roll < 0.04) return 'e\u0301'.repeat(200 + Math.floor(next() * 2));
  if (roll < 0.07) return '\u1112\u1161'.repeat(199 + Math.floor(next() * 3));
  if (roll < 0.09) return 'x'.repeat(19_999 + Math.floor(next() * 3));
  if (roll < 0.35) return ['Hello', '게시판', 'Ünïcödé', 'a b', 'x'][Math.floor(next() * 5)];
  let text = '';
  const length = Math.floor(next() * 12);
  for (let i = 0; i < length; i++) {
    if (next() < 0.8) text += INTERESTING[Math.floor(next() * INTERESTING.length)];
    else text += String.fromCodePoint(Math.floor(next() * 0x2ffff));
  }
  return text;
}

/** The rule a message names, whether the form's English text or the API's. */
function rule(message) {
  if (!message) return null;
  if (/must not be blank/.test(message)) return 'blank';
  const long = message.match(/at most (\d+) characters/);
  if (long) return `too_long ${long[1]}`;
  if (/control characters other than newline and tab/.test(message)) return 'control (contents)';
  if (/control characters/.test(message)) return 'control';
  if (/invisible formatting characters/.test(message)) return 'invisible';
  throw new Error(`a message naming no known rule: ${message}`);
}

test('the form in Chromium and the API agree on every case of a seeded corpus of tricky text', { timeout: 10 * TIMEOUT }, (t) =>
  inBrowser(t, async (page) => {
    await signUp(page, 'rules');
    const token = await idToken(page);
    await page.getByRole('link', { name: 'Write', exact: true }).click();
    await page.getByLabel('Title').waitFor();
    const next = generator(SEED);
    // The limits exactly, where the browser's NFC and the API's must count alike; then
    // the seeded cases.
    const cases = [
      ['e\u0301'.repeat(200), 'e\u0301'.repeat(20_000)],
      ['\u1112\u1161'.repeat(200), 'x'.repeat(20_000)],
      ['e\u0301'.repeat(201), 'c'],
      ['t', 'e\u0301'.repeat(20_001)],
      ['t', 'x'.repeat(20_001)],
      ['  \u3000 ', 'c'],
      ['t', ' \n\t '],
      ['t\u0085', 'c'],
      ['t', 'a\rb'],
      ['t\u202E', 'c'],
      ['t', 'c\u200B'],
      ...Array.from({ length: CASES }, () => [tricky(next), tricky(next)]),
    ];

    // Each case typed into the form as an input event, the rules shown once the
    // reactive updates have run (a task later), and the values the form would send.
    const judged = await page.evaluate(async (cases) => {
      const title = document.getElementById('post-title');
      const contents = document.getElementById('post-contents');
      for (const field of [title, contents]) {
        field.focus();
        field.blur();
      }
      const type = (field, value) => {
        field.value = value;
        field.dispatchEvent(new Event('input', { bubbles: true }));
      };
      const out = [];
      for (const [t, c] of cases) {
        type(title, t);
        type(contents, c);
        await new Promise((resolve) => setTimeout(resolve, 0));
        out.push({
          title: title.value,
          contents: contents.value,
          titleError: document.getElementById('post-title-error').textContent,
          contentsError: document.getElementById('post-contents-error').textContent,
        });
      }
      return out;
    }, cases);

    const seen = new Set();
    for (const [i, form] of judged.entries()) {
      const expected = rule(form.titleError)
        ? { status: 422, field: 'title', rule: rule(form.titleError) }
        : rule(form.contentsError)
          ? { status: 422, field: 'contents', rule: rule(form.contentsError) }
          : { status: 201, field: null, rule: null };
      let reply;
      for (;;) {
        reply = await api('POST', '/posts', token, { title: form.title, contents: form.contents });
        if (reply.status !== 429) break;
        // The quota (accepted cases cost a write): wait as told, then send again.
        await new Promise((resolve) => setTimeout(resolve, Number(reply.headers.get('retry-after')) * 1000));
      }
      const got = {
        status: reply.status,
        field: reply.body?.error?.field ?? null,
        rule: rule(reply.body?.error?.message),
      };
      assert.deepEqual(got, expected, `case ${i}: ${JSON.stringify(cases[i]).slice(0, 300)}`);
      seen.add(expected.rule ? `${expected.field} ${expected.rule}` : 'accepted');
    }
    // The corpus reaches every rule of both fields, and text both accept.
    for (const kind of [
      'accepted', 'title blank', 'title too_long 200', 'title control', 'title invisible',
      'contents blank', 'contents too_long 20000', 'contents control (contents)', 'contents invisible',
    ]) {
      assert.ok(seen.has(kind), `the corpus never reached ${kind}: ${[...seen]}`);
    }
  }));
