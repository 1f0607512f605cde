// DNS rebinding: a page elsewhere that points its own name at 127.0.0.1 must not reach
// the local stack as if it were the board. The CloudFront stand-in and the backend's
// local server answer a request for another name with a 400, whether the name comes
// in `Host` or as a proxy's `X-Forwarded-Host` or `Forwarded`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { APP, API, ORIGIN_SECRET } from './helpers.mjs';

/** The status of a GET of `url` with `headers` (Node's `http`, which lets a test set
 * `Host`, unlike `fetch`). */
function status(url, headers) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
  });
}

describe('the local stack against DNS rebinding', () => {
  // The backend also wants the origin secret (it is behind the stand-in, as deployed).
  const secret = { 'x-origin-verify': ORIGIN_SECRET };
  for (const [what, base, path, sent] of [['the CloudFront stand-in', APP, '/', {}], ['the backend', API, '/health', secret]]) {
    test(`${what} answers loopback names and refuses others`, async () => {
      const url = new URL(path, base);
      assert.equal(await status(url, { ...sent }), 200);
      assert.equal(await status(url, { ...sent, host: `localhost:${url.port}` }), 200);
      for (const headers of [
        { host: 'evil.example' },
        { host: `evil.example:${url.port}` },
        { 'x-forwarded-host': 'evil.example' },
        { 'x-forwarded-host': 'localhost, evil.example' },
        { forwarded: 'for=1.2.3.4;host=evil.example' },
      ]) {
        assert.equal(await status(url, { ...sent, ...headers }), 400, JSON.stringify(headers));
      }
    });
  }
});
