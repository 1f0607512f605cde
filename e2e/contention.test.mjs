// Publishing while DynamoDB is busy: the fault layer in front of DynamoDB Local cancels
// transactions as AWS does when they meet others on the same item. The backend retries
// within its budget, then answers 503 with Retry-After; the app waits as asked and
// publishes once more by itself, and says so only if the board stays busy.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, api, idToken, inBrowser, required, signUp, useBrowser } from './helpers.mjs';

const FAULTS = required('BOARD_FAULTS'); // the fault layer, whose plan these tests set

/** Puts `rules` in force in the fault layer (none: calm again). */
async function faults(rules = []) {
  const response = await fetch(new URL('/_faults', FAULTS), { method: 'PUT', body: JSON.stringify({ rules }) });
  assert.equal(response.status, 200, await response.text());
}

/** The first `count` transactions are cancelled by a conflict. */
const conflicts = (count) => [{ operations: ['TransactWriteItems'], fault: 'transaction_conflict', share: 1, most: count }];

/** The statuses of the app's `POST /api/posts` calls, as they come. */
function publishes(page) {
  const statuses = [];
  page.on('response', (response) => {
    if (response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/posts') {
      statuses.push(response.status());
    }
  });
  return statuses;
}

useBrowser();

describe('publishing while the board is busy', () => {
  test('a 503 with Retry-After is waited out and the post published once', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'busy');
      const statuses = publishes(page);
      const title = `Through contention ${Date.now()}`;
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Contents').fill('kept through a 503');
      // One more refusal than the backend's five attempts: its first answer is a 503.
      await faults(conflicts(6));
      try {
        await page.getByRole('button', { name: 'Publish' }).click();
        await page.waitForURL(/\/posts\/\d+$/);
      } finally {
        await faults();
      }
      assert.equal(await page.getByTestId('post-title').textContent(), title);
      assert.deepEqual(statuses, [503, 201], 'the app published again by itself, once');
      const feed = await api('GET', '/posts?limit=50', await idToken(page));
      assert.equal(feed.body.posts.filter((p) => p.title === title).length, 1, 'published once');
    }));

  test('when the board stays busy, the person is told and the words stay in the form', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'stillbusy');
      const statuses = publishes(page);
      const title = `Still busy ${Date.now()}`;
      await page.getByRole('link', { name: 'Write', exact: true }).click();
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Contents').fill('not lost');
      // Both requests' five attempts refused.
      await faults(conflicts(10));
      try {
        await page.getByRole('button', { name: 'Publish' }).click();
        await page.getByText('The board is unreachable for a moment').waitFor();
      } finally {
        await faults();
      }
      assert.deepEqual(statuses, [503, 503]);
      assert.equal(await page.getByLabel('Title').inputValue(), title);
      assert.equal(await page.getByLabel('Contents').inputValue(), 'not lost');
      const feed = await api('GET', '/posts?limit=50', await idToken(page));
      assert.equal(feed.body.posts.filter((p) => p.title === title).length, 0, 'nothing published');
      // Calm again: the same words go out.
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.waitForURL(/\/posts\/\d+$/);
      assert.equal(await page.getByTestId('post-title').textContent(), title);
    }));
});
