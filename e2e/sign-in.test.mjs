// Sign-in with each grant the app supports, in real Chromium through the local stack:
// the implicit grant (the app at BOARD_URL) and the authorization code with PKCE and a
// refresh token (the same build at BOARD_CODE_URL, its config.json naming "code").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP, PASSWORD, TIMEOUT, expectSignedIn, inBrowser, required, signInThroughHostedUi, signUp, useBrowser,
} from './helpers.mjs';

const CODE_APP = required('BOARD_CODE_URL');
const AUTH = required('BOARD_AUTH'); // the hosted-UI imitation

useBrowser();

async function session(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('board.session')));
}

/** The grant types of the token requests `page` makes from now on. */
function tokenRequests(page) {
  const grants = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${AUTH}/oauth2/token`)) {
      grants.push(new URLSearchParams(request.postData() ?? '').get('grant_type'));
    }
  });
  return grants;
}

/** The hosted-UI pages `page` is shown from now on (redirects passed through are not). */
function hostedUiPages(page) {
  const shown = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith(AUTH)) shown.push(frame.url());
  });
  return shown;
}

async function startWriting(page, title, contents) {
  await page.getByRole('link', { name: 'Write', exact: true }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Contents').fill(contents);
}

async function refreshWith(refreshToken, clientId) {
  const response = await fetch(new URL('/oauth2/token', AUTH), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }),
  });
  return { status: response.status, body: await response.json() };
}

async function clientId(app) {
  return (await (await fetch(new URL('/config.json', app))).json()).client_id;
}

for (const [grant, app] of [['implicit', APP], ['code', CODE_APP]]) {
  describe(`signing in with the ${grant} grant`, { timeout: 10 * 60_000 }, () => {
    test('sign in, reload, a second tab without the password, and sign out of both the board and the hosted UI', { timeout: TIMEOUT }, (t) =>
      inBrowser(t, async (page, context) => {
        const email = await signUp(page, `${grant}-tabs`, app);
        assert.equal(new URL(page.url()).search, '', 'no code or state left in the address bar');
        assert.equal(new URL(page.url()).hash, '');
        const first = await session(page);
        assert.equal(Boolean(first.refresh_token), grant === 'code', 'a refresh token with the code grant only');

        await page.reload();
        await expectSignedIn(page, email);

        // A second tab: the hosted UI's session signs it in without the password form.
        const second = await context.newPage();
        const shown = hostedUiPages(second);
        await second.goto(app);
        await second.getByRole('button', { name: 'Sign in' }).first().click();
        await expectSignedIn(second, email);
        assert.deepEqual(shown, [], 'no hosted-UI page was shown');

        // Sign-out ends the board's session and the hosted UI's (through its /logout,
        // after the refresh token's revocation with the code grant).
        const backFromLogout = page.waitForEvent('framenavigated', {
          predicate: (frame) => frame === page.mainFrame(),
        });
        await page.getByRole('button', { name: 'Sign out' }).click();
        await backFromLogout;
        await page.getByRole('heading', { name: 'Welcome to the board' }).waitFor();
        assert.equal(await page.evaluate(() => sessionStorage.getItem('board.session')), null);
        await page.getByRole('button', { name: 'Sign in' }).first().click();
        await page.waitForURL(/\/oauth2\/authorize/);
        await page.getByLabel('Password').waitFor();
        if (grant === 'code') {
          const refused = await refreshWith(first.refresh_token, await clientId(app));
          assert.deepEqual(refused, { status: 400, body: { error: 'invalid_grant' } }, 'the refresh token was revoked');
        }
      }));
  });
}

describe('the code grant keeps a session going', { timeout: 10 * 60_000 }, () => {
  test('the clock moves past the id token\'s expiry while writing: the post goes out after a silent refresh', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await context.clock.install();
      await signUp(page, 'code-sleepy', CODE_APP);
      const before = await session(page);
      await startWriting(page, 'Written before lunch', 'and sent after it');
      const grants = tokenRequests(page);
      const shown = hostedUiPages(page);
      // Two hours later: the one-hour id token is long expired.
      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.waitForURL(/\/posts\/\d+$/);
      assert.equal(await page.getByTestId('post-title').textContent(), 'Written before lunch');
      assert.equal(await page.getByTestId('post-contents').textContent(), 'and sent after it');
      assert.deepEqual(grants, ['refresh_token']);
      assert.deepEqual(shown, [], 'no sign-in page');
      assert.equal(await page.getByText('Your session has expired').count(), 0);
      const after = await session(page);
      assert.notEqual(after.id_token, before.id_token);
      assert.notEqual(after.refresh_token, before.refresh_token, 'the renewal rotated the refresh token');
      const renewed = await refreshWith(after.refresh_token, await clientId(CODE_APP));
      assert.equal(renewed.status, 200, 'the app kept the rotated refresh token');
    }));

  test('a token the API refuses is renewed once and the call made again', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      const email = await signUp(page, 'code-refused', CODE_APP);
      // A token this tab holds as good but the API refuses (as after a key rotation).
      await page.evaluate(() => {
        const kept = JSON.parse(sessionStorage.getItem('board.session'));
        const [header, payload] = kept.id_token.split('.');
        kept.id_token = `${header}.${payload}.bm90IGEgc2lnbmF0dXJl`;
        sessionStorage.setItem('board.session', JSON.stringify(kept));
      });
      const grants = tokenRequests(page);
      await page.reload();
      await expectSignedIn(page, email);
      assert.deepEqual(grants, ['refresh_token'], 'renewed once, for both refused calls');
      assert.equal(await page.getByText('Your session has expired').count(), 0);
      assert.ok(!(await session(page)).id_token.endsWith('bm90IGEgc2lnbmF0dXJl'));
    }));

  test('a revoked refresh token ends the session at the next renewal, and sign-in brings the draft back', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await context.clock.install();
      const email = await signUp(page, 'code-revoked', CODE_APP);
      await startWriting(page, 'Kept through a revocation', 'every word of it');
      const { refresh_token: refreshToken } = await session(page);
      const revoked = await fetch(new URL('/oauth2/revoke', AUTH), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refreshToken, client_id: await clientId(CODE_APP) }),
      });
      assert.equal(revoked.status, 200);

      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByText('Your session has expired').waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('board.session')), null);
      await page.clock.setSystemTime(Date.now());
      await context.clearCookies(); // the hosted UI's session is over too: the password is asked
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await signInThroughHostedUi(page, email, PASSWORD, CODE_APP);
      await page.waitForURL(/\/write$/);
      await page.getByText('Your draft was restored.').waitFor();
      assert.equal(await page.getByLabel('Title').inputValue(), 'Kept through a revocation');
      assert.equal(await page.getByLabel('Contents').inputValue(), 'every word of it');
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.waitForURL(/\/posts\/\d+$/);
      assert.equal(await page.getByTestId('post-title').textContent(), 'Kept through a revocation');
    }));
});
