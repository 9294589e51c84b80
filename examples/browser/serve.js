#!/usr/bin/env node
/*
 * Serves this directory and forwards /v1/* to the Portcullis API, the way a
 * static host with an API rewrite does. REST is then same-origin for the page
 * (the API sends no CORS headers); the page's WebSocket goes to the API
 * directly, so the API must allow this server's origin:
 *
 *   WS_ALLOWED_ORIGINS=http://127.0.0.1:8080 npm start          # the API, on :3000
 *   node examples/browser/serve.js --api http://127.0.0.1:3000 --port 8080
 *   open http://127.0.0.1:8080/?ws=ws://127.0.0.1:3000
 *
 * No dependencies; test/browser.e2e-spec.ts uses the same server.
 */
'use strict';
const { createReadStream, statSync } = require('node:fs');
const { createServer, request } = require('node:http');
const { extname, join, normalize, sep } = require('node:path');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * @param {{ root?: string, port?: number, host?: string, api?: string }} options
 * @returns {Promise<{ origin: string, proxyTo: string | undefined, close: () => Promise<void> }>}
 *   `proxyTo` may be set after start (e.g. once the API has its ephemeral port).
 */
async function startStaticServer(options = {}) {
  const root = normalize(options.root || __dirname).replace(/[\\/]+$/, '');
  const self = { origin: '', proxyTo: options.api, close: async () => undefined };
  const server = createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    if (url.pathname.startsWith('/v1/') && self.proxyTo) return forward(req, res, new URL(self.proxyTo));
    let file;
    try {
      file = normalize(join(root, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname)));
    } catch {
      file = '';
    }
    if (!file.startsWith(root + sep) || !TYPES[extname(file)] || !isFile(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)], 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  const host = options.host || '127.0.0.1';
  await new Promise((resolve) => server.listen(options.port || 0, host, resolve));
  self.origin = `http://${host}:${server.address().port}`;
  self.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return self;
}

function forward(req, res, target) {
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (up) => { res.writeHead(up.statusCode || 502, up.headers); up.pipe(res); },
  );
  upstream.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(upstream);
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

module.exports = { startStaticServer };

if (require.main === module) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const api = arg('api', 'http://127.0.0.1:3000');
  startStaticServer({ api, port: Number(arg('port', 8080)), host: arg('host', '127.0.0.1') }).then((s) => {
    console.log(`serving ${__dirname} on ${s.origin}, forwarding /v1 to ${api}`);
    console.log(`start the API with WS_ALLOWED_ORIGINS=${s.origin}, then open ${s.origin}/?ws=${api.replace(/^http/, 'ws')}`);
  });
}
