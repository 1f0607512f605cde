// Conversations in a browser: comments, replies and notices between two people, a
// moderator's delete leaving a placeholder, the thread in Korean, and axe-core's
// accessibility checks on the thread and the notifications.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  MODERATOR,
  MODERATOR_PASSWORD,
  TIMEOUT,
  inBrowser,
  required,
  nameFor,
  signInThroughHostedUi,
  signUp,
  idToken,
  api,
  writePost,
  useBrowser,
  accessibilityViolations,
  secondPerson,
} from './helpers.mjs';

useBrowser();

const CODE_APP = required('BOARD_CODE_URL');


async function comment(page, words) {
  await page.getByLabel('Your comment').fill(words);
  await page.getByTestId('comment-form').getByRole('button', { name: 'Comment' }).click();
  await page.getByTestId('comment-contents').filter({ hasText: words }).waitFor();
}

function commentWith(page, words) {
  return page.getByTestId('comment').filter({ has: page.getByTestId('comment-contents').filter({ hasText: words }) });
}

describe('conversations', { timeout: 10 * 60_000 }, () => {
  for (const [grant, app] of [['implicit', APP], ['code', CODE_APP]]) {
  test(`two people converse (${grant} grant): a comment, a notice, a reply, a notice back`, { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (alice, context) => {
      const aliceEmail = await signUp(alice, `talker-${grant}`, app);
      const title = `Shall we talk ${Date.now()}`;
      const post = await writePost(alice, title, 'about the weather');

      const { page: bob, email: bobEmail } = await secondPerson(context, `answerer-${grant}`, app);
      await bob.goto(new URL(`/posts/${post}`, app).href);
      await bob.getByRole('heading', { name: /Comments/ }).waitFor();
      await bob.getByText('No comments yet.').waitFor();
      await comment(bob, 'Sunny here.');
      assert.equal(await bob.getByTestId('comment-count').textContent(), '1');

      // Alice sees one new notice beside her name, and it leads to Bob's comment.
      await alice.goto(app);
      await alice.getByTestId('unread-count').waitFor();
      assert.equal(await alice.getByTestId('unread-count').textContent(), '1');
      assert.equal(
        await alice.locator(`[data-post-id="${post}"]`).getByTestId('comment-count').textContent(),
        '1 comments',
      );
      await alice.getByTestId('notices-link').click();
      const notice = alice.getByTestId('notice');
      await notice.waitFor();
      assert.equal(await notice.count(), 1);
      assert.match(await notice.textContent(), new RegExp(`${nameFor(bobEmail)} commented on your post “${title}”`));
      assert.deepEqual(await accessibilityViolations(alice), []);
      // Opening the page marked it read.
      await alice.getByTestId('unread-count').waitFor({ state: 'detached' });
      await notice.getByRole('link').click();
      await alice.waitForURL(/\/posts\/\d+\?comment=/);
      const bobsComment = commentWith(alice, 'Sunny here.');
      await bobsComment.waitFor();
      // The page moves to the linked comment and gives it the keyboard focus.
      await alice.waitForFunction(() => document.activeElement?.dataset?.testid === 'comment');
      assert.match(await alice.evaluate(() => document.activeElement.textContent), /Sunny here\./);

      // Alice answers; Bob's notice says so.
      await bobsComment.getByRole('button', { name: 'Reply' }).click();
      await alice.getByLabel(`Your reply to ${nameFor(bobEmail)}`).fill('Raining here.');
      await alice.getByTestId('reply-form').getByRole('button', { name: 'Reply' }).click();
      await commentWith(alice, 'Raining here.').waitFor();
      assert.match(await commentWith(alice, 'Raining here.').textContent(), new RegExp(`to ${nameFor(bobEmail)}`));
      assert.deepEqual(await accessibilityViolations(alice), []);

      await bob.goto(app);
      await bob.getByTestId('unread-count').waitFor();
      await bob.getByTestId('notices-link').click();
      await bob.getByTestId('notice').waitFor();
      assert.match(
        await bob.getByTestId('notice').textContent(),
        new RegExp(`${nameFor(aliceEmail)} replied to your comment on “${title}”`),
      );
      const thread = await api('GET', `/posts/${post}/comments`, await idToken(bob));
      assert.deepEqual(thread.body.comments.map((c) => c.contents), ['Sunny here.', 'Raining here.']);
    }));
  }

  test('a moderator deletes a comment that has replies and the placeholder keeps the replies in place', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await signUp(page, 'host');
      const post = await writePost(page, `Moderated ${Date.now()}`, 'c');
      const token = await idToken(page);
      const first = await api('POST', `/posts/${post}/comments`, token, { contents: 'Something rude' });
      assert.equal(first.status, 201);
      const reply = await api('POST', `/posts/${post}/comments`, token, { contents: 'Sorry, ignore that', reply_to: first.body.id });
      assert.equal(reply.status, 201);

      await context.clearCookies();
      const moderator = await context.newPage();
      await moderator.goto(APP);
      await moderator.getByRole('button', { name: 'Sign in' }).first().click();
      await signInThroughHostedUi(moderator, MODERATOR, MODERATOR_PASSWORD);
      await moderator.getByTestId('moderator-badge').waitFor();
      await moderator.goto(new URL(`/posts/${post}`, APP).href);
      const rude = commentWith(moderator, 'Something rude');
      await rude.waitFor();
      assert.equal(await rude.getByRole('button', { name: 'Edit' }).count(), 0, 'no editing of others’ words');
      let question = '';
      moderator.once('dialog', (dialog) => {
        question = dialog.message();
        dialog.accept();
      });
      await rude.getByRole('button', { name: 'Delete' }).click();
      await moderator.getByText('This comment was deleted.').waitFor();
      assert.match(question, /as a moderator/);
      await commentWith(moderator, 'Sorry, ignore that').waitFor();
      assert.equal(await moderator.getByTestId('comment-count').textContent(), '1');
      await moderator.reload();
      await moderator.getByText('This comment was deleted.').waitFor();
      assert.equal(await moderator.getByText('Something rude').count(), 0);
      // The moderator's own words carry the badge; the member's do not.
      await comment(moderator, 'Please keep it civil');
      assert.equal(await commentWith(moderator, 'Please keep it civil').getByTestId('author-badge').textContent(), 'moderator');
      assert.equal(await commentWith(moderator, 'Sorry, ignore that').getByTestId('author-badge').count(), 0);
    }));

  test('an edit kept through an expired session opens again with the words typed', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page, context) => {
      await context.clock.install();
      const email = await signUp(page, 'reviser');
      await writePost(page, `Revised later ${Date.now()}`, 'c');
      await comment(page, 'first words');
      await commentWith(page, 'first words').getByRole('button', { name: 'Edit' }).click();
      await page.getByTestId('edit-form').getByRole('textbox').fill('second thoughts');
      // Two hours later: the one-hour token is long expired.
      await page.clock.setSystemTime(Date.now() + 2 * 3600 * 1000);
      await page.getByTestId('edit-form').getByRole('button', { name: 'Save' }).click();
      await page.getByText('Your session has expired').waitFor();
      await page.clock.setSystemTime(Date.now());
      await context.clearCookies();
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await signInThroughHostedUi(page, email);
      await page.waitForURL(/\/posts\/\d+$/);
      // The edit form is open again on the same comment, holding what was typed.
      const box = page.getByTestId('edit-form').getByRole('textbox');
      await box.waitFor();
      assert.equal(await box.inputValue(), 'second thoughts');
      await page.getByTestId('edit-form').getByRole('button', { name: 'Save' }).click();
      await commentWith(page, 'second thoughts').waitFor();
      assert.equal(await commentWith(page, 'first words').count(), 0);
    }));

  test('the thread speaks Korean, and its forms check the rules as you type', { timeout: TIMEOUT }, (t) =>
    inBrowser(t, async (page) => {
      await signUp(page, 'hangul');
      const post = await writePost(page, `한국어 ${Date.now()}`, '내용');
      await page.getByRole('button', { name: 'Language' }).click();
      await page.getByRole('heading', { name: /댓글/ }).waitFor();
      await page.getByText('아직 댓글이 없습니다.').waitFor();
      await page.getByLabel('댓글 쓰기').fill(' ');
      await page.getByLabel('댓글 쓰기').blur();
      await page.getByRole('alert').filter({ hasText: /내용/ }).waitFor();
      await page.getByLabel('댓글 쓰기').fill('안녕하세요');
      await page.getByRole('button', { name: '댓글 등록' }).click();
      await commentWith(page, '안녕하세요').waitFor();
      assert.equal(await commentWith(page, '안녕하세요').getByRole('button', { name: '답글' }).count(), 1);
      assert.equal((await api('GET', `/posts/${post}`, await idToken(page))).body.comment_count, 1);
    }));
});
