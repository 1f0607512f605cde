// A local stand-in for the board's CloudFront distribution, for the release build:
// `dist/` as the S3 origin, the backend as the API origin, the template's CloudFront
// Functions run on each viewer request, its response-headers policy on each answer,
// the API origin's custom headers (the origin secret) on each request sent to it, and
// compression as CloudFront applies it. `cargo xtask` writes the configuration
// (edge.json) from infra/template.yaml, so nothing here restates the template.
//
// The edge cache is modelled too: the site's answers are kept for the TTL the
// behaviour's cache policy gives the Cache-Control each object was uploaded with, and
// the response-headers policy is applied as each answer leaves, cached or not. With a
// control port, a test can rehearse a release against it: move the edge's clock on,
// give the distribution a new headers policy that reaches "the edges" only when the
// test says the distribution is deployed (as `aws cloudfront wait
// distribution-deployed` would), and invalidate paths.
//
//   node xtask/edge.mjs edge.json PORT [CONTROL_PORT]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';

const [configPath, port, controlPort] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));

// The edge's clock: the wall clock; with a control port, a clock that stands still
// but for the control's `advance`, so that what a rehearsal sees cached does not
// depend on how fast the machine runs it.
let manualMs = Date.now();
const now = () => (controlPort ? manualMs : Date.now());

// The site's answers as the origin gave them (before compression), by path, with when
// each expires. CachingOptimized keys on the path alone (no query, header or cookie).
const cache = new Map();

/** Seconds CloudFront keeps an answer: the origin's `s-maxage` or `max-age` within the
 * policy's minimum and maximum, the default without either, and the minimum for
 * `no-cache`, `no-store` or `private` (which a minimum above 0 overrides). */
function ttlSeconds(ttl, cacheControl) {
  const directives = new Map();
  for (const part of String(cacheControl ?? '').split(',')) {
    const [name, value] = part.trim().toLowerCase().split('=');
    if (name) directives.set(name, value);
  }
  if (['no-cache', 'no-store', 'private'].some((d) => directives.has(d))) return ttl.min;
  const age = Number(directives.get('s-maxage') ?? directives.get('max-age'));
  if (!Number.isFinite(age)) return ttl.default;
  return Math.min(Math.max(age, ttl.min), ttl.max);
}

// A headers policy the distribution was given but its edges do not serve yet.
let pendingHeaders = null;

// The Content-Type values CloudFront compresses, and the sizes (AWS CloudFront
// Developer Guide, "Serve compressed files"). Others, application/wasm among them,
// travel as the origin sent them.
const COMPRESSIBLE = new Set([
  'application/dash+xml', 'application/eot', 'application/font', 'application/font-sfnt',
  'application/javascript', 'application/json', 'application/opentype', 'application/otf',
  'application/pkcs7-mime', 'application/protobuf', 'application/rss+xml', 'application/truetype',
  'application/ttf', 'application/vnd.apple.mpegurl', 'application/vnd.ms-fontobject',
  'application/xhtml+xml', 'application/xml', 'application/x-font-opentype',
  'application/x-font-truetype', 'application/x-font-ttf', 'application/x-httpd-cgi',
  'application/x-javascript', 'application/x-mpegurl', 'application/x-opentype', 'application/x-otf',
  'application/x-perl', 'application/x-ttf', 'font/eot', 'font/opentype', 'font/otf', 'font/ttf',
  'image/svg+xml', 'text/css', 'text/csv', 'text/html', 'text/javascript', 'text/js', 'text/plain',
  'text/richtext', 'text/tab-separated-values', 'text/xml', 'text/x-component', 'text/x-java-source',
  'text/x-script', 'vnd.apple.mpegurl',
]);
const MIN_SIZE = 1000;
const MAX_SIZE = 10_000_000;

// What S3 answers for each kind of file the app has.
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
  '.txt': 'text/plain', '.webmanifest': 'application/manifest+json',
};

