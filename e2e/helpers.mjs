// What the browser tests share: the stack's addresses, one Chromium per test file, a
// fresh context per test, and the steps of signing up and in through the hosted UI.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const APP = required('BOARD_URL'); // e.g. http://127.0.0.1:8080/
export const API = required('BOARD_API'); // the backend itself, for checks behind the app's back
// The origin secret the CloudFront stand-in sends the backend, which requires it as
// deployed: a check behind the app's back sends it too.
export const ORIGIN_SECRET = required('BOARD_ORIGIN_SECRET');
export const MAILBOX = required('BOARD_MAILBOX');
export const MODERATOR = required('BOARD_MODERATOR'); // the demo moderator's email
export const MODERATOR_PASSWORD = required('BOARD_MODERATOR_PASSWORD');
export const WRITES_PER_MINUTE = Number(required('BOARD_WRITES_PER_MINUTE'));
export const ARTIFACTS = process.env.BOARD_ARTIFACTS ?? path.resolve('e2e/artifacts');
export const PASSWORD = 'Correct-horse-9';
export const TIMEOUT = 120_000;

export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with \`cargo xtask test\``);
  return value;
}

let browser;
/** Launches Chromium before the file's tests and closes it after them. */
export function useBrowser() {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
  });
  after(async () => browser?.close());
}

/**
 * Runs `body` with a fresh browser context; on failure keeps a screenshot and the console
 * log. Any Content-Security-Policy violation the browser reports fails the test (the app
 * is served with the deployed template's CSP), and so does any uncaught error in the page.
 */
export async function inBrowser(t, body) {
  const context = await browser.newContext({ locale: 'en-US' });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const log = [];
  const violations = [];
  page.on('console', (m) => {
    log.push(`[${m.type()}] ${m.text()}`);
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  const errors = [];
  page.on('pageerror', (e) => {
    log.push(`[pageerror] ${e.message}`);
    errors.push(e.message);
  });
  page.on('dialog', (d) => log.push(`[dialog] ${d.type()}: ${d.message()}`));
  try {
    await body(page, context);
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  } catch (error) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const name = t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => {});
    fs.writeFileSync(path.join(ARTIFACTS, `${name}.console.log`), `${page.url()}\n${log.join('\n')}\n`);
    throw error;
  } finally {
    await context.close();
  }
}

/**
 * Opens the app at `url` in a fresh context and says how it fared: `shown` once its
 * home page's heading is there, `blank` once the browser reports that the CSP blocked
 * a script (the start-up script, without which nothing runs). For the tests that
 * expect a violation, which `inBrowser` fails on.
 */
export async function openApp(url) {
  const context = await browser.newContext({ locale: 'en-US' });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  try {
    const violations = [];
    const blocked = new Promise((resolve) => {
      page.on('console', (m) => {
        if (!m.text().includes('Content Security Policy')) return;
        violations.push(m.text());
        resolve('blank');
      });
    });
    await page.goto(url);
    const shown = page.getByRole('heading', { name: 'Welcome to the board' }).waitFor()
      .then(() => (violations.length ? `shown, but ${violations}` : 'shown'), () => 'neither');
    return await Promise.race([shown, blocked]);
  } finally {
    await context.close();
  }
}

export function newEmail(who) {
  return `${who}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.com`;
}

/** The display name a test person chooses: who they are and the email's random part. */
export function nameFor(email) {
  const [, who, random] = email.split('@')[0].match(/^(.*)-\d+-([0-9a-f]+)$/);
  return `${who}-${random}`;
}

/** The confirmation code the hosted UI "emailed" (it writes `email code` lines). */
export function codeFor(email) {
  const lines = fs.readFileSync(MAILBOX, 'utf8').trim().split('\n').reverse();
  const line = lines.find((l) => l.startsWith(`${email} `));
  assert.ok(line, `no code was sent to ${email}`);
  return line.split(' ')[1];
}

export async function expectSignedIn(page, email) {
  await page.getByTestId('user-name').waitFor();
  assert.equal(await page.getByTestId('user-name').textContent(), nameFor(email));
}

/** The board asks a new member for a display name before anything else. */
export async function chooseName(page, name) {
  await page.getByRole('heading', { name: 'Choose your display name' }).waitFor();
  await page.getByLabel('Display name').fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
}

/** From the app, through the hosted UI's sign-in form, back to the app. */
export async function signInThroughHostedUi(page, email, password = PASSWORD, app = APP) {
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(app) && !url.href.includes('/oauth2/'));
}

/** Signs `email` up through the hosted UI and comes back signed in, before the board asks for a name. */
export async function register(page, email, app = APP) {
  await page.goto(app);
  await page.getByRole('button', { name: 'Sign in' }).first().click();
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Confirmation code').fill(codeFor(email));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('Your account is confirmed').waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(app));
}

/** Signs a new person up, chooses their display name, and comes back signed in. */
export async function signUp(page, who, app = APP) {
  const email = newEmail(who);
  await register(page, email, app);
  await chooseName(page, nameFor(email));
  await expectSignedIn(page, email);
  return email;
}

export async function idToken(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('board.session')).id_token);
}

export async function api(method, urlPath, token, body) {
  const response = await fetch(new URL(urlPath, API), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-origin-verify': ORIGIN_SECRET },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

export async function writePost(page, title, contents) {
  await page.getByRole('link', { name: 'Write', exact: true }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Contents').fill(contents);
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.getByTestId('post-title').waitFor();
  return Number(new URL(page.url()).pathname.split('/').pop());
}


const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is (run through the debugger, past the CSP). */
export async function accessibilityViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Another person, in another tab of the same browser: the hosted UI's session cookie
 * of the one before is cleared so they sign up as themselves. */
export async function secondPerson(context, who, app = APP) {
  await context.clearCookies();
  const page = await context.newPage();
  const email = await signUp(page, who, app);
  return { page, email };
}

/** The demo moderator, signed in in another tab of the same browser. */
export async function moderatorPage(context, app = APP) {
  await context.clearCookies();
  const page = await context.newPage();
  await page.goto(app);
  await page.getByRole('button', { name: 'Sign in' }).first().click();
  await signInThroughHostedUi(page, MODERATOR, MODERATOR_PASSWORD, app);
  await page.getByTestId('moderator-badge').waitFor();
  return page;
}
