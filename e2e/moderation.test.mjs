// Moderation in a browser: a reader reports a post, the moderator finds it in the
// queue and suspends its author with a reason, the author is told and cannot post
// (keeping what they typed), and the public log shows the action in English and
// Korean; axe-core checks the queue and the log.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  TIMEOUT,
  inBrowser,
  nameFor,
  signUp,
  writePost,
  useBrowser,
  accessibilityViolations,
  secondPerson,
  moderatorPage,
} from './helpers.mjs';

useBrowser();

describe('moderation', { timeout: 10 * 60_000 }, () => {
  test('a report reaches the queue, the author is suspended with a reason, and the log says so in both languages', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (author, context) => {
      const authorEmail = await signUp(author, 'pill-seller');
      const title = `Cheap pills ${Date.now()}`;
      const post = await writePost(author, title, 'Buy now, all kinds of pills.');

      // A reader reports it, once.
      const { page: reader } = await secondPerson(context, 'watchful');
      await reader.goto(new URL(`/posts/${post}`, APP).href);
      await reader.getByTestId('post-title').waitFor();
      await reader.getByRole('button', { name: 'Report' }).first().click();
      const form = reader.getByTestId('report-form');
      await form.getByLabel('Spam').check();
      await form.getByLabel('Note for the moderators (optional)').fill('Sells pills in every post');
      await form.getByRole('button', { name: 'Send report' }).click();
      await reader.getByTestId('report-done').waitFor();
      assert.match(await reader.getByTestId('report-done').textContent(), /moderators will look at it/);
      await reader.getByRole('button', { name: 'Report' }).first().click();
      await form.getByLabel('Abuse or harassment').check();
      await form.getByRole('button', { name: 'Send report' }).click();
      await reader.getByText('You already reported this; the moderators have it.').waitFor();

      // The moderator finds it in the queue, with the reason and the note.
      const moderator = await moderatorPage(context);
      await moderator.getByTestId('queue-link').click();
      await moderator.getByRole('heading', { name: 'Reports to review' }).waitFor();
      const item = moderator.getByTestId('queue-item').filter({ hasText: title });
      await item.waitFor();
      assert.equal(await item.getByTestId('queue-count').textContent(), '1 reports');
      assert.match(await item.textContent(), /Spam × 1/);
      assert.equal(await item.getByTestId('report-note').textContent(), 'Sells pills in every post');
      assert.deepEqual(await accessibilityViolations(moderator), []);
      // ...and suspends its author for a week, saying why.
      await item.getByLabel('Reason (shown in the public log)').fill('Selling pills');
      await item.getByLabel('For').selectOption('7d');
      await item.getByRole('button', { name: 'Suspend the author' }).click();
      await item.waitFor({ state: 'hidden' });
      const suspended = moderator.getByTestId('suspension').filter({ hasText: nameFor(authorEmail) });
      await moderator.reload();
      await suspended.waitFor();
      assert.match(await suspended.textContent(), /Selling pills/);

      // The author is told why and until when, and what they type is kept.
      await author.goto(APP);
      const notice = author.getByTestId('suspended-notice');
      await notice.waitFor();
      assert.match(await notice.textContent(), /suspended you from writing until .+ Reason: Selling pills\./);
      await author.getByRole('link', { name: 'Write', exact: true }).click();
      await author.getByLabel('Title').fill('One more');
      await author.getByLabel('Contents').fill('Please let me post');
      await author.getByRole('button', { name: 'Publish' }).click();
      await author.getByRole('alert').filter({ hasText: 'suspended you from writing' }).waitFor();
      assert.equal(await author.getByLabel('Title').inputValue(), 'One more');
      assert.equal(await author.getByLabel('Contents').inputValue(), 'Please let me post');
      assert.match(author.url(), /\/write$/);

      // The public log says who did what to whom and why, never the words.
      await reader.goto(APP);
      await reader.getByRole('link', { name: 'Moderation log' }).click();
      // Found by the suspended person's name, which reads the same in both languages.
      const entry = reader.getByTestId('log-entry').filter({ hasText: nameFor(authorEmail) });
      await entry.waitFor();
      assert.equal(await entry.getByTestId('log-kind').textContent(), 'Suspended');
      // Names and reasons are isolated in their direction (U+2068 … U+2069).
      const plain = async () => (await entry.textContent()).replace(/[\u2068\u2069]/g, '');
      const text = await plain();
      assert.match(text, /Moderator: Mina/);
      assert.match(text, new RegExp(`Person: ${nameFor(authorEmail)}`));
      assert.match(text, /Reason: Selling pills/);
      assert.match(text, /Until: /);
      assert.doesNotMatch(text, /Buy now/);
      assert.match(text, new RegExp(`post ${post}\\b`));
      assert.doesNotMatch(text, /Cheap pills/, 'the log names the post by its id alone');
      assert.deepEqual(await accessibilityViolations(reader), []);
      await reader.getByRole('button', { name: /Language/ }).click();
      await reader.getByRole('heading', { name: '운영 기록' }).waitFor();
      assert.equal(await entry.getByTestId('log-kind').textContent(), '이용 정지');
      assert.match(await plain(), /운영자: Mina/);
      assert.match(await plain(), /사유: Selling pills/);
      assert.match(await plain(), new RegExp(`${post}번 글`));
      assert.deepEqual(await accessibilityViolations(reader), []);
    }));
});
