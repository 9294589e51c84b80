import fc from 'fast-check';
import { AppConfig } from '../config/app-config';
import { AUTH_METHODS } from '../config/env.validation';
import { extractCredential, offeredProtocols, selectProtocol, SUBPROTOCOL } from './credentials';

/**
 * Properties of the credential extractors, which read whatever a client puts
 * in its upgrade request (issue 12): they never throw, pick only a method
 * that is switched on, keep the contract's order, and hand the secret on
 * exactly as presented.
 */
const RUNS = { numRuns: 300 };
const wsConfig = (methods: string[], allowQuery: boolean) =>
  AppConfig.fromEnvironment({ NODE_ENV: 'test', WS_AUTH_METHODS: methods.join(','), WS_ALLOW_QUERY_TOKEN: String(allowQuery) }).ws;
const config = fc.record({
  methods: fc.subarray([...AUTH_METHODS], { minLength: 1 }),
  allowQuery: fc.boolean(),
}).map(({ methods, allowQuery }) => wsConfig(methods, allowQuery));

/** Header values as Node hands them over: strings (any bytes a client may send), the odd array, or absent. */
const headerValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.constant(undefined));
const headerName = fc.constantFrom('authorization', 'x-portcullis-token', 'sec-websocket-protocol', 'cookie', 'x-other');
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });
/** Paths with query strings built to break a naive parser: bare keys, repeats, stray and malformed escapes. */
const url = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(fc.constantFrom('ticket', 'token', 'ticket=', 'token=', '=', '%', '%E0%A4%A', '%00', '#', '?', '&&'), fc.string({ maxLength: 12 })), { maxLength: 6 })
    .map((parts) => `/ws/conversations/c1?${parts.join('&')}`),
);
/** What a real credential looks like: base64url-ish, and a JWT keeps its dots. */
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}(\.[A-Za-z0-9_-]{1,40}){0,2}$/);

describe('extractCredential (properties)', () => {
  it('never throws, and picks only a method that is switched on (or none when nothing applies)', () => {
    fc.assert(fc.property(headers, url, config, (h, u, ws) => {
      const c = extractCredential({ headers: h, url: u }, ws);
      if (c.method === 'none') expect(ws.authMethods.has('message')).toBe(false);
      else expect(ws.authMethods.has(c.method)).toBe(true);
      if (c.method === 'query') expect(ws.allowQueryToken).toBe(true);
      if ('secret' in c) expect(typeof c.secret).toBe('string');
      if (c.method === 'subprotocol') expect(c.secret.length).toBeGreaterThan(0);
    }), RUNS);
  });

  it('a Bearer Authorization header decides when headers are on, whatever else is presented', () => {
    const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER');
    fc.assert(fc.property(scheme, fc.string({ maxLength: 60 }), headers, url, config, (b, rest, h, u, ws) => {
      const c = extractCredential({ headers: { ...h, authorization: `${b} ${rest}` }, url: u }, ws);
      if (ws.authMethods.has('header')) expect(c).toMatchObject({ method: 'header', source: 'authorization' });
    }), RUNS);
  });

  it('an Authorization header of another scheme is passed over: the credential is what it would be without it', () => {
    const other = fc.string({ maxLength: 60 }).filter((v) => !/^\s*bearer(\s|$)/i.test(v));
    fc.assert(fc.property(other, headers, url, config, (auth, h, u, ws) => {
      const without = { ...h };
      delete (without as Record<string, unknown>).authorization;
      expect(extractCredential({ headers: { ...without, authorization: auth }, url: u }, ws)).toEqual(extractCredential({ headers: without, url: u }, ws));
    }), RUNS);
  });

  it('hands the token on exactly as presented, from every source', () => {
    const all = wsConfig([...AUTH_METHODS], true);
    fc.assert(fc.property(token, fc.constantFrom('', ' ', '  '), (t, pad) => {
      expect(extractCredential({ headers: { authorization: `Bearer ${pad}${t}${pad}` }, url: '/x' }, all)).toMatchObject({ secret: t });
      expect(extractCredential({ headers: { 'x-portcullis-token': `${pad}${t}` }, url: '/x' }, all)).toMatchObject({ secret: t });
      expect(extractCredential({ headers: { 'sec-websocket-protocol': `portcullis.v2,${pad}bearer.${t}` }, url: '/x' }, all))
        .toMatchObject({ method: 'subprotocol', secret: t });
      expect(extractCredential({ headers: {}, url: `/x?ticket=${encodeURIComponent(t)}&token=other` }, all)).toMatchObject({ method: 'ticket', secret: t });
      expect(extractCredential({ headers: {}, url: `/x?token=${encodeURIComponent(t)}` }, all)).toMatchObject({ method: 'query', secret: t });
    }), RUNS);
  });
});