// Each behaviour's CloudFront Function, compiled once at start. CloudFront limits a
// function's own compute (about a millisecond of it), which a wall-clock timer on a
// shared machine cannot measure: the runtime's real limits (code size, no network,
// no timers, no modules) are checked statically by the template's tests, and the
// timeout here only stops a function that hangs.
const HUNG_FUNCTION_MS = 10_000;
const functions = new Map();
for (const b of [config.default, ...config.behaviors]) {
  if (b.function && !functions.has(b.function)) {
    functions.set(b.function, new vm.Script(`${b.function}\nhandler(event);`));
  }
}

/** Runs a CloudFront Function's handler on `event`, as a viewer-request function, in
 * a context of its own with nothing but the event (no state between requests). */
function runFunction(code, event) {
  return functions.get(code).runInNewContext({ event }, { timeout: HUNG_FUNCTION_MS });
}

function behaviourFor(uri) {
  for (const b of config.behaviors) {
    const prefix = b.pattern.endsWith('*') ? b.pattern.slice(0, -1) : b.pattern;
    if (b.pattern.endsWith('*') ? uri.startsWith(prefix) : uri === prefix) return b;
  }
  return config.default;
}

function viewerEvent(req, url) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = { value: String(value) };
  const querystring = {};
  for (const [key, value] of url.searchParams) querystring[key] = { value };
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: req.socket.remoteAddress },
    request: { method: req.method, uri: url.pathname, querystring, headers, cookies: {} },
  };
}

