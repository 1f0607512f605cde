// A release in the CloudFront stand-in, in both orders. The new start-up script is
// allowed only by the new Content-Security-Policy, which reaches CloudFront's edges
// minutes after `sam deploy` returns; `index.html` is cached for a second at most
// (no-cache, CachingOptimized's minimum TTL). Uploading the new index.html before the
// edges have the new CSP serves the new page under the old CSP: a blank page. The
// deploy's order (infra tests check it makes these calls in this order: hashed files,
// config.json, wait until deployed, index.html, invalidation) never shows one.
//
// `cargo xtask test` prepares BOARD_RELEASE: the built app as release A (`dist-a`), a
// release B whose start-up script differs (`dist-b`), the stand-in's configuration for
// A serving from `bucket` (`a.json`), and the headers policy of B's stack update
// (`b-policy.json`: B's script hash, A's as the previous one).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openApp, required, useBrowser } from './helpers.mjs';

useBrowser();

const RELEASE = required('BOARD_RELEASE');
const BUCKET = path.join(RELEASE, 'bucket');
const POLICY_B = JSON.parse(fs.readFileSync(path.join(RELEASE, 'b-policy.json'), 'utf8'));
const UNHASHED = ['index.html', 'config.json'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Copies release `name`'s files into the bucket: the hashed ones, or `only` these. */
function upload(name, { only } = {}) {
  const from = path.join(RELEASE, name);
  for (const file of fs.readdirSync(from)) {
    if (only ? only.includes(file) : !UNHASHED.includes(file)) {
      fs.copyFileSync(path.join(from, file), path.join(BUCKET, file));
    }
  }
}

/** The stand-in, serving release A from a fresh bucket, with its control. */
async function standIn() {
  fs.rmSync(BUCKET, { recursive: true, force: true });
  fs.cpSync(path.join(RELEASE, 'dist-a'), BUCKET, { recursive: true });
  const [port, controlPort] = [await freePort(), await freePort()];
  const child = spawn('node', ['xtask/edge.mjs', path.join(RELEASE, 'a.json'), String(port), String(controlPort)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let tries = 0; ; tries += 1) {
    try {
      await fetch(url);
      break;
    } catch (error) {
      if (tries > 600) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const control = async (order) => {
    const answer = await fetch(`http://127.0.0.1:${controlPort}/`, { method: 'POST', body: JSON.stringify(order) });
    assert.equal(answer.status, 204, await answer.text());
  };
  return { url, control, stop: () => child.kill() };
}

/** Runs `body` with a stand-in of its own, stopped after. */
async function withStandIn(body) {
  const edge = await standIn();
  try {
    await body(edge);
  } finally {
    edge.stop();
  }
}

describe('a release through the CloudFront stand-in', { timeout: 10 * 60_000 }, () => {
  test('index.html before the edges have the new CSP: the page is blank until they do', { timeout: 5 * 60_000 }, () =>
    withStandIn(async ({ url, control }) => {
      assert.equal(await openApp(url), 'shown', 'release A');
      await control({ policy: POLICY_B }); // sam deploy returned; the edges still have A's CSP
      upload('dist-b');
      upload('dist-b', { only: ['index.html'] }); // no wait
      assert.equal(await openApp(url), 'shown', "the edge's copy of A's page, a second at most");
      await control({ advance: 2 });
      assert.equal(await openApp(url), 'blank', "B's page under A's CSP");
      await control({ deployed: true });
      assert.equal(await openApp(url), 'shown', "B's page under B's CSP");
    }));

  test("the deploy's order shows a working page at every step", { timeout: 5 * 60_000 }, () =>
    withStandIn(async ({ url, control }) => {
      await control({ policy: POLICY_B });
      assert.equal(await openApp(url), 'shown', 'A, under either CSP');
      upload('dist-b'); // the hashed files; config.json is the stand-in's own
      assert.equal(await openApp(url), 'shown');
      await control({ deployed: true }); // aws cloudfront wait distribution-deployed
      assert.equal(await openApp(url), 'shown', "A's page under B's CSP, which allows A's script too");
      upload('dist-b', { only: ['index.html'] });
      await control({ invalidate: ['/', '/index.html', '/config.json'] });
      assert.equal(await openApp(url), 'shown', "B's page under B's CSP");
      await control({ advance: 2 });
      assert.equal(await openApp(url), 'shown');
    }));
});
