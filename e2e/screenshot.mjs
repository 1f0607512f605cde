// Regenerates docs/list.png, the README's picture of the list page: signs in as the
// demo user of a running `cargo xtask dev`, writes a few posts and takes a screenshot.
// Usage: node e2e/screenshot.mjs [app URL]   (default http://127.0.0.1:8080/)
import { chromium } from 'playwright-core';

const APP = process.argv[2] ?? 'http://127.0.0.1:8080/';
const posts = [
  ['Welcome to the board', 'Sign in with your Cognito account and say hello.'],
  ['Deploying with one command', 'cargo xtask deploy --stage prod, and the site is up.'],
  ['안녕하세요, 게시판입니다', '한국어 글도 그대로 저장됩니다.'],
  ['Rust on Lambda starts in milliseconds', 'The backend is one small binary.'],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1000, height: 640 }, locale: 'en-US' });
await page.goto(APP);
await page.getByRole('button', { name: 'Sign in' }).first().click();
await page.getByLabel('Email').fill('demo@example.com');
await page.getByLabel('Password').fill('Board-demo-2026');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByTestId('user-name').waitFor();
for (const [title, contents] of posts) {
  await page.getByRole('link', { name: 'Write' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Contents').fill(contents);
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/posts\/\d+$/);
}
await page.getByRole('link', { name: 'The board' }).click();
await page.getByTestId('post-list').waitFor();
await page.screenshot({ path: 'docs/list.png' });
await browser.close();
