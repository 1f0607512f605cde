// Browser tests: real Chromium, driven by playwright-core, through the whole local
// stack (hosted-UI imitation, backend, moto) as `cargo xtask test` starts it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  API,
  MODERATOR,
  MODERATOR_PASSWORD,
  WRITES_PER_MINUTE,
  PASSWORD,
  TIMEOUT,
  inBrowser,
  newEmail,
  nameFor,
  expectSignedIn,
  chooseName,
  signInThroughHostedUi,
  register,
  signUp,
  idToken,
  api,
  writePost,
  useBrowser,
} from './helpers.mjs';

useBrowser();

describe('the site as CloudFront serves it (the local stand-in, from the template)', () => {
  const get = (urlPath, headers = {}) => fetch(new URL(urlPath, APP), { headers, redirect: 'manual' });

  test('every answer carries the template\'s security headers, the API\'s too', async () => {
    for (const urlPath of ['/', '/api/health']) {
      const response = await get(urlPath);
      assert.equal(response.status, 200, urlPath);
      const csp = response.headers.get('content-security-policy');
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]{43}='/, urlPath);
      assert.match(csp, /frame-ancestors 'none'/);
      // The app calls the API on its own origin: no other address is handed out.
      assert.match(csp, /connect-src 'self';/, urlPath);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', urlPath);
      assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin', urlPath);
      const permissions = response.headers.get('permissions-policy') ?? '';
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) {
        assert.ok(permissions.split(', ').includes(`${feature}=()`), `${urlPath}: ${feature} off in ${permissions}`);
      }
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', urlPath);
      assert.match(response.headers.get('strict-transport-security'), /^max-age=\d+/, urlPath);
    }
  });

  test('deep links get the app, files are served as they are, and a missing file is 403 as from S3', async () => {
    const home = await (await get('/')).text();
    for (const deep of ['/posts/7', '/posts/7/edit', '/write', '/me']) {
      const response = await get(deep);
      assert.equal(response.status, 200, deep);
      assert.equal(await response.text(), home, deep);
    }
    const config = await get('/config.json');
    assert.equal(config.headers.get('content-type'), 'application/json');
    assert.equal((await config.json()).api_base, '/api');
    assert.equal((await get('/frontend-missing.js')).status, 403);
  });

  test('/api/* reaches the API with the prefix stripped and the query kept, compressed like the site', async () => {
    const health = await get('/api/health');
    assert.deepEqual(await health.json(), { status: 'ok' });
    const bad = await get('/api/posts?limit=0');
    assert.equal(bad.status, 401, 'the API answered, not the site');
    // The stand-in sends the origin secret as CloudFront does (replacing a viewer's):
    // the backend itself refuses a request that did not come through it.
    const forged = await get('/api/health', { 'x-origin-verify': 'not-the-secret' });
    assert.equal(forged.status, 200, "the viewer's header is replaced");
    const around = await fetch(new URL('/health', API));
    assert.equal(around.status, 403, 'the API answers only through the site');
    assert.equal((await around.json()).error.code, 'forbidden');
    const script = home().match(/\/frontend-[0-9a-f]+\.js/)[0];
    const raw = await fetch(new URL(script, APP), { headers: { 'accept-encoding': 'br' } });
    assert.equal(raw.headers.get('content-encoding'), 'br');
    // CloudFront does not compress WebAssembly: a browser that accepts brotli gets the
    // deploy's brotli copy, any other the module as it is.
    const wasm = home().match(/\/frontend-[0-9a-f]+_bg\.wasm/)[0];
    const packed = await fetch(new URL(wasm, APP), { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(packed.headers.get('content-encoding'), 'br');
    assert.equal(packed.headers.get('content-type'), 'application/wasm');
    const plain = await fetch(new URL(wasm, APP), { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.deepEqual(Buffer.from(await packed.arrayBuffer()), Buffer.from(await plain.arrayBuffer()));
    const spec = await get('/api/openapi.json', { 'accept-encoding': 'gzip' });
    assert.equal(spec.headers.get('content-encoding'), 'gzip');
    assert.equal((await spec.json()).info.title, 'The board');
  });

  let homeHtml = '';
  before(async () => {
    homeHtml = await (await get('/')).text();
  });
  const home = () => homeHtml;
});

describe('the board in a browser', { timeout: 15 * 60_000 }, () => {
  test('sign up, confirm with the emailed code, sign in, and come back signed in with no token in the address bar', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await page.goto(APP);
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      await signUp(page, 'newcomer');
      assert.equal(await page.evaluate(() => location.hash), '');
      assert.ok(!page.url().includes('token'), page.url());
      // One entry per page the tab was shown: the blank page it opened with, the
      // board, the sign-in form, the sign-up form, the confirmation form, the confirmed
      // sign-in form, and the board again, whose callback address (with the tokens)
      // the app replaced rather than pushed: no history entry holds a token.
      assert.equal(await page.evaluate(() => history.length), 7);
    }));

  test('a reload asks for config.json once, through the preload, and the profile and first posts while the app downloads', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'early');
      const title = `Early ${Date.now()}`;
      await writePost(page, title, 'c');
      await page.goto(APP);
      await page.getByTestId('post-list').waitFor();
      const requests = [];
      const warnings = [];
      page.on('console', (m) => m.text().includes('preloaded using link preload but not used') && warnings.push(m.text()));
      // Who asked for each request (the page's own record, not a race against the
      // clock): the HTML's preload, start.js, or the app's WebAssembly glue.
      const cdp = await page.context().newCDPSession(page);
      cdp.on('Network.requestWillBeSent', ({ request, initiator }) => {
        const frames = initiator.stack?.callFrames ?? [];
        const script = frames.length ? new URL(frames[frames.length - 1].url, APP).pathname : null;
        requests.push({ url: new URL(request.url).pathname, type: initiator.type, script });
      });
      await cdp.send('Network.enable');
      // A slow link, as a phone's: what the bench measures the first view on.
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 150,
        downloadThroughput: (1.6 * 1000 * 1000) / 8,
        uploadThroughput: (750 * 1000) / 8,
      });
      await page.reload();
      await page.getByTestId('post-list').waitFor();
      // Chromium warns of an unused preload 3 s after the load event, from a timer in
      // the page's renderer: a page timer set later for later fires after it, and the
      // warning reaches this test before the timer's answer, however slow the machine.
      await page.evaluate(() => new Promise((resolve) => {
        const wait = () => setTimeout(resolve, Math.max(0, performance.timing.loadEventEnd + 3500 - Date.now()));
        if (performance.timing.loadEventEnd) wait();
        else addEventListener('load', () => setTimeout(wait, 0));
      }));
      assert.deepEqual(warnings, []);
      const config = requests.filter((r) => r.url === '/config.json');
      assert.equal(config.length, 1, JSON.stringify(requests));
      assert.equal(config[0].type, 'parser', `asked for by the HTML's preload: ${JSON.stringify(config)}`);
      // start.js asks for the profile and the first posts (while the WebAssembly
      // downloads: the bench measures how much earlier), and the app takes those
      // answers instead of asking again.
      for (const path of ['/api/me', '/api/posts']) {
        const sent = requests.filter((r) => r.url === path);
        assert.equal(sent.length, 1, `${path}: ${JSON.stringify(requests)}`);
        assert.match(sent[0].script ?? '', /^\/start-[^/]*\.js$/, `${path} asked by start.js: ${JSON.stringify(sent)}`);
      }
      await page.getByTestId('post-list').getByRole('link', { name: title }).waitFor();
    }));

  test('write a post, see it first in the list, open it, edit it, delete it', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'writer');
      const title = `First post ${Date.now()}`;
      const id = await writePost(page, title, 'line one\nline two');
      assert.equal(await page.getByTestId('post-title').textContent(), title);
      assert.equal(await page.getByTestId('post-contents').innerText(), 'line one\nline two');

      await page.getByRole('link', { name: 'Back to the list' }).click();
      const first = page.getByTestId('post-list').locator('li').first();
      await first.waitFor();
      assert.equal(await first.getAttribute('data-post-id'), String(id));
      await first.getByRole('link', { name: title }).click();
      await page.waitForURL(new RegExp(`/posts/${id}$`));

      await page.getByRole('link', { name: 'Edit' }).click();
      await page.waitForURL(new RegExp(`/posts/${id}/edit$`));
      assert.equal(await page.getByLabel('Title').inputValue(), title);
      await page.getByLabel('Title').fill(`${title} (edited)`);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(new RegExp(`/posts/${id}$`));
      await page.getByText('edited', { exact: true }).waitFor();
      assert.equal(await page.getByTestId('post-title').textContent(), `${title} (edited)`);

      page.once('dialog', (dialog) => dialog.accept());
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL(APP);
      await page.getByTestId('post-list').waitFor();
      assert.equal(await page.locator(`[data-post-id="${id}"]`).count(), 0);
      assert.equal((await api('GET', `/posts/${id}`, await idToken(page))).status, 404);
    }));

  test('the form checks the rules as you type and keeps what you typed', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'careful');
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill('x'.repeat(201));
      await page.getByLabel('Contents').focus();
      await page.getByText('Title must be at most 200 characters.').waitFor();
      await page.getByLabel('Contents').fill('kept');
      await page.getByRole('button', { name: 'Publish' }).click();
      assert.match(page.url(), /\/write$/);
      assert.equal(await page.getByLabel('Contents').inputValue(), 'kept');
    }));

  test('25 posts page correctly: nothing missing, nothing repeated, newest first', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'pager');
      const token = await idToken(page);
      const created = [];
      for (let i = 0; i < 25; i++) {
        const { status, body } = await api('POST', '/posts', token, { title: `Paged ${i} ${Date.now()}`, contents: 'c' });
        assert.equal(status, 201);
        created.push(body.id);
      }
      await page.goto(APP);
      const seen = [];
      const items = page.getByTestId('post-list').locator('li');
      for (let pages = 0; pages < 50; pages++) {
        await items.first().waitFor();
        const ids = await items.evaluateAll((lis) => lis.map((li) => Number(li.dataset.postId)));
        seen.push(...ids);
        const older = page.getByRole('link', { name: 'Older posts' });
        if ((await older.count()) === 0) break;
        await older.click();
        // The next page has replaced this one once its first post is another.
        await page.waitForFunction(
          (previous) => document.querySelector('[data-testid="post-list"] li')?.dataset.postId !== previous,
          String(ids[0]),
        );
      }
      assert.equal(new Set(seen).size, seen.length, `repeated: ${seen}`);
      for (const id of created) assert.ok(seen.includes(id), `post ${id} missing`);
      assert.deepEqual([...seen].sort((a, b) => b - a), seen, 'newest first');
    }));

  test("another person sees no edit or delete on someone's post, and the API refuses them", { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'author');
      const id = await writePost(page, `Mine ${Date.now()}`, 'hands off');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();

      await signUp(page, 'reader');
      await page.goto(new URL(`/posts/${id}`, APP).href);
      await page.getByTestId('post-title').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);
      const token = await idToken(page);
      assert.equal((await api('PUT', `/posts/${id}`, token, { title: 'taken', contents: 'over' })).status, 403);
      assert.equal((await api('DELETE', `/posts/${id}`, token)).status, 403);
      assert.equal((await api('GET', `/posts/${id}`, token)).body.title.startsWith('Mine'), true);
    }));

  test('markup in a post is shown as text and never runs', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      let dialogs = 0;
      page.on('dialog', (dialog) => {
        dialogs++;
        dialog.dismiss();
      });
      await signUp(page, 'mallory');
      const title = '<img src=x onerror=alert(1)>';
      const contents = '<script>window.__pwned = true; alert(2)</script>';
      const id = await writePost(page, title, contents);
      assert.equal(await page.getByTestId('post-title').textContent(), title);
      assert.equal(await page.getByTestId('post-contents').textContent(), contents);
      assert.equal(await page.locator('article img, article script').count(), 0);
      await page.goto(APP);
      await page.locator(`[data-post-id="${id}"]`).waitFor();
      assert.equal(await page.locator('.post-list img').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.equal(dialogs, 0);
    }));

  test('right-to-left user text is isolated and cannot reorder the name and date beside it', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'isolated');
      const title = 'שלום עולם 2026';
      const id = await writePost(page, title, 'תוכן בעברית 123\nsecond line');
      const heading = page.getByTestId('post-title');
      assert.equal(await heading.getAttribute('dir'), 'auto');
      assert.equal(await heading.evaluate((el) => getComputedStyle(el).direction), 'rtl');
      assert.equal(await page.getByTestId('post-contents').getAttribute('dir'), 'auto');
      assert.equal(await page.locator('article .meta .author').evaluate((el) => el.tagName), 'BDI');
      await page.goto(APP);
      const item = page.locator(`[data-post-id="${id}"]`);
      await item.waitFor();
      const link = item.locator('.post-link');
      assert.equal(await link.getAttribute('dir'), 'auto');
      assert.equal(await link.evaluate((el) => getComputedStyle(el).direction), 'rtl');
      assert.equal(await item.locator('.excerpt').textContent(), 'תוכן בעברית 123 second line');
      assert.equal(await item.locator('.meta .author').evaluate((el) => el.tagName), 'BDI');
      // The line with the name and the date keeps the page's direction.
      assert.equal(await item.locator('.meta').evaluate((el) => getComputedStyle(el).direction), 'ltr');
    }));

  test('the form refuses characters that hide or reorder text, as the API does', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'trickster');
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill('invoice\u202Efdp.exe');
      await page.getByLabel('Contents').fill(' \u200D ');
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByText('Title must not contain invisible formatting characters').waitFor();
      await page.getByText('Contents must not be blank').waitFor();
      assert.match(page.url(), /\/write$/, 'nothing was sent');
    }));

  test('an #error link from elsewhere shows nothing; an error for this tab\'s sign-in shows a fixed message', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await page.goto(`${APP}#error=access_denied&error_description=Call%20%2B1-555-0100%20now&state=forged`);
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      assert.equal(await page.evaluate(() => location.hash), '');
      assert.equal(await page.getByText('Sign-in failed').count(), 0);
      assert.equal(await page.getByText('555-0100').count(), 0);

      // A sign-in started here, which the hosted UI answers with an error.
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await page.waitForURL(/\/oauth2\/authorize/);
      const state = new URL(page.url()).searchParams.get('state');
      await page.goto(`${APP}#error=access_denied&error_description=Call%20%2B1-555-0100%20now&state=${state}`);
      await page.getByText('Sign-in failed').waitFor();
      assert.equal(await page.getByTestId('notice-detail').textContent(), 'Sign-in was cancelled or refused.');
      assert.equal(await page.getByText('555-0100').count(), 0);
      assert.equal(await page.evaluate(() => location.hash), '');
    }));

  test('a callback with a tampered state is refused', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      const email = await signUp(page, 'target');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await page.waitForURL(/\/oauth2\/authorize/);
      await page.locator('input[name="state"]').evaluate((input) => { input.value = 'forged-state'; });
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Sign-in failed').waitFor();
      assert.match(await page.getByTestId('notice-detail').textContent(), /did not match/);
      assert.equal(await page.getByTestId('user-name').count(), 0);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('board.session')), null);
      assert.ok(!page.url().includes('token'), page.url());
    }));

  test('the id token carries the nonce this tab sent, and a token for another nonce is refused', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      const email = await signUp(page, 'nonce');
      // The local config requires the nonce, as every deployed one does.
      const config = await (await fetch(new URL('/config.json', APP))).json();
      assert.equal(config.require_nonce, true);
      const { id_token: token } = JSON.parse(await page.evaluate(() => sessionStorage.getItem('board.session')));
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      assert.match(claims.nonce ?? '', /^[0-9a-f]{32}$/, JSON.stringify(claims));
      assert.equal((await api('GET', '/me', token)).status, 200, 'the re-signed token passes the API');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await page.waitForURL(/\/oauth2\/authorize/);
      // The hosted UI is told another nonce than this tab sent: its token carries that one.
      await page.locator('input[name="nonce"]').evaluate((input) => { input.value = '0'.repeat(32); });
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Sign-in failed').waitFor();
      assert.equal(await page.getByTestId('user-name').count(), 0);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('board.session')), null);
    }));

  test('links move between pages without loading one, and back and forward follow', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'walker');
      // A mark on the window: a page load would wipe it.
      await page.evaluate(() => { window.stillHere = true; });
      const title = `Walked to ${Date.now()}`;
      await writePost(page, title, 'c');
      assert.equal(await page.getByRole('link', { name: 'Write', exact: true }).getAttribute('aria-current'), null);
      await page.goBack();
      await page.waitForURL(/\/write$/);
      await page.getByLabel('Title').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Write', exact: true }).getAttribute('aria-current'), 'page');
      await page.goBack();
      await page.waitForURL((url) => url.pathname === '/');
      await page.getByRole('link', { name: title }).waitFor();
      await page.goForward();
      await page.goForward();
      await page.waitForURL(/\/posts\/\d+$/);
      assert.equal(await page.getByTestId('post-title').textContent(), title);
      await page.getByRole('link', { name: 'Back to the list' }).first().click();
      await page.waitForURL((url) => url.pathname === '/');
      assert.equal(await page.evaluate(() => window.stillHere), true, 'no page was loaded');
    }));

  test('after the token expires, writing asks to sign in again and the draft comes back', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await context.clock.install();
      const email = await signUp(page, 'sleepy');
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill('Written before lunch');
      await page.getByLabel('Contents').fill('and sent after it');
      // Two hours later: the one-hour token is long expired.
      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByText('Your session has expired').waitFor();
      await page.clock.setSystemTime(Date.now());
      // Two hours on, the hosted UI's own one-hour session has ended too.
      await context.clearCookies();
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await signInThroughHostedUi(page, email);
      await page.waitForURL(/\/write$/);
      await page.getByText('Your draft was restored.').waitFor();
      assert.equal(await page.getByLabel('Title').inputValue(), 'Written before lunch');
      assert.equal(await page.getByLabel('Contents').inputValue(), 'and sent after it');
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.waitForURL(/\/posts\/\d+$/);
      assert.equal(await page.getByTestId('post-title').textContent(), 'Written before lunch');
    }));

  test("a draft kept at expiry is its writer's alone: another person in the tab sees an empty form", { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await context.clock.install();
      const alice = await signUp(page, 'alice-shared');
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill("Alice's unsent title");
      await page.getByLabel('Contents').fill("Alice's unsent words");
      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByText('Your session has expired').waitFor();
      await page.clock.setSystemTime(Date.now());
      await context.clearCookies(); // the hosted UI's session has ended too

      // Someone else signs in in the same tab and opens the form.
      await signUp(page, 'bob-shared');
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').waitFor();
      assert.equal(await page.getByLabel('Title').inputValue(), '');
      assert.equal(await page.getByLabel('Contents').inputValue(), '');
      assert.equal(await page.getByText('Your draft was restored.').count(), 0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      assert.equal(
        (await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('board.draft')))).length,
        1,
        "Bob's sign-out leaves Alice's draft alone",
      );

      // Alice comes back and gets her draft.
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await signInThroughHostedUi(page, alice);
      await expectSignedIn(page, alice);
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByText('Your draft was restored.').waitFor();
      assert.equal(await page.getByLabel('Title').inputValue(), "Alice's unsent title");
      assert.equal(await page.getByLabel('Contents').inputValue(), "Alice's unsent words");

      // Kept again at the next expiry, then dropped when Alice signs out.
      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByText('Your session has expired').waitFor();
      await page.clock.setSystemTime(Date.now());
      await context.clearCookies();
      const drafts = () => page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('board.draft')));
      assert.equal((await drafts()).length, 1);
      await page.goto(APP);
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await signInThroughHostedUi(page, alice);
      await expectSignedIn(page, alice);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      assert.deepEqual(await drafts(), []);
    }));

  test('the interface switches to Korean and remembers it', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await page.goto(APP);
      await page.getByRole('button', { name: 'Language' }).click();
      await page.getByRole('heading', { name: '게시판에 오신 것을 환영합니다' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
      await page.reload();
      await page.getByRole('button', { name: '로그인' }).first().waitFor();
    }));

  test('a new member chooses a display name, sees it on their post, and cannot take a name already held', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      const first = await signUp(page, 'namer');
      const title = `Named ${Date.now()}`;
      await writePost(page, title, 'c');
      assert.equal(await page.locator('article .meta .author').textContent(), nameFor(first));
      assert.ok(!(await page.locator('article').textContent()).includes('@'), 'no email shown');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();

      // Someone else asks for the same name, in capitals: the board says it is taken.
      const second = newEmail('copycat');
      await register(page, second);
      await chooseName(page, nameFor(first).toUpperCase());
      await page.getByText('That name is taken, looks like one that is, or is reserved. Please choose another.').waitFor();
      assert.equal(await page.getByTestId('user-name').count(), 0);
      // The rules are checked as the name is typed, as the API checks them.
      await page.getByLabel('Display name').fill('x');
      await page.getByLabel('Display name').blur();
      await page.getByText('Display name must be at least 2 characters.').waitFor();
      await chooseName(page, nameFor(second));
      await expectSignedIn(page, second);
    }));

  test('a moderator sees Delete but not Edit on someone else\'s post, and deletes it', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'ruled');
      const id = await writePost(page, `Against the rules ${Date.now()}`, 'c');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();

      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await signInThroughHostedUi(page, MODERATOR, MODERATOR_PASSWORD);
      await page.getByTestId('moderator-badge').waitFor();
      await page.goto(new URL(`/posts/${id}`, APP).href);
      await page.getByTestId('post-title').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
      let question = '';
      page.once('dialog', (dialog) => {
        question = dialog.message();
        dialog.accept();
      });
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL(APP);
      assert.match(question, /as a moderator/);
      await page.getByTestId('post-list').waitFor();
      assert.equal(await page.locator(`[data-post-id="${id}"]`).count(), 0);
      assert.equal((await api('GET', `/posts/${id}`, await idToken(page))).status, 404);
    }));

  test('past the write quota the form says when to try again and keeps the draft', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'prolific');
      const token = await idToken(page);
      const alert = page.getByText('You have posted a lot in a short time.');
      // The quota counts calendar minutes on the server's clock. Should a minute end
      // while it is being used up, writing goes on until the 429 (the new minute's
      // units are used up too); should one end between the 429 and pressing Publish,
      // the post rightly goes out and the round starts again: at most once more,
      // however slow the machine, as long as one round takes under a minute.
      for (let round = 0; ; round++) {
        assert.ok(round < 5, 'five minutes ended mid-round');
        let refused = null;
        for (let i = 0; i < 3 * WRITES_PER_MINUTE && !refused; i++) {
          const reply = await api('POST', '/posts', token, { title: `Busy ${round}.${i}`, contents: 'c' });
          if (reply.status === 429) refused = reply;
          else assert.equal(reply.status, 201);
        }
        assert.ok(refused, 'the quota ran out');
        assert.equal(refused.body.error.code, 'too_many_requests');
        assert.equal(refused.body.error.message, 'too many posts and edits this minute; try again shortly');

        await page.getByRole('link', { name: 'Write', exact: true }).click();
        await page.getByLabel('Title').fill('One more thought');
        await page.getByLabel('Contents').fill('kept while I wait');
        await page.getByRole('button', { name: 'Publish' }).click();
        const outcome = await Promise.race([
          alert.waitFor().then(() => 'refused', () => 'neither'),
          page.waitForURL(/\/posts\/\d+$/).then(() => 'published', () => 'neither'),
        ]);
        if (outcome === 'refused') break;
        assert.equal(outcome, 'published');
      }
      assert.match(await alert.textContent(), /You can post again in \d+ seconds; what you wrote is kept\./);
      assert.match(page.url(), /\/write$/);
      assert.equal(await page.getByLabel('Title').inputValue(), 'One more thought');
      assert.equal(await page.getByLabel('Contents').inputValue(), 'kept while I wait');
    }));

  test('sign out returns to the sign-in prompt', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'leaver');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(APP);
      await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('board.session')), null);
      assert.equal(await page.getByTestId('user-name').count(), 0);
    }));
});