function queryOf(request) {
  const params = new URLSearchParams();
  for (const [key, { value }] of Object.entries(request.querystring ?? {})) params.append(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The response-headers policy: its headers override whatever the origin sent. */
function withPolicy(headers) {
  const out = { ...headers };
  for (const name of Object.keys(out)) {
    if (config.headers[name.toLowerCase()] !== undefined) delete out[name];
  }
  return { ...out, ...config.headers };
}

function send(req, res, behaviour, status, headers, body) {
  const type = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const accept = String(req.headers['accept-encoding'] ?? '');
  const size = body.length;
  let encoded = body;
  if (behaviour.compress && !headers['content-encoding'] && req.method !== 'HEAD'
      && COMPRESSIBLE.has(type) && size >= MIN_SIZE && size <= MAX_SIZE) {
    if (/\bbr\b/.test(accept)) {
      encoded = zlib.brotliCompressSync(body);
      headers['content-encoding'] = 'br';
    } else if (/\bgzip\b/.test(accept)) {
      encoded = zlib.gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    if (encoded !== body) headers.vary = 'Accept-Encoding';
  }
  headers['content-length'] = String(encoded.length);
  res.writeHead(status, withPolicy(headers));
  res.end(req.method === 'HEAD' ? undefined : encoded);
}

function fromSite(req, res, behaviour, request) {
  const uri = decodeURIComponent(request.uri);
  const cached = cache.get(uri);
  if (cached && cached.expires > now() && ['GET', 'HEAD'].includes(req.method)) {
    return send(req, res, behaviour, cached.status, { ...cached.headers }, cached.body);
  }
  const override = config.overrides[uri];
  const file = override ?? path.join(config.dist, path.normalize(uri).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(config.dist) && !override) return s3Denied(req, res, behaviour);
  fs.readFile(file, (error, body) => {
    // With origin access control and no ListBucket, S3 answers a missing key with 403.
    if (error) return s3Denied(req, res, behaviour);
    // A precompressed copy carries the metadata the deploy uploads it with.
    const packed = file.endsWith('.br');
    const type = TYPES[path.extname(packed ? file.slice(0, -3) : file)] ?? 'application/octet-stream';
    const headers = { 'content-type': type };
    if (packed) headers['content-encoding'] = 'br';
    const cacheControl = config.cacheControl[uri];
    if (cacheControl) headers['cache-control'] = cacheControl;
    if (behaviour.ttl) {
      const seconds = ttlSeconds(behaviour.ttl, cacheControl);
      if (seconds > 0) cache.set(uri, { status: 200, headers: { ...headers }, body, expires: now() + seconds * 1000 });
    }
    send(req, res, behaviour, 200, headers, body);
  });
}

function s3Denied(req, res, behaviour) {
  const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
  send(req, res, behaviour, 403, { 'content-type': 'application/xml' }, body);
}

function fromApi(req, res, behaviour, request, body) {
  const target = new URL(request.uri + queryOf(request), config.api);
  const headers = { ...req.headers };
  delete headers.host;
  delete headers['accept-encoding'];
  // The origin's custom headers (the origin secret), replacing any a viewer sent.
  Object.assign(headers, behaviour.originHeaders);
  const upstream = http.request(target, { method: req.method, headers }, (answer) => {
    const chunks = [];
    answer.on('data', (c) => chunks.push(c));
    answer.on('end', () => {
      const out = { ...answer.headers };
      delete out['transfer-encoding'];
      delete out.connection;
      send(req, res, behaviour, answer.statusCode, out, Buffer.concat(chunks));
    });
  });
  upstream.on('error', () => {
    send(req, res, behaviour, 502, { 'content-type': 'text/plain' }, Buffer.from('502 Bad Gateway'));
  });
  upstream.end(body);
}

// Like every local server of the stack, it answers only requests addressed to
// loopback, by Host and by any host a proxy says it forwarded for: a page elsewhere
// that points its own name at 127.0.0.1 (DNS rebinding) gets a 400, not the board.
function isLoopbackHost(host) {
  const value = host.trim();
  if (value.startsWith('[')) {
    const [address, rest] = value.slice(1).split(']');
    return address === '::1' && rest !== undefined && (rest === '' || (rest[0] === ':' && isPort(rest.slice(1))));
  }
  const colon = value.lastIndexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !isPort(value.slice(colon + 1))) return false;
  if (name.toLowerCase() === 'localhost') return true;
  const parts = name.split('.');
  return parts.length === 4 && parts[0] === '127'
    && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

function isPort(digits) {
  return /^[0-9]+$/.test(digits) && Number(digits) <= 65535;
}

function addressedToLoopback(req) {
  const hosts = [req.headers.host ?? ''];
  for (const value of [req.headers['x-forwarded-host'] ?? []].flat()) hosts.push(...value.split(','));
  for (const element of (req.headers.forwarded ?? '').split(/[,;]/)) {
    const [name, value] = element.split('=');
    if (value !== undefined && name.trim().toLowerCase() === 'host') hosts.push(value.trim().replace(/^"|"$/g, ''));
  }
  return hosts.every(isLoopbackHost);
}

const server = http.createServer((req, res) => {
  if (!addressedToLoopback(req)) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('this local server answers only requests addressed to localhost or 127.0.0.1');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const url = new URL(req.url, 'http://edge');
      const behaviour = behaviourFor(url.pathname);
      let request = viewerEvent(req, url).request;
      if (behaviour.function) {
        const result = runFunction(behaviour.function, viewerEvent(req, url));
        if (result.statusCode) {
          const headers = {};
          for (const [name, { value }] of Object.entries(result.headers ?? {})) headers[name] = value;
          return send(req, res, behaviour, result.statusCode, headers, Buffer.from(result.body ?? ''));
        }
        request = result;
      }
      if (behaviour.origin === 'api') fromApi(req, res, behaviour, request, Buffer.concat(chunks));
      else fromSite(req, res, behaviour, request);
    } catch (error) {
      console.error(`edge: ${error.stack}`);
      res.writeHead(500);
      res.end();
    }
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`edge: http://127.0.0.1:${port}/`));

// The rehearsal's control, on a port of its own (only when one is given): a POST of
// one JSON object, whose keys are applied in this order.
//   {"policy": {...}}      the distribution's new response headers (not at the edges yet)
//   {"deployed": true}     the edges serve the newest policy
//   {"invalidate": [...]}  drop these paths ("/*" for all) from the cache
//   {"advance": seconds}   move the edge's clock on
if (controlPort) {
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const order = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (order.policy) pendingHeaders = order.policy;
        if (order.deployed && pendingHeaders) {
          config.headers = pendingHeaders;
          pendingHeaders = null;
        }
        for (const pattern of order.invalidate ?? []) {
          for (const key of [...cache.keys()]) {
            if (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern) cache.delete(key);
          }
        }
        manualMs += 1000 * (order.advance ?? 0);
        res.writeHead(204);
        res.end();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    });
  }).listen(Number(controlPort), '127.0.0.1');
}