/**
 * The regex-based extractor the string-based one replaced (one regex and a URLSearchParams on every
 * connect), kept as the model: on any request Node can hand over, the two must pick the same credential.
 */
function extractCredentialModel(req: { headers: Record<string, string | string[] | undefined>; url?: string }, ws: AppConfig['ws']): ReturnType<typeof extractCredential> {
  const header = (name: string) => { const v = req.headers[name.toLowerCase()]; return Array.isArray(v) ? v[0] : v; };
  const on = (m: string) => ws.authMethods.has(m as never);
  if (on('header')) {
    const auth = header('authorization')?.trim();
    const bearer = auth === undefined ? undefined : /^Bearer(?:\s+(.*))?$/i.exec(auth);
    if (bearer) return { method: 'header', source: 'authorization', secret: (bearer[1] ?? '').trim() };
    const custom = header(ws.tokenHeader);
    if (custom !== undefined) return { method: 'header', source: 'custom_header', secret: custom.trim() };
  }
  if (on('subprotocol')) {
    const bearer = offeredProtocols(req).map((p) => /^bearer\.(.+)$/.exec(p)?.[1]).find((t) => t !== undefined);
    if (bearer !== undefined) return { method: 'subprotocol', source: 'subprotocol', secret: bearer };
  }
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  if (on('ticket') && query.has('ticket')) return { method: 'ticket', source: 'ticket', secret: query.get('ticket') ?? '' };
  if (on('query') && ws.allowQueryToken && query.has('token')) return { method: 'query', source: 'query', secret: query.get('token') ?? '' };
  if (on('message')) return { method: 'message', source: 'message' };
  return { method: 'none', source: 'none' };
}

describe('extractCredential against its regex model (properties)', () => {
  // Header values as Node hands them over: latin1, so never U+2028/U+2029, and never CR or LF (the parser refuses them).
  const noLineBreaks = (v: string) => v.replace(/[\n\r\u2028\u2029]/g, '');
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }).map(noLineBreaks),
    fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BeArEr', 'Bearer\t', 'Bearer\u00a0', 'Bearer\u000b', ' Bearer  ', 'Bearerx', 'Bear', 'Basic '), fc.string({ maxLength: 40 }).map(noLineBreaks))
      .map(([a, b]) => a + b),
    fc.array(fc.string({ maxLength: 20 }).map(noLineBreaks), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const requestHeaders = fc.dictionary(headerName, value, { maxKeys: 4 });

  it('picks what the regex model picks, from any headers and target', () => {
    fc.assert(fc.property(requestHeaders, url, config, (h, u, ws) => {
      expect(extractCredential({ headers: h, url: u }, ws)).toEqual(extractCredentialModel({ headers: h, url: u }, ws));
    }), { numRuns: 2000 });
  });
});

describe('offeredProtocols and selectProtocol (properties)', () => {
  it('offeredProtocols never throws and returns trimmed, non-empty names without commas', () => {
    fc.assert(fc.property(headers, (h) => {
      for (const p of offeredProtocols({ headers: h })) {
        expect(p.length).toBeGreaterThan(0);
        expect(p).toBe(p.trim());
        expect(p).not.toContain(',');
      }
    }), RUNS);
  });

  it('selectProtocol answers portcullis.v2 exactly when offered, and never anything else (so never echoes a token)', () => {
    const offered = fc.array(fc.oneof(fc.constant(SUBPROTOCOL), token.map((t) => `bearer.${t}`), fc.string({ maxLength: 20 })), { maxLength: 5 });
    fc.assert(fc.property(offered, (list) => {
      expect(selectProtocol(new Set(list))).toBe(list.includes(SUBPROTOCOL) ? SUBPROTOCOL : false);
    }), RUNS);
  });
});
