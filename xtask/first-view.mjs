// What a reader waits for, measured by `cargo xtask bench`: cold loads of the app in
// Chromium with the network throttled through the DevTools protocol, from navigation
// (performance.timeOrigin) to the first moment an element is in the page.
//
// env: BOARD_URL (the app, served as CloudFront serves it), BOARD_SESSION (a session
// to put in sessionStorage for the signed-in reader), RUNS, CHROMIUM.
// Prints {"visitor": [ms, ...], "reader": [ms, ...]} on stdout.
import { chromium } from 'playwright-core';

const APP = process.env.BOARD_URL;
const SESSION = process.env.BOARD_SESSION;
const RUNS = Number(process.env.RUNS ?? 5);

/** The throttling of the issue: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip. */
const NETWORK = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1000 * 1000) / 8,
  uploadThroughput: (750 * 1000) / 8,
};

/** What each figure waits for. */
const VISITOR = 'header button.primary'; // "Sign in"
const READER = '[data-testid="post-list"] li .post-link'; // the first post's title

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function once(selector, session) {
  const context = await browser.newContext({ locale: 'en-US' });
  if (session) {
    await context.addInitScript((value) => sessionStorage.setItem('board.session', value), session);
  }
  // Notes the first moment the element is in the document, by the page's own clock.
  await context.addInitScript((wanted) => {
    const look = () => {
      if (window.firstView === undefined && document.querySelector(wanted)) {
        window.firstView = performance.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(look);
    observer.observe(document, { childList: true, subtree: true });
  }, selector);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  // A figure, not a limit: only a page that never arrives fails the bench.
  await page.goto(APP, { timeout: 120_000 });
  await page.waitForFunction(() => window.firstView !== undefined, null, { timeout: 120_000 });
  const ms = await page.evaluate(() => window.firstView);
  await context.close();
  return ms;
}

const result = { visitor: [], reader: [] };
// Alternating, so drift hits both alike.
for (let i = 0; i < RUNS; i++) {
  result.visitor.push(await once(VISITOR, null));
  result.reader.push(await once(READER, SESSION));
}
await browser.close();
console.log(JSON.stringify(result));
